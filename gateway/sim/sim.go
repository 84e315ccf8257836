// Package sim is radiogw's simulated field: patrol units that drive around a
// city and report their positions in the protocols real AVL modems and radios
// speak (NMEA 0183, TAIP, Motorola LRRP with ARS registration, CalAmp LM
// Direct) over real UDP sockets, plus signalling decoder consoles on
// pseudo-terminals that key up,
// change status and raise emergencies (MDC-1200 lines as AllStarLink app_rpt
// prints them). It exists for the one-command demo and for load tests: the
// same seed gives the same field, and 100,000 units run on one goroutine per
// protocol.
package sim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/paulmach/orb"

	"radiogw/gateway/codec/calamp"
)

// Protocols a simulated unit can report in.
const (
	ProtoNMEA   = "nmea"   // $PSIWMDID identity, then $GPRMC; or ID-prefixed $GPRMC
	ProtoTAIP   = "taip"   // >RPV...;ID=<avlid>;*hh<
	ProtoLRRP   = "lrrp"   // ARS registration, then LRRP location reports
	ProtoCalAmp = "calamp" // CalAmp LM Direct event reports (acknowledged) over UDP
)

// MaxSocketUnits is how many units of one protocol get a UDP socket of their
// own. NMEA units beyond it share one socket and prefix their sentences with
// their AVL ID instead of sending $PSIWMDID; LRRP units cannot share (the
// sender address is their identity), so more LRRP units than this is an error.
const MaxSocketUnits = 1000

// Options configure a simulated field.
type Options struct {
	Seed  int64
	Units int           // number of generated units when UnitIDs is empty; default 12
	Rate  time.Duration // per-unit report interval; default 2s

	Boundary orb.Polygon      // units drive inside it
	Center   orb.Point        // used when Boundary is empty: a 10 km box around it
	Roads    []orb.LineString // streets to drive on (within the area); none: straight legs

	NMEAAddr string // UDP host:port of radiogw's NMEA source; "" disables NMEA units
	TAIPAddr string // UDP host:port of radiogw's TAIP source; "" disables TAIP units
	LRRPAddr string // UDP host:port of radiogw's LRRP source (port 4001 style); "" disables LRRP units
	ARSAddr  string // UDP host:port of radiogw's ARS source (port 4005 style); "" sends no registrations
	// CalAmpAddr is the UDP host:port of radiogw's calamp source; "" disables
	// CalAmp units.
	CalAmpAddr string

	// ConsolePath, if set, is where the decoder console's pseudo-terminal
	// appears (a symlink to the pty slave). With several channels the first
	// channel's console is ConsolePath and the others ConsolePath-<channel>;
	// see ConsolePaths.
	ConsolePath string
	// ConsoleAddr, if set, receives the same decoder lines over UDP, one
	// line per datagram, as from a decoder behind a serial-to-IP converter.
	// radiogw files them under the channel its source is configured with.
	ConsoleAddr string
	Channels    []string  // channel names units key up on; default ["main"]
	UnitIDs     []SimUnit // roster identities to simulate; empty: generate Units units

	EmergencyEvery time.Duration // one unit raises an emergency this often; 0 disables
	Logger         *slog.Logger
}

// SimUnit is the identity of one simulated unit.
//
// RadioID is the 4-hex-digit MDC-1200 ID the console prints when the unit
// keys up ("" or anything else: the unit never keys up). AVLID is what
// radiogw files the unit's fixes under: the modem ID for NMEA and TAIP, and
// for LRRP the IPv4 loopback address the unit's radio sends from (for
// example "127.1.0.3"). Real MOTOTRBO radios are identified by their
// 12.x.y.z sender address, which cannot be used on loopback; every address
// in 127.0.0.0/8 is local on Linux, so each simulated radio binds one of its
// own and radiogw's LRRP decoder reports that host as the device ID.
type SimUnit struct {
	CallSign, AVLID, RadioID string
	Protocol                 string // ProtoNMEA, ProtoTAIP, ProtoLRRP; "" reports no positions
}

