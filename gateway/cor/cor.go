// Package cor detects carrier-operated-relay edges on serial modem-control lines.
package cor

import (
	"context"
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
	Line     string // dcd, cts, dsr, ri
	Invert   bool
	Debounce time.Duration
}

// Detector debounces one line into busy/idle edges.
type Detector struct{ cfg Config }

// NewDetector validates cfg.
func NewDetector(cfg Config) (*Detector, error) { return &Detector{cfg: cfg}, nil }

// Sample feeds one reading.
func (d *Detector) Sample(l Lines, at time.Time) (changed bool, busy bool) { return false, false }

// Poll samples src every interval until ctx ends.
func (d *Detector) Poll(ctx context.Context, src LineSource, every time.Duration, onChange func(busy bool, at time.Time)) error {
	return nil
}
