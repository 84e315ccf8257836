package avl

import (
	"sort"
	"time"
)

// Expire steps units along the stale ladder by the age of their last fix at
// now. Each step yields StaleChanged then UnitUpdated, ordered by unit ID.
// Units without a position have no fix age and are left alone. Then, with
// UnlistedLimits.Expire, unlisted units silent for their type's Lost plus
// the grace period are removed: UnitRemoved, ordered by unit ID.
func (t *Tracker) Expire(now time.Time) []Change {
	var stepped, gone []*unitState
	for _, s := range t.units {
		if s.restale(now) {
			stepped = append(stepped, s)
		}
		if t.limits.Expire && s.u.Unlisted && s.u.Emergency == nil && now.Sub(s.lastReport()) >= s.pol.Lost+t.limits.Grace {
			gone = append(gone, s)
		}
	}
	if len(stepped) == 0 && len(gone) == 0 {
		return nil
	}
	sort.Slice(stepped, func(i, j int) bool { return stepped[i].u.ID < stepped[j].u.ID })
	sort.Slice(gone, func(i, j int) bool { return gone[i].u.ID < gone[j].u.ID })
	changes := make([]Change, 0, 2*len(stepped)+len(gone))
	for _, s := range stepped {
		s.touch(now)
		u := s.u.Clone()
		changes = append(changes,
			Change{Kind: StaleChanged, Time: now, Unit: u},
			Change{Kind: UnitUpdated, Time: now, Unit: u})
	}
	for _, s := range gone {
		t.remove(s)
		t.expired[s.origin]++
		changes = append(changes, Change{Kind: UnitRemoved, Time: now, Unit: s.u.Clone()})
	}
	return changes
}

// restale moves the unit to the stale level its fix age at now calls for and
// reports whether that was a step. A unit without a position has no age.
func (s *unitState) restale(now time.Time) bool {
	if s.u.Position == nil {
		return false
	}
	lvl := s.pol.level(now.Sub(s.u.Position.FixTime))
	if lvl == s.u.Stale {
		return false
	}
	s.u.Stale = lvl
	return true
}

// lastReport is when the unit was last heard from: its last fix, status or
// radio activity (Updated also moves with the stale ladder).
func (s *unitState) lastReport() time.Time {
	last := s.u.StatusAt
	if s.u.LastHeard.After(last) {
		last = s.u.LastHeard
	}
	if p := s.u.Position; p != nil && p.FixTime.After(last) {
		last = p.FixTime
	}
	if last.IsZero() {
		return s.u.Updated
	}
	return last
}
