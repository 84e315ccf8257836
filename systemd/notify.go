// Package systemd talks to the service manager: readiness, reload and stop
// notifications, and watchdog pings that stop when the pipeline is stuck.
package systemd

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// Notifier sends sd_notify messages; without NOTIFY_SOCKET every call is a
// no-op, so the same binary runs under systemd and in a terminal.
type Notifier struct {
	log *slog.Logger
}

// NewNotifier returns a notifier.
func NewNotifier(log *slog.Logger) *Notifier { return &Notifier{log: log} }

func (n *Notifier) send(state string) {
	if _, err := daemon.SdNotify(false, state); err != nil && n.log != nil {
		n.log.Warn("sd_notify failed", "state", state, "err", err)
	}
}

// Ready says startup finished: signal handlers installed, sources attempted.
func (n *Notifier) Ready() { n.send(daemon.SdNotifyReady) }

// Reloading says a configuration reload began; Ready ends it.
func (n *Notifier) Reloading() {
	n.send(daemon.SdNotifyReloading + "\nMONOTONIC_USEC=" + monotonicUsec())
}

// Stopping says shutdown began.
func (n *Notifier) Stopping() { n.send(daemon.SdNotifyStopping) }

// Status sets the one-line status systemctl shows.
func (n *Notifier) Status(s string) { n.send("STATUS=" + s) }

// Watchdog pings the service manager at half the configured WatchdogSec for
// as long as healthy() says the pipeline is turning. A stuck pipeline stops
// the pings and systemd restarts the service.
func (n *Notifier) Watchdog(ctx context.Context, healthy func() bool) {
	interval, err := daemon.SdWatchdogEnabled(false)
	if err != nil || interval == 0 {
		return
	}
	t := time.NewTicker(interval / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if healthy() {
				n.send(daemon.SdNotifyWatchdog)
			} else if n.log != nil {
				n.log.Error("pipeline stuck: withholding watchdog ping")
			}
		}
	}
}

// UnderSystemd reports whether stdout/stderr go to the journal, to choose
// JSON logs.
func UnderSystemd() bool {
	return os.Getenv("JOURNAL_STREAM") != "" || os.Getenv("INVOCATION_ID") != ""
}
