package influx

import (
	"bufio"
	"fmt"
	"io"
	"time"

	"radiogw/gateway/publish/lineproto"
	"radiogw/gateway/publish/outbox"
)

// Export writes every unacknowledged entry of o to w as line protocol, one
// point per line, oldest first, for `influx write` (2.x) or a POST to
// /write (1.8). It does not acknowledge anything: after a successful import
// the caller may Ack up to the last index, or keep the files.
func Export(o *outbox.Outbox, w io.Writer) (n int, err error) {
	bw := bufio.NewWriterSize(w, 256<<10)
	var after uint64
	for {
		es, err := o.Scan(after, 5000)
		if err != nil {
			return n, fmt.Errorf("influx: export: %w", err)
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			bw.Write(e.Data)
			if err := bw.WriteByte('\n'); err != nil {
				return n, fmt.Errorf("influx: export: %w", err)
			}
			n++
		}
		after = es[len(es)-1].Index
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("influx: export: %w", err)
	}
	return n, nil
}

// HealthValues are the outbox figures of a radiogw_health point.
func HealthValues(st outbox.Stats, now time.Time) map[string]float64 {
	v := map[string]float64{
		"outbox_depth":    float64(st.Depth),
		"outbox_bytes":    float64(st.Bytes),
		"outbox_appended": float64(st.Appended),
		"outbox_acked":    float64(st.Acked),
		"outbox_oldest_s": 0,
	}
	if !st.OldestTime.IsZero() {
		v["outbox_oldest_s"] = now.Sub(st.OldestTime).Seconds()
	}
	for _, r := range []string{outbox.DropCapPosition, outbox.DropAgePosition, outbox.DropCapEvent,
		outbox.DropWriteError, outbox.DropTorn, outbox.DropCorrupt} {
		v["dropped_"+r] = float64(st.Dropped[r])
	}
	return v
}

// WriteHealth queues a radiogw_health point with the outbox figures, the
// sink's counters and extra values from the runtime (field names must keep
// one meaning forever; they are always floats). Health points are
// ClassPosition: under pressure they go before any event.
func (s *Sink) WriteHealth(now time.Time, extra map[string]float64) error {
	v := HealthValues(s.opts.Outbox.Stats(), now)
	st := s.Stats()
	v["influx_written"] = float64(st.Written)
	v["influx_retries"] = float64(st.Retries)
	v["influx_rejected"] = float64(st.Rejected)
	v["influx_invalid"] = float64(st.Invalid)
	for k, x := range extra {
		v[k] = x
	}
	line, err := lineproto.Health(nil, s.opts.Site, now, v)
	if err != nil {
		return fmt.Errorf("influx: health point: %w", err)
	}
	if err := s.opts.Outbox.Append(outbox.Entry{Class: outbox.ClassPosition, Time: now, Data: line}); err != nil {
		return fmt.Errorf("influx: queue health point: %w", err)
	}
	return nil
}
