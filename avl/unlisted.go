package avl

import (
	"maps"
	"sort"
	"time"
)

// unlistedFull reports whether one more unlisted unit from origin would
// exceed a cap.
func (t *Tracker) unlistedFull(origin string) bool {
	l := &t.limits
	if l.MaxPerSource > 0 && t.unlisted[origin] >= l.MaxPerSource {
		return true
	}
	if l.MaxTotal > 0 {
		total := 0
		for _, n := range t.unlisted {
			total += n
		}
		return total >= l.MaxTotal
	}
	return false
}

// recountUnlisted recomputes the unlisted counts after units were restored,
// merged or moved in or out of the roster. A restored unit's origin is the
// source of its last position.
func (t *Tracker) recountUnlisted() {
	clear(t.unlisted)
	for _, s := range t.units {
		if s.origin == "" && s.u.Position != nil {
			s.origin = s.u.Position.Source
		}
		if s.u.Unlisted {
			t.unlisted[s.origin]++
		}
	}
}

// UnlistedCounts returns the cumulative number of unlisted units refused
// over the caps and expired, by the source they came from ("" when the
// source is not known).
func (t *Tracker) UnlistedCounts() (refused, expired map[string]uint64) {
	return maps.Clone(t.refused), maps.Clone(t.expired)
}

// Unlisted returns how many unlisted units are tracked, by source.
func (t *Tracker) Unlisted() map[string]int { return maps.Clone(t.unlisted) }

// Forget removes a unit (an operator's request: a forged or retired ID) and
// returns its last state as a UnitRemoved change; false if it is not
// tracked. A listed unit heard again comes back.
func (t *Tracker) Forget(id string, now time.Time) (Change, bool) {
	s, ok := t.units[id]
	if !ok {
		return Change{}, false
	}
	t.remove(s)
	return Change{Kind: UnitRemoved, Time: now, Unit: s.u.Clone()}, true
}

func (t *Tracker) remove(s *unitState) {
	delete(t.units, s.u.ID)
	t.uncount(s)
	if s.u.Unlisted {
		if t.unlisted[s.origin]--; t.unlisted[s.origin] <= 0 {
			delete(t.unlisted, s.origin)
		}
	}
}

// TrimUnlisted removes the unlisted units over the caps, the longest silent
// first, counting them as refused: a snapshot written before the caps (or
// under higher ones) must not bring back a flood of invented units. It
// returns them as UnitRemoved, ordered by ID.
func (t *Tracker) TrimUnlisted(now time.Time) []Change {
	l := &t.limits
	if l.MaxPerSource <= 0 && l.MaxTotal <= 0 {
		return nil
	}
	var all []*unitState
	for _, s := range t.units {
		if s.u.Unlisted {
			all = append(all, s)
		}
	}
	// Newest first: the ones kept are the ones still reporting.
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i].lastReport(), all[j].lastReport()
		if !a.Equal(b) {
			return a.After(b)
		}
		return all[i].u.ID < all[j].u.ID
	})
	kept := map[string]int{}
	total := 0
	var gone []*unitState
	for _, s := range all {
		if (l.MaxPerSource > 0 && kept[s.origin] >= l.MaxPerSource) || (l.MaxTotal > 0 && total >= l.MaxTotal) {
			gone = append(gone, s)
			continue
		}
		kept[s.origin]++
		total++
	}
	sort.Slice(gone, func(i, j int) bool { return gone[i].u.ID < gone[j].u.ID })
	out := make([]Change, 0, len(gone))
	for _, s := range gone {
		t.remove(s)
		t.refused[s.origin]++
		out = append(out, Change{Kind: UnitRemoved, Time: now, Unit: s.u.Clone()})
	}
	return out
}