// withDefaults fills in defaults and generates the unit list.
func (o Options) withDefaults() Options {
	if o.Units <= 0 {
		o.Units = 12
	}
	if o.Rate <= 0 {
		o.Rate = 2 * time.Second
	}
	if len(o.Channels) == 0 {
		o.Channels = []string{"main"}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if len(o.UnitIDs) == 0 {
		o.UnitIDs = GenerateUnits(o.Units, o.enabledProtocols())
	}
	return o
}

func (o Options) enabledProtocols() []string {
	var p []string
	if o.NMEAAddr != "" {
		p = append(p, ProtoNMEA)
	}
	if o.TAIPAddr != "" {
		p = append(p, ProtoTAIP)
	}
	if o.LRRPAddr != "" {
		p = append(p, ProtoLRRP)
	}
	if o.CalAmpAddr != "" {
		p = append(p, ProtoCalAmp)
	}
	return p
}

// validate checks the unit list against the enabled transports.
func (o Options) validate() error {
	lrrpUnits := 0
	seen := make(map[string]bool, len(o.UnitIDs))
	for _, u := range o.UnitIDs {
		if seen[u.CallSign] {
			return fmt.Errorf("sim: unit %q listed twice", u.CallSign)
		}
		seen[u.CallSign] = true
		switch u.Protocol {
		case "", ProtoNMEA, ProtoTAIP:
		case ProtoLRRP:
			lrrpUnits++
			a, err := netip.ParseAddr(u.AVLID)
			if err != nil || !a.IsLoopback() || !a.Is4() {
				return fmt.Errorf("sim: lrrp unit %q: AVL ID %q must be an IPv4 loopback address (127.x.y.z) the simulated radio sends from", u.CallSign, u.AVLID)
			}
		case ProtoCalAmp:
			if !isMobileID(u.AVLID) {
				return fmt.Errorf("sim: calamp unit %q: AVL ID %q must be a mobile ID (ESN or IMEI: %d to %d digits)", u.CallSign, u.AVLID, minMobileID, 2*calamp.MaxMobileID)
			}
		default:
			return fmt.Errorf("sim: unit %q: unknown protocol %q (want nmea, taip, lrrp or calamp)", u.CallSign, u.Protocol)
		}
	}
	if lrrpUnits > MaxSocketUnits {
		return fmt.Errorf("sim: %d lrrp units, at most %d (each radio needs a socket of its own)", lrrpUnits, MaxSocketUnits)
	}
	return nil
}

// Run simulates the field until ctx is done. It returns an error when a
// socket or pseudo-terminal cannot be set up; once running it logs send
// failures (radiogw may be restarting) and keeps going.
func Run(ctx context.Context, opts Options) error {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return err
	}
	start := time.Now()
	f := newField(opts, start)
	tr, err := openTransport(opts, f)
	if err != nil {
		return err
	}
	defer tr.close()
	cons := &consoles{log: opts.Logger}
	if opts.ConsolePath != "" {
		if cons, err = openConsoles(opts.ConsolePath, opts.Channels, opts.Logger); err != nil {
			return err
		}
		defer cons.close()
	}
	if opts.ConsoleAddr != "" {
		if cons.udp, err = dialConsole(opts.ConsoleAddr); err != nil {
			return err
		}
		defer cons.udp.Close()
	}
	opts.Logger.Info("simulated field running", "units", len(opts.UnitIDs), "rate", opts.Rate,
		"nmea", opts.NMEAAddr, "taip", opts.TAIPAddr, "lrrp", opts.LRRPAddr, "ars", opts.ARSAddr, "calamp", opts.CalAmpAddr,
		"console", opts.ConsolePath, "console_udp", opts.ConsoleAddr)

	var status *statusQueue
	if len(cons.list) > 0 || cons.udp != nil {
		status = newStatusQueue()
		for _, s := range f.streams {
			s.status = status
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	running := 0
	for _, s := range f.streams {
		running++
		go func() {
			defer func() { done <- struct{}{} }()
			runStream(ctx, s, tr.send, start)
		}()
	}
	if status != nil {
		running++
		go func() {
			defer func() { done <- struct{}{} }()
			runConsole(ctx, f.script, status, cons)
		}()
	}
	<-ctx.Done()
	for range running {
		<-done
	}
	if status != nil {
		if n := status.dropped.Load(); n > 0 {
			opts.Logger.Warn("status lines dropped: more status changes than a console carries", "dropped", n)
		}
	}
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// runStream drives one protocol's time wheel on the wall clock. Ticks that
// were missed (a slow machine) are caught up, so every unit still reports
// once per interval on average; after a longer stall (a suspended machine)
// at most one interval is replayed, not a burst of stale reports.
func runStream(ctx context.Context, s *stream, send sendFunc, start time.Time) {
	t := time.NewTicker(s.tick)
	defer t.Stop()
	for {
		due := int(time.Since(start) / s.tick)
		if behind := due - s.next; behind > len(s.slots) {
			s.skip(behind - len(s.slots))
		}
		for s.next <= due {
			s.step(send)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
