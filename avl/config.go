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
	Breadcrumbs int // per unit; 0 means DefaultBreadcrumbs, NoBreadcrumbs keeps none
	Unlisted    UnlistedLimits
}

// UnlistedLimits bound the units not in the roster, which anyone who can
// reach a source can invent: a flood of fake IDs must not grow memory, the
// snapshot and the broker's retained topics without end.
type UnlistedLimits struct {
	MaxPerSource int // unlisted units first heard from one source; 0: no cap
	MaxTotal     int // unlisted units in all; 0: no cap
	// Expire removes an unlisted unit once nothing was heard from it for its
	// type's Lost threshold plus Grace (Grace alone when Lost is 0). A unit
	// with an emergency latched is kept.
	Expire bool
	Grace  time.Duration
}

// DefaultType is the key of the policy used for units whose type has none.
const DefaultType = "default"

// DefaultBreadcrumbs is the per-unit track length when Config leaves it 0.
// 50 crumbs are 1.2 KiB, about as much as the rest of a unit's state in the
// tracker and the MQTT sink; at one report every 5 to 30 s that is the last
// 4 to 25 minutes of driving.
const DefaultBreadcrumbs = 50

// NoBreadcrumbs in Config.Breadcrumbs keeps no trail at all.
const NoBreadcrumbs = -1

// MaxBreadcrumbs is the largest track length a configuration may ask for.
const MaxBreadcrumbs = 10000

// Motion thresholds used when a policy sets neither: a patrol car idling at a
// light reads a few km/h of GPS drift, walking pace is about 5 km/h.
const (
	defaultMovingKmh  = 8
	defaultStoppedKmh = 3
)

// withDefaults fills what a zero policy cannot mean literally. Every other
// zero threshold disables its check.
func (p TypePolicy) withDefaults() TypePolicy {
	if p.MovingKmh <= 0 && p.StoppedKmh <= 0 {
		p.MovingKmh, p.StoppedKmh = defaultMovingKmh, defaultStoppedKmh
	}
	if p.StoppedKmh > p.MovingKmh {
		p.StoppedKmh = p.MovingKmh
	}
	return p
}

// level returns the stale ladder step for a fix of the given age.
func (p TypePolicy) level(age time.Duration) StaleLevel {
	switch {
	case p.Lost > 0 && age >= p.Lost:
		return Lost
	case p.Stale > 0 && age >= p.Stale:
		return Stale
	case p.Aging > 0 && age >= p.Aging:
		return Aging
	}
	return Fresh
}

// motion applies the hysteresis: above MovingKmh moving, below StoppedKmh
// stopped, in between (or unknown speed) unchanged.
func (p TypePolicy) motion(cur Motion, kmh float64) Motion {
	switch {
	case !Known(kmh):
		return cur
	case kmh > p.MovingKmh:
		return Moving
	case kmh < p.StoppedKmh:
		return Stopped
	}
	return cur
}
