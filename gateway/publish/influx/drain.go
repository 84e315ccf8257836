package influx

import (
	"context"
	"errors"
	"fmt"
	nethttp "net/http"
	"strings"

	"github.com/influxdata/influxdb-client-go/v2/api/http"

	"radiogw/gateway/publish/outbox"
)

// drainOnce sends one batch from the outbox and acknowledges what the server
// took. It returns how many entries it settled and whether the batch was full.
func (s *Sink) drainOnce(ctx context.Context) (int, bool, error) {
	es, err := s.opts.Outbox.Peek(s.opts.BatchSize)
	if err != nil {
		if !errors.Is(err, outbox.ErrClosed) {
			s.log.Error("influx: cannot read the outbox", "err", err)
		}
		return 0, false, fmt.Errorf("influx: %w", err)
	}
	if len(es) == 0 {
		return 0, false, nil
	}
	done, err := s.send(ctx, es)
	if done > 0 {
		if aerr := s.opts.Outbox.Ack(es[done-1].Index); aerr != nil {
			// The server has the points; only the record of it failed:
			// they are sent again (same series and time: no duplicate).
			s.count(MetricRetry, 1)
			s.warnLimited("influx: acknowledgement not recorded, will resend", "points", done, "err", aerr)
			return done, false, aerr
		}
	}
	s.mu.Lock()
	s.stats.Up, s.stats.Tried = err == nil, true
	if err != nil {
		s.stats.LastError = err.Error()
	}
	s.mu.Unlock()
	if err != nil {
		s.count(MetricRetry, 1)
		if ctx.Err() == nil {
			s.warnLimited("influx write failed, will retry", "points", len(es)-done, "err", err)
		}
		return done, false, err
	}
	return done, len(es) == s.opts.BatchSize, nil
}

// send writes es and returns how many leading entries are settled: written,
// or rejected by the server as malformed. A malformed point must not block
// the queue, so a rejected batch is split in halves until the bad points are
// alone; re-sending the good ones is harmless (same series and timestamp).
func (s *Sink) send(ctx context.Context, es []outbox.Entry) (int, error) {
	err := s.writeLines(ctx, es)
	if err == nil {
		s.count(MetricWritten, uint64(len(es)))
		return len(es), nil
	}
	if !malformed(err) {
		return 0, err
	}
	if len(es) == 1 {
		s.count(MetricRejected, 1)
		s.log.Error("influx rejected a point, skipping it", "index", es[0].Index,
			"point", truncate(string(es[0].Data), 300), "err", err)
		return 1, nil
	}
	half := len(es) / 2
	n, err := s.send(ctx, es[:half])
	if err != nil || n < half {
		return n, err
	}
	m, err := s.send(ctx, es[half:])
	return n + m, err
}

func (s *Sink) writeLines(ctx context.Context, es []outbox.Entry) error {
	// One body, built once: WriteRecord would join separate lines again.
	n := len(es)
	for i := range es {
		n += len(es[i].Data)
	}
	var body strings.Builder
	body.Grow(n)
	for i := range es {
		if i > 0 {
			body.WriteByte('\n')
		}
		body.Write(es[i].Data)
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	if err := s.write.WriteRecord(ctx, body.String()); err != nil {
		return fmt.Errorf("influx: write %d points: %w", len(es), err)
	}
	return nil
}

// malformed reports whether the server refused the content rather than
// failed: 400 (parse error, field type conflict, partial write), 413 (too
// large) and 422 (2.x: e.g. outside the retention period). Anything else
// (network, 401/403/404, 429, 5xx) is retried as it is.
func malformed(err error) bool {
	var he *http.Error
	if !errors.As(err, &he) {
		return false
	}
	switch he.StatusCode {
	case nethttp.StatusBadRequest, nethttp.StatusRequestEntityTooLarge, nethttp.StatusUnprocessableEntity:
		return true
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
