// Package change is what the tracker hands to the sinks: the Batch of unit
// and channel changes and display Events, and the Sink interface that
// carries them out of radiogw (gateway/publish/mqtt for displays,
// gateway/publish/influx for history).
package change

import (
	"context"
	"errors"
	"math"
	"time"

	"radiogw/avl"
	"radiogw/channels"
)

// Batch is the changes of one tracker step, in order.
type Batch struct {
	Units    []avl.Change
	Channels []channels.Change
	Events   []Event // display events built from the changes above, joined with the roster
}

// Len is the number of changes in the batch.
func (b *Batch) Len() int { return len(b.Units) + len(b.Channels) + len(b.Events) }

// ErrNotDurable is wrapped by a sink's Write when its outbox could not take
// the batch (a full disk) but the sink still delivers it from memory: the
// live state is not lost, only its survival of a crash.
var ErrNotDurable = errors.New("not durable: kept in memory")

// Sink carries changes to one destination.
//
// Write is called from the tracker goroutine. It must make the changes
// durable (or hand them to an in-memory latest-state table) and return without
// waiting on the network: an outage grows the outbox, it never stalls
// tracking. Write must not keep b's slices after it returns: the tracker
// reuses them for its next step. Run drains to the destination until ctx ends; Close flushes what
// it can within the context's deadline and releases resources.
type Sink interface {
	Name() string
	Write(b Batch) error
	Run(ctx context.Context) error
	Close(ctx context.Context) error
}

// Event is one display event (ptt_start, emergency, source_down, ...), with
// the unit resolved from the roster and, for emergencies, the unit's last
// known position.
type Event struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	Time       time.Time `json:"time"`
	Channel    string    `json:"channel,omitempty"`
	Unit       string    `json:"unit,omitempty"`
	RadioID    string    `json:"radio_id,omitempty"`
	Status     string    `json:"status,omitempty"`
	StatusCode string    `json:"status_code,omitempty"`
	Source     string    `json:"source,omitempty"`
	Peer       string    `json:"peer,omitempty"`
	Fence      string    `json:"fence,omitempty"`
	Stale      string    `json:"stale,omitempty"`
	By         string    `json:"by,omitempty"`
	DurationS  float64   `json:"duration_s,omitempty"`
	Emergency  string    `json:"emergency_id,omitempty"`
	Count      int       `json:"count,omitempty"`
	Detail     string    `json:"detail,omitempty"`
	Position   *Position `json:"position,omitempty"`
	FixAgeS    *float64  `json:"fix_age_s,omitempty"`
}

// Critical reports whether the event is part of an emergency: such events are
// never coalesced, never dropped, and jump the queue for displays.
func (e *Event) Critical() bool {
	switch e.Kind {
	case "emergency", "emergency_ack", "emergency_clear", "emergency_repeat":
		return true
	}
	return false
}

// Position is a unit position as displays receive it: unknown values are
// omitted, never null and never NaN.
type Position struct {
	Lat       float64   `json:"lat"`
	Lon       float64   `json:"lon"`
	FixTime   time.Time `json:"fix_time"`
	SpeedKmh  *float64  `json:"speed_kmh,omitempty"`
	Heading   *float64  `json:"heading,omitempty"`
	HDOP      *float64  `json:"hdop,omitempty"`
	AltitudeM *float64  `json:"altitude_m,omitempty"`
	Source    string    `json:"source,omitempty"`
}

// NewPosition converts a tracker position for display; nil stays nil.
func NewPosition(p *avl.Position) *Position {
	if p == nil {
		return nil
	}
	return &Position{Lat: p.Lat, Lon: p.Lon, FixTime: p.FixTime.UTC(), SpeedKmh: Opt(p.SpeedKmh),
		Heading: Opt(p.Heading), HDOP: Opt(p.HDOP), AltitudeM: Opt(p.Altitude), Source: p.Source}
}

// Opt turns an optional tracker value (NaN when unknown) into a pointer that
// JSON omits when unknown.
func Opt(v float64) *float64 {
	if !avl.Known(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}
