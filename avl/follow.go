package avl

import "fmt"

// Follow adopts one unit's state as another instance published it: a warm
// standby keeps its trackers current from the active's retained states, so
// that on takeover it goes on from where the wall is, open emergencies
// included. The record replaces our state only when it is newer (Updated);
// our breadcrumbs are kept and its position is added to them. The unit is
// re-resolved against our own roster and geofences. It reports the change,
// or false when the record was not newer.
func (t *Tracker) Follow(r *UnitRecord) (Change, bool, error) {
	s, err := t.restoreUnit(r)
	if err != nil {
		return Change{}, false, fmt.Errorf("avl: follow unit %q: %w", r.ID, err)
	}
	old := t.units[r.ID]
	if old != nil && !r.Updated.After(old.u.Updated) {
		return Change{}, false, nil
	}
	if old != nil {
		s.track = old.track
	}
	if p := s.u.Position; p != nil && (old == nil || old.u.Position == nil || p.FixTime.After(old.u.Position.FixTime)) &&
		crumbTimeOK(p.FixTime) {
		fix := Fix{Time: p.FixTime, Lat: p.Lat, Lon: p.Lon, SpeedKmh: p.SpeedKmh, Heading: p.Heading}
		s.track.push(crumbOf(&fix, t.sourceIndex(p.Source)))
	}
	if e, ok := t.roster[r.ID]; ok {
		s.applyRoster(e)
	} else {
		s.u.Unlisted = true
	}
	s.pol = t.policy(s.u.Type)
	if s.track.limit != t.crumbs {
		s.track.resize(t.crumbs)
	}
	// Keep the unlisted counts true: the replaced state leaves, this one
	// comes in, under the source it was first heard from.
	if old != nil {
		s.origin = old.origin
		if old.u.Unlisted {
			t.unlisted[old.origin]--
		}
	} else if s.u.Position != nil {
		s.origin = s.u.Position.Source
	}
	if s.u.Unlisted {
		t.unlisted[s.origin]++
	}
	if old != nil {
		t.uncount(old)
	}
	t.units[r.ID] = s
	t.count(s)
	t.refence(s)
	t.enqueue(s, dueAtOnce) // its level came from the active's clock: looked at by ours
	return Change{Kind: UnitUpdated, Time: s.u.Updated, Unit: s.u.Clone()}, true, nil
}
