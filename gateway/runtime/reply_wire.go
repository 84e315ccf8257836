package runtime

import (
	"radiogw/gateway/decode"
	"radiogw/gateway/replies"
	"radiogw/gateway/source"
)

// sendReplies sends what a decoder asked to send back for one frame of rs.
// It runs on the source's goroutine, like decode: a reply goes out in the
// round trip the device waits on, not after the tracker's next step.
func (d *Daemon) sendReplies(rs *runningSource, asked []decode.Reply) {
	for i := range asked {
		r := &asked[i]
		d.replyObs.Inc()
		via := rs
		if r.Via != "" && r.Via != rs.cfg.Name {
			d.srcMu.Lock()
			via = d.sources[r.Via]
			d.srcMu.Unlock()
		}
		name := r.Via
		if via != nil {
			name = via.cfg.Name
		}
		var sender source.Sender
		if via != nil {
			sender, _ = via.src.(source.Sender)
		}
		result, err := d.replies.Send(sender, r)
		d.metrics.Replies.WithLabelValues(name, result).Inc()
		if result != replies.Sent {
			if n, ok := d.replyLogs.Allow(); ok {
				d.log.Warn("reply not sent", "source", name, "peer", r.Peer, "kind", r.Kind, "result", result,
					"err", err, "suppressed", n)
			}
		}
	}
}
