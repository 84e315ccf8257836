package runtime

import (
	"context"
	"time"

	"radiogw/channels"
	"radiogw/gateway/cor"
	"radiogw/gateway/decode"
	"radiogw/gateway/source"
)

// lineAdapter reads a serial source's modem-control lines for the COR
// detector.
type lineAdapter struct{ r source.LineReader }

func (a lineAdapter) Lines() (cor.Lines, error) {
	l, err := a.r.ModemLines()
	return cor.Lines{DCD: l.DCD, CTS: l.CTS, DSR: l.DSR, RI: l.RI}, err
}

// runCOR turns a carrier-operated relay on a serial source's modem-control
// line into channel busy/idle events. While the port is unplugged the poll
// fails; it is retried, and the channel is reported idle meanwhile.
func (d *Daemon) runCOR(ctx context.Context, rs *runningSource) {
	c := rs.cfg.COR
	reader, ok := rs.src.(source.LineReader)
	if c == nil || !ok {
		return
	}
	det, err := cor.NewDetector(cor.Config{Line: c.Line, Invert: c.Invert, Debounce: c.Debounce})
	if err != nil {
		d.log.Error("cor disabled", "source", rs.cfg.Name, "err", err)
		return
	}
	poll := c.Poll
	if poll <= 0 {
		poll = 20 * time.Millisecond
	}
	onChange := func(busy bool, at time.Time) {
		kind := channels.CarrierDown
		if busy {
			kind = channels.CarrierUp
		}
		obs := decode.Observations{Events: []channels.Event{{Kind: kind, Source: rs.cfg.Name, Channel: rs.cfg.Channel,
			Time: at, Received: at}}}
		d.pipe.Push(rs.cfg.Name, "", &obs)
	}
	for {
		err := det.Poll(ctx, lineAdapter{reader}, poll, onChange)
		if err == nil {
			return
		}
		d.metrics.SourceEvents.WithLabelValues(rs.cfg.Name, "cor_read_error").Inc()
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}
