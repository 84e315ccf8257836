package broker

import (
	"context"
	"log/slog"
	"time"

	"radiogw/gateway/netguard"
)

// minLevel passes only records at or above min: the broker's per-client
// chatter at INFO would drown the daemon's own log.
type minLevel struct {
	min slog.Level
	slog.Handler
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(a []slog.Attr) slog.Handler {
	return minLevel{h.min, h.Handler.WithAttrs(a)}
}

func (h minLevel) WithGroup(n string) slog.Handler { return minLevel{h.min, h.Handler.WithGroup(n)} }

// rateLimited lets through the first record of each message and then one
// per interval with the number suppressed: mochi logs a warning for every
// message it drops for a slow client ("client store quota reached"), which
// is thousands a second when a display stalls. The counters on /metrics
// carry the totals.
type rateLimited struct {
	slog.Handler
	every *netguard.Every
}

func newRateLimited(h slog.Handler, interval time.Duration) rateLimited {
	return rateLimited{Handler: h, every: netguard.NewEvery(interval)}
}

func (h rateLimited) Handle(ctx context.Context, r slog.Record) error {
	n, ok := h.every.Allow(r.Message)
	if !ok {
		return nil
	}
	if n > 0 {
		r.AddAttrs(slog.Int("suppressed", n))
	}
	return h.Handler.Handle(ctx, r)
}

func (h rateLimited) WithAttrs(a []slog.Attr) slog.Handler {
	return rateLimited{h.Handler.WithAttrs(a), h.every}
}

func (h rateLimited) WithGroup(n string) slog.Handler {
	return rateLimited{h.Handler.WithGroup(n), h.every}
}
