package avl

import (
	"sort"
	"time"
)

// RadioActivity reports a radio heard on a channel.
type RadioActivity struct {
	RadioID, Channel string
	Source           string // the source it was heard on
	Talking          bool   // keyed up now
	At               time.Time
	// Power is PowerOn or PowerOff when the radio registered on or off the
	// system; "" for other activity (which shows a radio that was off is
	// on again: it was heard).
	Power string
	// Alias is the radio's over-the-air alias heard with the activity,
	// already cleaned; "" when none came.
	Alias string
}

// A radio's power state as trunked systems report it (registration and
// deregistration).
const (
	PowerOn  = "on"
	PowerOff = "off"
)

// StatusUpdate reports a status message (enroute, on scene...).
type StatusUpdate struct {
	RadioID string // radio ID, AVL ID or unit call sign
	Status  string
	Source  string // the source it was heard on
	At      time.Time
}

// Tracker holds every unit's state. It is not safe for concurrent use: one
// goroutine owns it and hands the returned Changes on.
type Tracker struct {
	policies map[string]*TypePolicy  // shared by every unit of the type: never changed in place
	roster   map[string]*RosterEntry // by call sign
	byAVL    map[string]string       // AVL ID -> call sign
	byRadio  map[string]string       // radio ID -> call sign
	fences   fenceIndex
	crumbs   int32 // breadcrumbs per unit, at most MaxBreadcrumbs

	// Source names of breadcrumbs, interned: index 0 is "". Never shrinks,
	// so indexes kept in rings stay valid across reconfigures.
	sources   []string
	sourceIdx map[string]uint16

	units      map[string]*unitState
	rejections map[string]uint64
	late       map[string]uint64 // fixes accepted into history only, by reason

	limits   UnlistedLimits
	unlisted map[string]int // unlisted units by origin source
	refused  map[string]uint64
	expired  map[string]uint64

	scratch, scratch2 []int32 // reused fence index lists
	changeBuf         []Change

	// The expiry queue (expire.go): units by the earliest time Expire could
	// change them.
	due       dueQueue
	requeue   bool      // rebuild the queue from every unit first
	expiredAt time.Time // the last Expire's now

	// Units by stale level, and without a position (counts.go).
	byStale    [Lost + 1]int
	noPosition int
}

// unitState is a unit plus what the tracker needs to keep deciding about it.
type unitState struct {
	u      Unit
	origin string      // the source the unit was first heard from
	pol    *TypePolicy // the tracker's, for the unit's type
	track  ring
	inside []int32 // indexes into fenceIndex.fences containing the live position, ascending
	// jump is the run of speed_jump rejections in progress, nil when none:
	// rare, so kept out of line (every unit's state is held in memory).
	jump *jumpRun
	due  int64 // Unix nanoseconds the unit waits for in the expiry queue; 0 when not queued
}

// jumpRun is a unit's consecutive, mutually consistent speed_jump
// rejections and the last of them.
type jumpRun struct {
	n        int
	lat, lon float64
	time     time.Time
}

// NewTracker returns an empty tracker for cfg.
func NewTracker(cfg Config) *Tracker {
	t := &Tracker{
		units:      make(map[string]*unitState),
		rejections: make(map[string]uint64),
		late:       make(map[string]uint64),
		unlisted:   make(map[string]int),
		refused:    make(map[string]uint64),
		expired:    make(map[string]uint64),
		sources:    []string{""},
		sourceIdx:  map[string]uint16{"": 0},
	}
	t.configure(cfg)
	return t
}

// configure installs cfg without touching unit state.
func (t *Tracker) configure(cfg Config) {
	switch n := cfg.Breadcrumbs; {
	case n == 0:
		t.crumbs = DefaultBreadcrumbs
	case n < 0:
		t.crumbs = 0
	default:
		t.crumbs = int32(min(n, MaxBreadcrumbs))
	}
	t.policies = make(map[string]*TypePolicy, len(cfg.Types)+1)
	for name, p := range cfg.Types {
		p = p.withDefaults()
		t.policies[name] = &p
	}
	if _, ok := t.policies[DefaultType]; !ok {
		p := TypePolicy{}.withDefaults()
		t.policies[DefaultType] = &p
	}
	t.roster = make(map[string]*RosterEntry, len(cfg.Roster))
	t.byAVL = make(map[string]string)
	t.byRadio = make(map[string]string)
	// Copied once here: units then share the ID lists read-only, so cloning
	// a unit never copies them.
	entries := append([]RosterEntry(nil), cfg.Roster...)
	for i := range entries {
		e := &entries[i]
		e.RadioIDs = append([]string(nil), e.RadioIDs...)
		e.AVLIDs = append([]string(nil), e.AVLIDs...)
		t.roster[e.CallSign] = e
		for _, id := range e.AVLIDs {
			t.byAVL[id] = e.CallSign
		}
		for _, id := range e.RadioIDs {
			t.byRadio[id] = e.CallSign
		}
	}
	t.fences = newFenceIndex(cfg.Fences)
	t.limits = cfg.Unlisted
}

