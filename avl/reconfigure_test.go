package avl

import (
	"slices"
	"testing"
	"time"
)

func TestReconfigureMergesRawUnit(t *testing.T) {
	tr := NewTracker(testConfig())
	// 2A14's new modem reports before the technician adds it to the roster.
	tr.ApplyFix(fix("4541", 0, 0.001, 0))
	tr.ApplyFix(fix("4541", 10, 0.0012, 0))
	tr.ApplyStatus(StatusUpdate{RadioID: "4541", Status: "onscene", At: t0.Add(15 * time.Second)})
	// Its radio was already listed and keyed up.
	cfg := testConfig()
	cfg.Roster = append(cfg.Roster, RosterEntry{CallSign: "2A14", AlphaTag: "2A14 Sgt", Type: "patrol", RadioIDs: []string{"1401"}})
	tr.Reconfigure(cfg, t0)
	tr.ApplyRadio(RadioActivity{RadioID: "1401", Channel: "tac2", At: t0.Add(5 * time.Second)})
	tr.ApplyStatus(StatusUpdate{RadioID: "1401", Status: "enroute", At: t0.Add(2 * time.Second)})

	cfg.Roster[len(cfg.Roster)-1].AVLIDs = []string{"4541"}
	now := t0.Add(30 * time.Second)
	cs := tr.Reconfigure(cfg, now)
	if want := []ChangeKind{UnitRemoved, UnitUpdated}; !slices.Equal(kinds(cs), want) {
		t.Fatalf("changes %v, want %v", kinds(cs), want)
	}
	if cs[0].Unit.ID != "4541" || cs[0].MergedInto != "2A14" || cs[1].Unit.ID != "2A14" {
		t.Fatalf("removed %q into %q, updated %q", cs[0].Unit.ID, cs[0].MergedInto, cs[1].Unit.ID)
	}
	if _, ok := tr.Unit("4541"); ok {
		t.Fatal("raw unit still tracked")
	}
	u := mustUnit(t, tr, "2A14")
	if u.Unlisted || u.Position == nil || u.Position.Lat != baseLat+0.0012 || u.Channel != "tac2" ||
		u.Status != "onscene" || len(u.AVLIDs) != 1 || len(tr.Track("2A14")) != 2 {
		t.Fatalf("merged unit = %+v pos %+v", u, u.Position)
	}
	// New fixes from the modem now land on the call sign.
	if cs := tr.ApplyFix(fix("4541", 40, 0.0013, 0)); cs[0].Unit.ID != "2A14" || cs[0].Kind != FixAccepted {
		t.Fatalf("after merge: %v %+v", kinds(cs), cs[0].Unit)
	}
	// Reconfiguring with the same config reports nothing.
	if cs := tr.Reconfigure(cfg, t0.Add(41*time.Second)); len(cs) != 0 {
		t.Fatalf("no-op reconfigure: %v", kinds(cs))
	}
}

func TestReconfigureKeepsStateAndRecomputes(t *testing.T) {
	cfg := testConfig()
	tr := NewTracker(cfg)
	tr.ApplyFix(fix("4521", 0, 0.0092, 0)) // in B3, outside SCHOOL
	tr.ApplyFix(fix("4531", 0, 0, 0))
	if u := mustUnit(t, tr, "2A12"); u.Beat != "" {
		t.Fatalf("beat without fences: %q", u.Beat)
	}

	// Fences added, 2A13 dropped from the roster, 2A12 retyped to a
	// faster-ageing type.
	cfg = fenceConfig()
	cfg.Roster = cfg.Roster[:1]
	cfg.Roster[0].Type = "foot"
	cs := tr.Reconfigure(cfg, t0.Add(90*time.Second))
	if want := []ChangeKind{StaleChanged, UnitUpdated, UnitUpdated}; !slices.Equal(kinds(cs), want) {
		t.Fatalf("changes %v, want %v", kinds(cs), want)
	}
	for _, c := range cs {
		if c.Kind == GeofenceEnter {
			t.Fatal("fence edit reported as an enter")
		}
	}
	u := mustUnit(t, tr, "2A12")
	if u.Beat != "B3" || u.Type != "foot" || u.Stale != Aging || u.Position == nil {
		t.Fatalf("2A12 = %+v", u)
	}
	// Next move inside the beat: no spurious enter (membership was rebuilt).
	cs = tr.ApplyFix(fix("4521", 100, 0.0101, 0))
	if ev := fenceEvents(cs); len(ev) != 1 || ev[0] != (fenceEvent{GeofenceEnter, "SCHOOL"}) {
		t.Fatalf("events after reconfigure: %v", ev)
	}
	u = mustUnit(t, tr, "2A13")
	if !u.Unlisted || u.Position == nil {
		t.Fatalf("dropped unit = %+v", u)
	}
	// Its modem now reports as a raw ID.
	if cs := tr.ApplyFix(fix("4531", 10, 0, 0)); cs[0].Unit.ID != "4531" || !cs[0].Unit.Unlisted {
		t.Fatalf("dropped unit's modem: %+v", cs[0].Unit)
	}
}
