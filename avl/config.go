package avl

import (
	"time"

	"github.com/paulmach/orb"
)

// RosterEntry is one unit of the configured roster.
type RosterEntry struct {
	CallSign, AlphaTag, Type string
	RadioIDs, AVLIDs         []string
}

// TypePolicy holds the per-unit-type thresholds of the fix filter, the stale
// ladder and motion detection. Zero durations and speeds disable that check.
type TypePolicy struct {
	Aging, Stale, Lost, MaxFixAge, MaxFuture         time.Duration
	MaxSpeedKmh, MaxAccuracyM, MovingKmh, StoppedKmh float64
}

// Fence is one named polygon: a beat, a jurisdiction boundary or a zone.
type Fence struct {
	Name, Kind string       // Kind: beat, boundary, zone
	Set        string       // geofence block name
	Polygon    orb.Geometry // orb.Polygon or orb.MultiPolygon
}

// Config is everything the tracker needs from the configuration.
type Config struct {
	Roster      []RosterEntry
	Types       map[string]TypePolicy // "default" always present
	Fences      []Fence
	Breadcrumbs int // per unit; default 100
}

// DefaultType is the key of the policy used for units whose type has none.
const DefaultType = "default"
