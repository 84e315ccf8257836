package source

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// Default reconnect policy.
const (
	DefaultBackoffMin        = 200 * time.Millisecond
	DefaultBackoffMax        = 30 * time.Second
	DefaultBackoffResetAfter = 10 * time.Second
)

func (b Backoff) withDefaults() Backoff {
	if b.Min <= 0 {
		b.Min = DefaultBackoffMin
	}
	if b.Max <= 0 {
		b.Max = DefaultBackoffMax
	}
	if b.Max < b.Min {
		b.Max = b.Min
	}
	if b.ResetAfter <= 0 {
		b.ResetAfter = DefaultBackoffResetAfter
	}
	return b
}

// backoff is the mutable state of one reconnect loop.
type backoff struct {
	policy Backoff
	cap    time.Duration
}

// next returns the wait before the next attempt and doubles the cap.
func (b *backoff) next() time.Duration {
	if b.cap == 0 {
		b.cap = b.policy.Min
	}
	d := rand.N(b.cap) // full jitter
	b.cap = min(b.cap*2, b.policy.Max)
	return d
}

func (b *backoff) reset() { b.cap = 0 }

// session is one connection's life: open, call up once usable, read until
// it fails or ctx ends, close, return why it ended.
type session func(ctx context.Context, up func()) error

// reconnect is the one reconnect runner every transport uses. It runs sess
// until ctx is cancelled, waiting a jittered backoff between attempts and
// counting each retry as "reconnect". Up/Down fire on transitions only: Up
// when sess reports it is connected, Down when a connected session ends
// (err nil on shutdown) and once for a source that fails its first attempt,
// so the runtime knows it starts out down. With failFast, a first attempt
// that never came up ends Run with its error instead (serial startup "fail").
func reconnect(ctx context.Context, policy Backoff, h Hooks, peer string, failFast bool, sess session) error {
	return reconnectWait(ctx, policy, h, peer, failFast, sess, nil)
}

// waitFunc waits up to d before the next attempt, or longer when it knows
// an attempt is futile; it reports true when it saw a reason to try at
// once (the device came back), which also resets the backoff.
type waitFunc func(ctx context.Context, d time.Duration) (woke bool)

// reconnectWait is reconnect with the wait between attempts given by wait
// (nil: a plain timer).
func reconnectWait(ctx context.Context, policy Backoff, h Hooks, peer string, failFast bool, sess session, wait waitFunc) error {
	b := backoff{policy: policy.withDefaults()}
	for attempt := 0; ; attempt++ {
		var upAt time.Time
		err := sess(ctx, func() {
			upAt = time.Now()
			h.Up(peer)
		})
		wasUp := !upAt.IsZero()
		if ctx.Err() != nil {
			if wasUp {
				h.Down(peer, nil)
			}
			return nil
		}
		switch {
		case wasUp:
			h.Down(peer, err)
			if time.Since(upAt) >= b.policy.ResetAfter {
				b.reset()
			}
		case attempt == 0 && failFast:
			return fmt.Errorf("startup: %w", err)
		case attempt == 0:
			h.Down(peer, err)
		}
		if wait == nil {
			t := time.NewTimer(b.next())
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-t.C:
			}
		} else if wait(ctx, b.next()) {
			b.reset()
		}
		if ctx.Err() != nil {
			return nil
		}
		h.Count("reconnect")
	}
}
