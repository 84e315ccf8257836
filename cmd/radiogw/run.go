package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/term"

	"radiogw/gateway/runtime"
	"radiogw/hcl"
	"radiogw/systemd"
)

func cmdRun(args []string, _, stderr io.Writer) int {
	fs, path := commandFlags("run", stderr)
	level := fs.String("log-level", "", "override the configured log level (debug, info, warn, error)")
	cfg, code := parseAndLoad(fs, path, args, stderr)
	if cfg == nil {
		return code
	}
	log := newLogger(cfg.Log, *level, stderr)
	slog.SetDefault(log)
	notifier := systemd.NewNotifier(log)

	// Signal handlers go in before READY so a reload or stop sent right after
	// startup is never lost.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	d, err := runtime.New(cfg, runtime.Options{Logger: log, Notifier: notifier, Version: version})
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	go notifier.Watchdog(ctx, d.Healthy)

	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	for {
		select {
		case err := <-done:
			if err != nil {
				fmt.Fprintf(stderr, "radiogw: %v\n", err)
				return 1
			}
			return 0
		case s := <-sigs:
			if s != syscall.SIGHUP {
				if ctx.Err() != nil && s == syscall.SIGINT {
					// A second Ctrl-C while draining: the operator wants out now.
					log.Warn("second interrupt: exiting without finishing the drain")
					return 1
				}
				log.Info("signal received, shutting down", "signal", s.String())
				cancel()
				continue
			}
			reload(ctx, d, *path, log)
		}
	}
}

// reload loads the configuration again; a broken one is rejected with its
// diagnostics and the running one stays.
func reload(ctx context.Context, d *runtime.Daemon, path string, log *slog.Logger) {
	log.Info("reloading configuration", "path", path)
	cfg, err := loadConfig(path)
	if err != nil {
		var b strings.Builder
		printConfigError(&b, err)
		d.Metrics().Reloads.WithLabelValues("rejected").Inc()
		log.Error("new configuration rejected; the running one stays", "path", path, "diagnostics", b.String())
		return
	}
	if err := d.Reload(ctx, cfg); err != nil {
		log.Error("reload failed; the running configuration stays", "err", err)
	}
}

// newLogger logs text on a terminal and JSON under systemd (journald keeps
// the fields), unless the configuration says otherwise.
func newLogger(cfg hcl.Log, override string, w io.Writer) *slog.Logger {
	lvl := slog.LevelInfo
	name := cfg.Level
	if override != "" {
		name = override
	}
	switch name {
	case "debug":
		lvl = slog.LevelDebug
	case "warn":
		lvl = slog.LevelWarn
	case "error":
		lvl = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: lvl}
	format := cfg.Format
	if format == "" || format == "auto" {
		format = "text"
		if f, ok := w.(*os.File); ok && !term.IsTerminal(int(f.Fd())) && systemd.UnderSystemd() {
			format = "json"
		}
	}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
