package avl

import (
	"testing"
	"time"
)

// A standby adopts the active's state only when it is newer, keeps its own
// trail and adds the adopted position to it, and carries an open emergency.
func TestFollowAdoptsOnlyNewerState(t *testing.T) {
	tr := NewTracker(Config{Roster: []RosterEntry{{CallSign: "2A12", AVLIDs: []string{"4521"}}}, Breadcrumbs: 10})
	at := time.Date(2026, 12, 5, 20, 0, 0, 0, time.UTC)
	rec := func(lat float64, updated time.Time, em *SnapshotEmergency) *UnitRecord {
		return &UnitRecord{ID: "2A12", Stale: "fresh", Updated: updated, Emergency: em,
			Position: &SnapshotPosition{Lat: lat, Lon: -117.8, FixTime: updated, Source: "avl"}}
	}
	em := &SnapshotEmergency{ID: "e-1201-1796500000", Since: at}
	ch, ok, err := tr.Follow(rec(33.1, at, em))
	if err != nil || !ok || ch.Unit.Position == nil || ch.Unit.Position.Lat != 33.1 || ch.Unit.Emergency == nil {
		t.Fatalf("first follow = %+v, %v, %v; want the unit with its position and emergency", ch.Unit, ok, err)
	}
	if _, ok, _ := tr.Follow(rec(33.0, at.Add(-time.Second), nil)); ok {
		t.Fatalf("an older state was adopted")
	}
	if u, _ := tr.Unit("2A12"); u.Position.Lat != 33.1 || u.Emergency == nil {
		t.Fatalf("after an older record the unit is %+v; want it unchanged", u)
	}
	if _, ok, _ := tr.Follow(rec(33.2, at.Add(time.Second), em)); !ok {
		t.Fatalf("a newer state was not adopted")
	}
	if n := len(tr.Track("2A12")); n != 2 {
		t.Errorf("trail has %d points after two adopted positions, want 2", n)
	}
	if _, _, err := tr.Follow(&UnitRecord{ID: "", Stale: "fresh"}); err == nil {
		t.Errorf("a record without an ID was adopted")
	}
}
