// Package cor turns a carrier-operated relay (COR, also called COS or squelch
// output) wired to a serial port's modem-control input into debounced
// channel busy/idle edges. Detector is pure; Poll is the loop that feeds it.
package cor

import (
	"fmt"
	"strings"
	"time"
)

// Lines is the state of the modem-control inputs.
type Lines struct{ DCD, CTS, DSR, RI bool }

// LineSource reads modem-control lines.
type LineSource interface {
	Lines() (Lines, error)
}

// Config selects the line and its handling.
type Config struct {
	Line     string        // dcd, cts, dsr or ri
	Invert   bool          // the relay opens on carrier (active-low wiring)
	Debounce time.Duration // a level must hold this long to count; 0 takes every change
}

// Detector debounces one line into busy/idle edges. It starts idle. It is
// not safe for concurrent use.
type Detector struct {
	cfg     Config
	pick    func(Lines) bool
	busy    bool
	pending bool // a change to !busy is being debounced
	since   time.Time
}

// NewDetector validates cfg.
func NewDetector(cfg Config) (*Detector, error) {
	d := &Detector{cfg: cfg}
	switch strings.ToLower(cfg.Line) {
	case "dcd":
		d.pick = func(l Lines) bool { return l.DCD }
	case "cts":
		d.pick = func(l Lines) bool { return l.CTS }
	case "dsr":
		d.pick = func(l Lines) bool { return l.DSR }
	case "ri":
		d.pick = func(l Lines) bool { return l.RI }
	default:
		return nil, fmt.Errorf("cor: line %q: want dcd, cts, dsr or ri", cfg.Line)
	}
	if cfg.Debounce < 0 {
		return nil, fmt.Errorf("cor: negative debounce %v", cfg.Debounce)
	}
	return d, nil
}

// Busy reports the debounced state.
func (d *Detector) Busy() bool { return d.busy }

// Sample feeds one reading taken at at. It reports whether the debounced
// state changed with this sample, and the state. A level that flips back
// before Debounce has passed is a bounce and changes nothing.
func (d *Detector) Sample(l Lines, at time.Time) (changed bool, busy bool) {
	level := d.pick(l) != d.cfg.Invert
	if level == d.busy {
		d.pending = false
		return false, d.busy
	}
	if !d.pending {
		d.pending, d.since = true, at
	}
	if at.Sub(d.since) < d.cfg.Debounce {
		return false, d.busy
	}
	d.busy, d.pending = level, false
	return true, d.busy
}

// Reset forgets the state: the channel is idle until the line says otherwise.
func (d *Detector) Reset() { d.busy, d.pending = false, false }
