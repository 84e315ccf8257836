package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"radiogw/gateway/sim"
)

// cmdSim runs a simulated field against a radiogw configuration: units
// driving inside the city boundary and speaking the configured sources' real
// protocols over real sockets and a pseudo-terminal.
func cmdSim(args []string, _, stderr io.Writer) int {
	fs, path := commandFlags("sim", stderr)
	seed := fs.Int64("seed", 1, "random seed: the same seed gives the same field")
	rate := fs.Duration("rate", 0, "report interval per unit (default 2s)")
	units := fs.Int("units", 0, "simulate N generated units instead of the roster (load tests, up to 100000)")
	emergency := fs.Duration("emergency-every", 2*time.Minute, "one unit raises an emergency this often (0: never)")
	cfg, code := parseAndLoad(fs, path, args, stderr)
	if cfg == nil {
		return code
	}
	opts, err := sim.FromConfig(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "radiogw sim: %v\n", err)
		return 1
	}
	opts.Seed, opts.EmergencyEvery = *seed, *emergency
	opts.Logger = slog.New(slog.NewTextHandler(stderr, nil)).With("component", "sim")
	if *rate > 0 {
		opts.Rate = *rate
	}
	if *units > 0 {
		opts.UnitIDs, opts.Units = nil, *units
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := sim.Run(ctx, opts); err != nil {
		fmt.Fprintf(stderr, "radiogw sim: %v\n", err)
		return 1
	}
	return 0
}
