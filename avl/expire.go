package avl

import (
	"sort"
	"time"
)

// Expire steps units along the stale ladder by the age of their last fix at
// now. Each step yields StaleChanged then UnitUpdated, ordered by unit ID.
// Units without a position have no fix age and are left alone.
func (t *Tracker) Expire(now time.Time) []Change {
	var stepped []*unitState
	for _, s := range t.units {
		if s.restale(now) {
			stepped = append(stepped, s)
		}
	}
	if len(stepped) == 0 {
		return nil
	}
	sort.Slice(stepped, func(i, j int) bool { return stepped[i].u.ID < stepped[j].u.ID })
	changes := make([]Change, 0, 2*len(stepped))
	for _, s := range stepped {
		s.touch(now)
		u := s.u.Clone()
		changes = append(changes,
			Change{Kind: StaleChanged, Time: now, Unit: u},
			Change{Kind: UnitUpdated, Time: now, Unit: u})
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
