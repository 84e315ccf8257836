// Package avl tracks units and their positions. It is pure: no goroutines,
// no clock, no I/O. Time comes in with every call.
package avl

import (
	"math"
	"time"
)

// Unknown marks an optional numeric value that the device did not report.
var Unknown = math.NaN()

// Known reports whether an optional numeric value was reported.
func Known(v float64) bool { return !math.IsNaN(v) }

// IDKind says which roster list a device identity is matched against.
type IDKind uint8

const (
	AVLID    IDKind = iota // modem or AVL terminal identity
	RadioID                // radio (subscriber) identity, as LRRP reports it
	CallSign               // the unit itself, as a source configured with unit = "..." names it
)

// Fix is one position report as decoded from a device. Optional values are
// Unknown (NaN) when the device did not send them.
type Fix struct {
	Source   string    // source name the frame came from
	Peer     string    // sender address, used when DeviceID is empty
	DeviceID string    // identity the device reported, if any
	IDKind   IDKind    // which roster list DeviceID belongs to
	Time     time.Time // fix time from the device (UTC)
	Received time.Time // when radiogw read the frame
	NoDate   bool      // the device sent a time of day only; Time's date is a guess from Received
	Lat, Lon float64   // WGS84 degrees
	Valid    bool      // the device said the fix is valid (status/mode)

	SpeedKmh  float64
	Heading   float64 // degrees true
	HDOP      float64
	AltitudeM float64
	AccuracyM float64 // horizontal radius, metres
}

// Position is the accepted live position of a unit. Once it is a Unit's,
// it is never changed: a new fix installs a new Position (Unit.Clone).
type Position struct {
	Lat      float64   `json:"lat"`
	Lon      float64   `json:"lon"`
	FixTime  time.Time `json:"fix_time"`
	SpeedKmh float64   `json:"speed_kmh"`
	Heading  float64   `json:"heading"`
	HDOP     float64   `json:"hdop"`
	Altitude float64   `json:"altitude_m"`
	Accuracy float64   `json:"accuracy_m"` // horizontal radius the device reported, metres
	Source   string    `json:"source"`
}

// StaleLevel is a step on the last-fix age ladder.
type StaleLevel uint8

const (
	Fresh StaleLevel = iota
	Aging
	Stale
	Lost
)

var staleNames = [...]string{"fresh", "aging", "stale", "lost"}

func (s StaleLevel) String() string {
	if int(s) < len(staleNames) {
		return staleNames[s]
	}
	return "unknown"
}

// Motion is whether a unit is moving.
type Motion uint8

const (
	MotionUnknown Motion = iota
	Stopped
	Moving
)

func (m Motion) String() string {
	switch m {
	case Stopped:
		return "stopped"
	case Moving:
		return "moving"
	}
	return ""
}

// Emergency is an emergency latched on a unit, as the channels tracker
// reports it.
type Emergency struct {
	ID      string
	Since   time.Time
	AckedBy string
	AckedAt time.Time
}

// Unit is the full state of one tracked unit.
type Unit struct {
	ID        string // call sign, or the raw device ID for units not in the roster
	AlphaTag  string
	Type      string
	RadioIDs  []string // shared with the roster: read-only
	AVLIDs    []string // shared with the roster: read-only
	Unlisted  bool     // not in the roster: tracked under its raw ID
	Position  *Position
	Stale     StaleLevel
	Motion    Motion
	Beat      string
	Status    string
	StatusAt  time.Time
	Channel   string
	Talking   bool
	LastHeard time.Time
	Emergency *Emergency
	Updated   time.Time
	// Power is the radio's power state as the trunked system last reported
	// it (PowerOn, PowerOff, "" unknown), since PowerSince.
	Power      string
	PowerSince time.Time
	Alias      string // the radio's over-the-air alias, last heard (untrusted text, cleaned)
}

// Clone returns a copy safe to hand to another goroutine. RadioIDs,
// AVLIDs, Position and Emergency are shared, not copied: the tracker never
// changes them in place (a roster change installs new lists, a fix a new
// Position, an emergency a new Emergency), so nobody may. Sharing them lets
// the MQTT sink's copy of 100,000 units hold no second Position each.
func (u *Unit) Clone() Unit {
	return *u
}

// ChangeKind says what a Change reports.
type ChangeKind uint8

const (
	UnitUpdated   ChangeKind = iota + 1 // the unit's state changed; Unit holds it
	FixAccepted                         // a fix was accepted; Fix holds it (also history)
	FixRejected                         // a fix was rejected; Reason says why
	StaleChanged                        // the unit stepped on the stale ladder
	GeofenceEnter                       // Fence names the fence
	GeofenceExit
	UnitRemoved // the unit was merged into another (MergedInto); Unit is its last state
)

var changeNames = map[ChangeKind]string{
	UnitUpdated: "unit", FixAccepted: "fix", FixRejected: "fix_rejected",
	StaleChanged: "stale", GeofenceEnter: "geofence_enter", GeofenceExit: "geofence_exit",
	UnitRemoved: "unit_removed",
}

func (k ChangeKind) String() string { return changeNames[k] }

// Change is one output of the tracker.
type Change struct {
	Kind   ChangeKind
	Time   time.Time // observation time (fix time) or the time passed in
	Unit   Unit      // snapshot of the unit after the change
	Fix    Fix       // for FixAccepted / FixRejected
	Reason string    // for FixRejected: why; for FixAccepted with Live=false: why it is history only
	Fence  string    // for geofence changes
	Live   bool      // for FixAccepted: the fix moved the live position

	FenceSet   string // for geofence changes: the geofence block the fence came from
	FenceKind  string // for geofence changes: beat, boundary or zone
	MergedInto string // for UnitRemoved: the unit that took over its state

	// Received is when radiogw read the frame behind a fix's UnitUpdated
	// (Fix.Received); zero for changes no frame caused (expiry, roster).
	// Delivery latency is measured from it, never from the device's clock.
	Received time.Time
}
