package runtime

import (
	"errors"
	"net/netip"
	"sync"
	"time"

	"radiogw/gateway/codec"
	"radiogw/gateway/source"
)

// Reply limits. A peer is the address and port a reply goes to: units
// behind one carrier NAT differ by port, and a host that forged
// registrations name as the target of location requests is one peer however
// many registrations name it. A device needs little: a CalAmp unit flushing
// its log after a coverage gap sends one report per ack. The overall limit
// caps what a flood from many (forged) addresses can make radiogw send.
const (
	replyPeerRate    = 20.0 // replies per second to one peer
	replyPeerBurst   = 40.0
	replyTotalRate   = 500.0 // replies per second in all
	replyTotalBurst  = 1000.0
	replyPeerTracked = 4096 // peers remembered for the per-peer limit
)

// Reply outcomes, the result label of radiogw_replies_total.
const (
	replySent             = "sent"
	replyDenied           = "denied"             // the sending source's allow list does not admit the address
	replyRateLimitedPeer  = "rate_limited_peer"  // over the per-peer limit
	replyRateLimitedTotal = "rate_limited_total" // over the overall limit
	replySendFailed       = "send_failed"
	replyNoSource         = "no_source" // the source to send from is not running or cannot send
)

var replyResults = []string{replySent, replyDenied, replyRateLimitedPeer, replyRateLimitedTotal, replySendFailed, replyNoSource}

// sendReplies sends what a decoder asked to send back for one frame of rs.
// It runs on the source's goroutine, like decode: a reply goes out in the
// round trip the device waits on, not after the tracker's next step.
func (d *Daemon) sendReplies(rs *runningSource, replies []codec.Reply) {
	for i := range replies {
		r := &replies[i]
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
		result, err := d.sendReply(via, r)
		d.metrics.Replies.WithLabelValues(name, result).Inc()
		if result != replySent {
			if n, ok := d.replyLogs.Allow(); ok {
				d.log.Warn("reply not sent", "source", name, "peer", r.Peer, "kind", r.Kind, "result", result,
					"err", err, "suppressed", n)
			}
		}
	}
}

func (d *Daemon) sendReply(via *runningSource, r *codec.Reply) (string, error) {
	sender, ok := source.Sender(nil), false
	if via != nil {
		sender, ok = via.src.(source.Sender)
	}
	if !ok {
		return replyNoSource, nil
	}
	ap, err := netip.ParseAddrPort(r.Peer)
	if err != nil {
		return replySendFailed, err
	}
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	// Refused before the limits: forged requests naming hosts outside the
	// allow list must not spend the budget of the devices inside it.
	if a, ok := sender.(source.Admitter); ok && !a.Admits(ap.Addr()) {
		return replyDenied, source.ErrDenied
	}
	if why := d.replyLimit.allow(ap, time.Now()); why != "" {
		return why, nil
	}
	if err := sender.SendTo(r.Peer, r.Data); err != nil {
		if errors.Is(err, source.ErrDenied) {
			return replyDenied, err
		}
		return replySendFailed, err
	}
	return replySent, nil
}

// replyLimiter holds token buckets per peer and overall.
type replyLimiter struct {
	mu    sync.Mutex
	total bucket
	peers map[netip.AddrPort]*bucket
}

func newReplyLimiter() *replyLimiter {
	return &replyLimiter{total: bucket{tokens: replyTotalBurst}, peers: map[netip.AddrPort]*bucket{}}
}

// allow takes a token for a reply to a, returning "" or the limit it hit.
func (l *replyLimiter) allow(a netip.AddrPort, now time.Time) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.peers[a]
	if b == nil {
		if len(l.peers) >= replyPeerTracked {
			l.forgetIdle(now)
		}
		b = &bucket{tokens: replyPeerBurst, last: now}
		l.peers[a] = b
	}
	if !b.take(now, replyPeerRate, replyPeerBurst) {
		return replyRateLimitedPeer
	}
	if !l.total.take(now, replyTotalRate, replyTotalBurst) {
		return replyRateLimitedTotal
	}
	return ""
}

// forgetIdle drops peers whose bucket has refilled (they would start full
// anyway); if every peer is busy, it forgets them all rather than grow: the
// overall limit still holds.
func (l *replyLimiter) forgetIdle(now time.Time) {
	for a, b := range l.peers {
		if b.tokens+now.Sub(b.last).Seconds()*replyPeerRate >= replyPeerBurst {
			delete(l.peers, a)
		}
	}
	if len(l.peers) >= replyPeerTracked {
		clear(l.peers)
	}
}

// bucket is a token bucket refilled at a rate up to a burst.
type bucket struct {
	tokens float64
	last   time.Time
}

func (b *bucket) take(now time.Time, rate, burst float64) bool {
	if !b.last.IsZero() {
		b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
