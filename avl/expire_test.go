package avl

import (
	"slices"
	"testing"
	"time"
)

func TestStaleLadder(t *testing.T) {
	tr := NewTracker(testConfig())
	tr.ApplyFix(fix("4521", 0, 0, 0)) // patrol: 2m / 5m / 15m
	f := fix("1700", 0, 0.01, 0)      // foot: 1m / 2m / 4m
	f.IDKind = RadioID
	tr.ApplyFix(f)
	tr.ApplyStatus(StatusUpdate{RadioID: "1301", Status: "available", At: t0}) // no position: no ladder

	type step struct {
		at   time.Duration
		want map[string]StaleLevel // units that step at this time
	}
	steps := []step{
		{30 * time.Second, nil},
		{time.Minute, map[string]StaleLevel{"F7": Aging}},
		{2 * time.Minute, map[string]StaleLevel{"2A12": Aging, "F7": Stale}},
		{3 * time.Minute, nil},
		{4 * time.Minute, map[string]StaleLevel{"F7": Lost}},
		{5 * time.Minute, map[string]StaleLevel{"2A12": Stale}},
		{15 * time.Minute, map[string]StaleLevel{"2A12": Lost}},
		{20 * time.Minute, nil},
	}
	for _, s := range steps {
		now := t0.Add(s.at)
		cs := tr.Expire(now)
		if len(cs) != 2*len(s.want) {
			t.Fatalf("at %v: %d changes %v, want %d steps", s.at, len(cs), kinds(cs), len(s.want))
		}
		for i := 0; i < len(cs); i += 2 {
			sc, uc := cs[i], cs[i+1]
			if sc.Kind != StaleChanged || uc.Kind != UnitUpdated || sc.Unit.ID != uc.Unit.ID {
				t.Fatalf("at %v: pair %v %v for %s/%s", s.at, sc.Kind, uc.Kind, sc.Unit.ID, uc.Unit.ID)
			}
			if want, ok := s.want[sc.Unit.ID]; !ok || sc.Unit.Stale != want || !sc.Time.Equal(now) {
				t.Fatalf("at %v: %s stepped to %v, want %v", s.at, sc.Unit.ID, sc.Unit.Stale, s.want[sc.Unit.ID])
			}
			if i > 0 && cs[i-2].Unit.ID >= sc.Unit.ID {
				t.Fatalf("at %v: changes not ordered by unit", s.at)
			}
		}
	}
	// A new fix puts the unit back at the bottom of the ladder.
	cs := tr.ApplyFix(fix("4521", 20*60, 0, 0))
	if want := []ChangeKind{FixAccepted, StaleChanged, UnitUpdated}; !slices.Equal(kinds(cs), want) {
		t.Fatalf("fresh fix: %v, want %v", kinds(cs), want)
	}
	if u := mustUnit(t, tr, "2A12"); u.Stale != Fresh {
		t.Fatalf("after new fix: %v", u.Stale)
	}
	if u := mustUnit(t, tr, "2A13"); u.Stale != Fresh || u.Position != nil {
		t.Fatalf("unit without position: %+v", u)
	}
}

func TestLateFixStartsStale(t *testing.T) {
	// A buffered fix read 3 minutes late is already Aging when accepted.
	tr := NewTracker(testConfig())
	f := fix("4521", 0, 0, 0)
	f.Received = f.Time.Add(3 * time.Minute)
	cs := tr.ApplyFix(f)
	if want := []ChangeKind{FixAccepted, StaleChanged, UnitUpdated}; !slices.Equal(kinds(cs), want) || cs[2].Unit.Stale != Aging {
		t.Fatalf("%v stale %v", kinds(cs), cs[2].Unit.Stale)
	}
}
