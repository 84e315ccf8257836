// Package fixtime completes fix times per device before the tracker sees
// them: a sentence with only a time of day takes its date from the same
// device's latest dated sentence, and a date one or more GPS week rollovers
// behind is moved forward. It is pure: time comes in with every call, and
// one goroutine (the tracker loop) owns a Resolver.
package fixtime

import (
	"time"

	"radiogw/avl"
)

// Recent is how long a device's dated sentence (RMC, ZDA, a dated TAIP or
// LRRP report) dates its later time-of-day-only sentences. Receivers repeat
// their RMC every second or few; after a minute without one the receive
// date is the better guess.
const Recent = time.Minute

// Key names one device: its source, its sender address (without port) and
// the ID its frames carry. A struct, so looking a device up allocates nothing.
type Key struct{ Source, Sender, Device string }

// Resolver remembers each device's latest dated time.
type Resolver struct {
	slack   time.Duration // how far ahead of its receive time a fix may be dated (clock skew)
	devices map[Key]*device
}

type device struct {
	dated    time.Time // the latest dated fix time
	received time.Time // when it arrived
	rolled   bool      // a rollover was reported for this device
}

// Outcome says what Resolve changed.
type Outcome struct {
	Rollover      bool // the date was moved forward by 1024·k GPS weeks
	FirstRollover bool // ... for the first time for this device: log it
	FromDevice    bool // a time of day took the date of the device's own dated sentence
}

// New returns a Resolver; slack is the clock skew allowed ahead of the
// receive time (the default unit type's max_future).
func New(slack time.Duration) *Resolver {
	if slack <= 0 {
		slack = 2 * time.Minute
	}
	return &Resolver{slack: slack, devices: map[Key]*device{}}
}

// Resolve completes f's time in place. key names the device.
func (r *Resolver) Resolve(key Key, f *avl.Fix) Outcome {
	var out Outcome
	if f.Time.IsZero() {
		return out
	}
	if !f.NoDate {
		out.Rollover, out.FirstRollover = r.Dated(key, &f.Time, f.Received)
		return out
	}
	tod := avl.TimeOfDay(f.Time)
	if d := r.devices[key]; d != nil && fresh(d, f.Received) {
		f.Time = avl.NearestDay(tod, d.dated)
		out.FromDevice = true
		return out
	}
	if !f.Received.IsZero() {
		f.Time = avl.PastDay(tod, f.Received, r.slack)
	}
	return out
}

// Dated records a dated time from a device (a fix or a ZDA), correcting it
// in place for GPS week rollover first. It reports whether it corrected it,
// and whether that was the first time for this device.
func (r *Resolver) Dated(key Key, t *time.Time, received time.Time) (rolled, first bool) {
	c, rolled := avl.UndoRollover(*t, received, r.slack)
	*t = c
	d := r.devices[key]
	if d == nil {
		d = &device{}
		r.devices[key] = d
	}
	d.dated, d.received = c, received
	if rolled && !d.rolled {
		d.rolled, first = true, true
	}
	return rolled, first
}

func fresh(d *device, received time.Time) bool {
	if received.IsZero() || d.received.IsZero() {
		return true
	}
	age := received.Sub(d.received)
	return age >= -Recent && age <= Recent
}

// Prune forgets devices whose dated sentence is older than Recent at now,
// keeping the ones that had a rollover (so it is logged once, not once per
// reconnect). Call it now and then; it bounds memory by active devices.
func (r *Resolver) Prune(now time.Time) {
	for k, d := range r.devices {
		if !d.rolled && now.Sub(d.received) > Recent {
			delete(r.devices, k)
		}
	}
}

// Len is how many devices the Resolver remembers.
func (r *Resolver) Len() int { return len(r.devices) }
