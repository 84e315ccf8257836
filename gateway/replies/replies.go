// Package replies sends what decoders ask to send back to devices (acks,
// location requests): decode.Reply names the bytes, the peer and the source
// to send from; this package applies the same rules to every protocol: the
// sending source's allow list, a token bucket per address and one overall.
package replies

import (
	"errors"
	"net/netip"
	"sync"
	"time"

	"radiogw/gateway/decode"
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
	Sent             = "sent"
	Denied           = "denied"             // the sending source's allow list does not admit the address
	RateLimitedPeer  = "rate_limited_peer"  // over the per-peer limit
	RateLimitedTotal = "rate_limited_total" // over the overall limit
	SendFailed       = "send_failed"
	NoSource         = "no_source" // the source to send from is not running or cannot send
)

// Results are every outcome, for counters present at zero.
var Results = []string{Sent, Denied, RateLimitedPeer, RateLimitedTotal, SendFailed, NoSource}

// Sender sends devices the replies their decoders ask for, under one
// set of limits for every protocol. Safe for concurrent use (each source
// sends from its own goroutine).
type Sender struct {
	limit *replyLimiter
}

// New returns a Sender with fresh limits.
func New() *Sender { return &Sender{limit: newReplyLimiter()} }

// Send sends r from sender (nil: the source is not running or cannot
// send) and returns the outcome, one of Results, with the error behind it.
func (s *Sender) Send(sender source.Sender, r *decode.Reply) (string, error) {
	if sender == nil {
		return NoSource, nil
	}
	ap, err := netip.ParseAddrPort(r.Peer)
	if err != nil {
		return SendFailed, err
	}
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	// Refused before the limits: forged requests naming hosts outside the
	// allow list must not spend the budget of the devices inside it.
	if a, ok := sender.(source.Admitter); ok && !a.Admits(ap.Addr()) {
		return Denied, source.ErrDenied
	}
	if why := s.limit.allow(ap, time.Now()); why != "" {
		return why, nil
	}
	if err := sender.SendTo(r.Peer, r.Data); err != nil {
		if errors.Is(err, source.ErrDenied) {
			return Denied, err
		}
		return SendFailed, err
	}
	return Sent, nil
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
		return RateLimitedPeer
	}
	if !l.total.take(now, replyTotalRate, replyTotalBurst) {
		return RateLimitedTotal
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
