package runtime

import (
	"errors"
	"sync"
	"time"

	"radiogw/gateway/publish/outbox"
)

// rateLogs keeps a repeated error from flooding the log (a full disk fails
// every step): the first occurrence is logged, then at most one line per
// logEvery with the number of occurrences since.
type rateLogs struct {
	mu   sync.Mutex
	keys map[string]*rateLog
}

type rateLog struct {
	last       time.Time
	suppressed int
}

const logEvery = 10 * time.Second

// logLimited logs msg at error level under key's rate limit.
func (d *Daemon) logLimited(key, msg string, args ...any) {
	d.logs.mu.Lock()
	if d.logs.keys == nil {
		d.logs.keys = map[string]*rateLog{}
	}
	l := d.logs.keys[key]
	if l == nil {
		l = &rateLog{}
		d.logs.keys[key] = l
	}
	now := time.Now()
	if !l.last.IsZero() && now.Sub(l.last) < logEvery {
		l.suppressed++
		d.logs.mu.Unlock()
		return
	}
	n := l.suppressed
	l.last, l.suppressed = now, 0
	d.logs.mu.Unlock()
	if n > 0 {
		args = append(args, "suppressed", n, "over", logEvery)
	}
	d.log.Error(msg, args...)
}

func isOverflow(err error) bool { return errors.Is(err, outbox.ErrOverflow) }