// policy returns the policy for a unit type, falling back to "default".
func (t *Tracker) policy(unitType string) *TypePolicy {
	if p, ok := t.policies[unitType]; ok {
		return p
	}
	return t.policies[DefaultType]
}

// Resolve maps a device identity to a unit ID. The list for kind is searched
// first, then the other list. Unknown identities resolve to themselves with
// known=false: radiogw tracks them under the raw ID.
func (t *Tracker) Resolve(kind IDKind, id string) (unitID string, known bool) {
	if kind == CallSign {
		_, ok := t.roster[id]
		return id, ok
	}
	first, second := t.byAVL, t.byRadio
	if kind == RadioID {
		first, second = second, first
	}
	if cs, ok := first[id]; ok {
		return cs, true
	}
	if cs, ok := second[id]; ok {
		return cs, true
	}
	return id, false
}

// resolveAny also accepts a call sign: status and emergency inputs may name
// the unit directly, and a raw unit ID may be one that joined the roster.
func (t *Tracker) resolveAny(kind IDKind, id string) (string, bool) {
	if cs, ok := t.Resolve(kind, id); ok {
		return cs, true
	}
	if _, ok := t.roster[id]; ok {
		return id, true
	}
	return id, false
}

// lookup returns the state of a resolved unit, creating it when create is
// set. An unlisted unit over the caps is not created (nil), and counted
// against origin, the source it was heard from.
func (t *Tracker) lookup(id, origin string, listed, create bool) *unitState {
	if s, ok := t.units[id]; ok {
		return s
	}
	if !create {
		return nil
	}
	if !listed {
		if t.unlistedFull(origin) {
			t.refused[origin]++
			return nil
		}
		t.unlisted[origin]++
	}
	s := &unitState{u: Unit{ID: id, Unlisted: !listed}, origin: origin, track: ring{limit: t.crumbs}}
	if e, ok := t.roster[id]; ok && listed {
		s.applyRoster(e)
	}
	s.pol = t.policy(s.u.Type)
	t.units[id] = s
	t.count(s)
	t.scheduleExpiry(s) // due at once until it has a report to count from
	return s
}

// applyRoster copies the roster fields onto the unit. The ID lists are the
// tracker's own copies, shared read-only.
func (s *unitState) applyRoster(e *RosterEntry) {
	s.u.AlphaTag = rosterOrAlias(e, s.u.Alias)
	s.u.Type = e.Type
	s.u.RadioIDs = e.RadioIDs
	s.u.AVLIDs = e.AVLIDs
	s.u.Unlisted = false
}

// rosterOrAlias is a unit's alpha tag: the roster's, unless the roster has
// none of its own (no alpha_tag, which defaults to the call sign) and the
// radio's over-the-air alias is known. e is nil for an unlisted unit.
func rosterOrAlias(e *RosterEntry, alias string) string {
	if e != nil && e.AlphaTag != "" && e.AlphaTag != e.CallSign {
		return e.AlphaTag
	}
	if alias != "" {
		return alias
	}
	if e != nil {
		return e.AlphaTag
	}
	return ""
}

// touch records the time of the latest change to the unit.
func (s *unitState) touch(at time.Time) {
	if at.After(s.u.Updated) {
		s.u.Updated = at
	}
}

// Unit returns a copy of one unit's state.
func (t *Tracker) Unit(id string) (Unit, bool) {
	s, ok := t.units[id]
	if !ok {
		return Unit{}, false
	}
	return s.u.Clone(), true
}

// Units returns a copy of every unit, sorted by ID.
func (t *Tracker) Units() []Unit {
	out := make([]Unit, 0, len(t.units))
	for _, s := range t.units {
		out = append(out, s.u.Clone())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Track returns a unit's breadcrumbs, oldest first; nil for an unknown unit.
func (t *Tracker) Track(unitID string) []Crumb {
	s, ok := t.units[unitID]
	if !ok {
		return nil
	}
	out := make([]Crumb, s.track.len())
	for i := range out {
		out[i] = s.track.at(i).export(t.sources)
	}
	return out
}

// Late returns the cumulative count of fixes accepted into history without
// moving their unit, by reason (LateTooOld, LateOlderThanLive).
func (t *Tracker) Late() map[string]uint64 {
	out := make(map[string]uint64, len(t.late))
	for k, v := range t.late {
		out[k] = v
	}
	return out
}

// Rejections returns the cumulative count of rejected fixes by reason.
func (t *Tracker) Rejections() map[string]uint64 {
	out := make(map[string]uint64, len(t.rejections))
	for k, v := range t.rejections {
		out[k] = v
	}
	return out
}
