package avl

import (
	"math"
	"slices"
	"sort"
	"time"
)

// Reconfigure installs a new configuration (SIGHUP) and keeps every unit's
// state. Units are re-resolved against the new roster: an unlisted unit
// whose raw ID is now in the roster merges into its call sign (UnitRemoved
// for the raw ID, UnitUpdated for the call sign); a call sign dropped from
// the roster stays, marked Unlisted. Policies, breadcrumb length, fence
// membership and beats are recomputed, and stale levels at now (a zero now
// skips that). Membership changes caused by editing fences are not reported
// as enter/exit: the unit did not move.
func (t *Tracker) Reconfigure(cfg Config, now time.Time) []Change {
	before := make(map[string]Unit, len(t.units))
	for id, s := range t.units {
		before[id] = s.u.Clone()
	}
	t.configure(cfg)
	return t.reresolve(before, now)
}

// reresolve maps every unit onto the current roster and refreshes what
// depends on configuration, reporting units whose state changed.
func (t *Tracker) reresolve(before map[string]Unit, now time.Time) []Change {
	t.requeue = true // policies, merges and restored units: every due may move
	ids := make([]string, 0, len(t.units))
	for id := range t.units {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var changes []Change

	// Listed units first, so merges find their target in its final form.
	for _, id := range ids {
		s := t.units[id]
		if e, ok := t.roster[id]; ok {
			s.applyRoster(e)
		} else {
			s.u.Unlisted = true
		}
	}
	for _, id := range ids {
		s := t.units[id]
		if !s.u.Unlisted {
			continue
		}
		target, ok := t.resolveAny(AVLID, id)
		if !ok || target == id {
			continue
		}
		gone := s.u.Clone()
		t.merge(target, s)
		delete(t.units, id)
		changes = append(changes, Change{Kind: UnitRemoved, Time: now, Unit: gone, MergedInto: target})
	}

	t.recountUnlisted()
	ids = ids[:0]
	for id := range t.units {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		s := t.units[id]
		s.pol = t.policy(s.u.Type)
		if s.track.limit != t.crumbs {
			s.track.resize(t.crumbs)
		}
		t.refence(s)
		stepped := !now.IsZero() && t.restale(s, now)
		old, existed := before[id]
		if existed && sameUnit(&old, &s.u) {
			continue
		}
		if before == nil {
			continue // restoring: nothing to report
		}
		s.touch(now)
		u := s.u.Clone()
		if stepped {
			changes = append(changes, Change{Kind: StaleChanged, Time: now, Unit: u})
		}
		changes = append(changes, Change{Kind: UnitUpdated, Time: now, Unit: u})
	}
	t.recount()
	return changes
}

// merge moves src's state into the unit target, keeping the newer of each
// part when both have it.
func (t *Tracker) merge(target string, src *unitState) {
	dst, ok := t.units[target]
	if !ok {
		src.u.ID = target
		src.applyRoster(t.roster[target])
		t.units[target] = src
		return
	}
	if src.u.Position != nil && (dst.u.Position == nil || src.u.Position.FixTime.After(dst.u.Position.FixTime)) {
		dst.u.Position = src.u.Position
		dst.u.Motion = src.u.Motion
		dst.u.Stale = src.u.Stale
		dst.jump = nil
	}
	if dst.track.limit == 0 {
		dst.track.limit = t.crumbs
	}
	for i := 0; i < src.track.len(); i++ {
		if c := src.track.at(i); !dst.track.hasTime(c.t) {
			dst.track.push(*c)
		}
	}
	if src.u.StatusAt.After(dst.u.StatusAt) {
		dst.u.Status, dst.u.StatusAt = src.u.Status, src.u.StatusAt
	}
	if src.u.LastHeard.After(dst.u.LastHeard) {
		dst.u.Channel, dst.u.Talking, dst.u.LastHeard = src.u.Channel, src.u.Talking, src.u.LastHeard
	}
	if dst.u.Emergency == nil {
		dst.u.Emergency = src.u.Emergency
	}
	dst.touch(src.u.Updated)
}

// refence recomputes fence membership and beat from the live position.
func (t *Tracker) refence(s *unitState) {
	s.inside = s.inside[:0]
	if s.u.Position != nil {
		s.inside = t.fences.containing(orb2(s.u.Position), s.inside)
	}
	s.u.Beat = t.fences.beat(s.inside)
}

// sameUnit compares the visible state of two units, Updated excepted.
// Unknown (NaN) values compare equal to each other.
func sameUnit(a, b *Unit) bool {
	if a.ID != b.ID || a.AlphaTag != b.AlphaTag || a.Type != b.Type || a.Unlisted != b.Unlisted ||
		a.Stale != b.Stale || a.Motion != b.Motion || a.Beat != b.Beat || a.Status != b.Status ||
		!a.StatusAt.Equal(b.StatusAt) || a.Channel != b.Channel || a.Talking != b.Talking ||
		!a.LastHeard.Equal(b.LastHeard) || a.Power != b.Power || !a.PowerSince.Equal(b.PowerSince) || a.Alias != b.Alias ||
		!slices.Equal(a.RadioIDs, b.RadioIDs) || !slices.Equal(a.AVLIDs, b.AVLIDs) {
		return false
	}
	if (a.Emergency == nil) != (b.Emergency == nil) || (a.Emergency != nil && *a.Emergency != *b.Emergency) {
		return false
	}
	if (a.Position == nil) != (b.Position == nil) {
		return false
	}
	if a.Position == nil {
		return true
	}
	p, q := a.Position, b.Position
	return p.Lat == q.Lat && p.Lon == q.Lon && p.FixTime.Equal(q.FixTime) && p.Source == q.Source &&
		sameFloat(p.SpeedKmh, q.SpeedKmh) && sameFloat(p.Heading, q.Heading) &&
		sameFloat(p.HDOP, q.HDOP) && sameFloat(p.Altitude, q.Altitude) && sameFloat(p.Accuracy, q.Accuracy)
}

func sameFloat(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }
