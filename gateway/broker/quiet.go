package broker

import (
	"context"
	"log/slog"
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
