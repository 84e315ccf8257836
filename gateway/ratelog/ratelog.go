// Package ratelog keeps a repeated log line from flooding the journal: the
// first occurrence goes out, then at most one line per interval, carrying
// the number of occurrences held back since.
package ratelog

import (
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// Limiter lets one line through per interval and counts the rest.
type Limiter struct {
	mu         sync.Mutex
	every      time.Duration
	last       time.Time
	suppressed int
}

// New returns a limiter that lets one line through per every.
func New(every time.Duration) *Limiter { return &Limiter{every: every} }

// Allow reports whether a line may go out now and, if so, how many were
// held back since the last one.
func (r *Limiter) Allow() (suppressed int, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	if now.Sub(r.last) < r.every {
		r.suppressed++
		return 0, false
	}
	n := r.suppressed
	r.last, r.suppressed = now, 0
	return n, true
}

// Keys limits error lines per key (a full disk fails every step): the
// first occurrence is logged, then at most one line per Every with the
// number of occurrences since. The zero value is ready to use.
type Keys struct {
	mu   sync.Mutex
	keys map[string]*keyState
}

type keyState struct {
	last       time.Time
	suppressed int
}

// Every is how often one key's line goes out.
const Every = 10 * time.Second

// Error logs msg at error level under key's rate limit.
func (k *Keys) Error(log *slog.Logger, key, msg string, args ...any) {
	k.mu.Lock()
	if k.keys == nil {
		k.keys = map[string]*keyState{}
	}
	l := k.keys[key]
	if l == nil {
		l = &keyState{}
		k.keys[key] = l
	}
	now := time.Now()
	if !l.last.IsZero() && now.Sub(l.last) < Every {
		l.suppressed++
		k.mu.Unlock()
		return
	}
	n := l.suppressed
	l.last, l.suppressed = now, 0
	k.mu.Unlock()
	if n > 0 {
		args = append(args, "suppressed", n, "over", Every)
	}
	log.Error(msg, args...)
}

// Printable renders at most n bytes of a frame or name safely for a log
// line.
func Printable(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	s := strconv.Quote(string(b))
	return s[1 : len(s)-1]
}
