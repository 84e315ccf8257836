package avl

import (
	"testing"
	"time"
)

func TestApplyRadio(t *testing.T) {
	tr := NewTracker(testConfig())
	cs := tr.ApplyRadio(RadioActivity{RadioID: "1201", Channel: "tac2", Talking: true, At: t0})
	if len(cs) != 1 || cs[0].Kind != UnitUpdated {
		t.Fatalf("ptt start: %v", kinds(cs))
	}
	u := cs[0].Unit
	if u.ID != "2A12" || u.Channel != "tac2" || !u.Talking || !u.LastHeard.Equal(t0) || !u.Updated.Equal(t0) {
		t.Fatalf("unit = %+v", u)
	}
	// PTT end without a channel keeps the channel.
	cs = tr.ApplyRadio(RadioActivity{RadioID: "1201", At: t0.Add(5 * time.Second)})
	if len(cs) != 1 || cs[0].Unit.Talking || cs[0].Unit.Channel != "tac2" {
		t.Fatalf("ptt end: %+v", cs)
	}
	// A late report of the earlier key-up changes nothing.
	if cs = tr.ApplyRadio(RadioActivity{RadioID: "1201", Channel: "main", Talking: true, At: t0}); cs != nil {
		t.Fatalf("late activity: %v", kinds(cs))
	}
	// An unknown radio is tracked under its raw ID.
	cs = tr.ApplyRadio(RadioActivity{RadioID: "5555", Channel: "main", Talking: true, At: t0})
	if len(cs) != 1 || cs[0].Unit.ID != "5555" || !cs[0].Unit.Unlisted {
		t.Fatalf("unknown radio: %+v", cs)
	}
}

func TestApplyStatus(t *testing.T) {
	tr := NewTracker(testConfig())
	for _, id := range []string{"1201", "4521", "2A12"} { // radio ID, AVL ID, call sign
		tr2 := NewTracker(testConfig())
		cs := tr2.ApplyStatus(StatusUpdate{RadioID: id, Status: "enroute", At: t0})
		if len(cs) != 1 || cs[0].Unit.ID != "2A12" || cs[0].Unit.Status != "enroute" || !cs[0].Unit.StatusAt.Equal(t0) {
			t.Fatalf("status by %q: %+v", id, cs)
		}
	}
	tr.ApplyStatus(StatusUpdate{RadioID: "2A12", Status: "onscene", At: t0.Add(time.Minute)})
	if cs := tr.ApplyStatus(StatusUpdate{RadioID: "2A12", Status: "enroute", At: t0}); cs != nil {
		t.Fatalf("older status applied: %v", kinds(cs))
	}
	if cs := tr.ApplyStatus(StatusUpdate{RadioID: "2A12", Status: "onscene", At: t0.Add(time.Minute)}); cs != nil {
		t.Fatalf("repeat status reported: %v", kinds(cs))
	}
	if u := mustUnit(t, tr, "2A12"); u.Status != "onscene" {
		t.Fatalf("status %q", u.Status)
	}
}

func TestSetEmergency(t *testing.T) {
	tr := NewTracker(testConfig())
	if cs := tr.SetEmergency("1201", nil, t0); cs != nil || len(tr.Units()) != 0 {
		t.Fatalf("clearing an unseen unit: %v", kinds(cs))
	}
	e := &Emergency{ID: "e-2A12-1", Since: t0}
	cs := tr.SetEmergency("1201", e, t0)
	if len(cs) != 1 || cs[0].Unit.Emergency == nil || cs[0].Unit.Emergency.ID != "e-2A12-1" {
		t.Fatalf("raise: %+v", cs)
	}
	e.AckedBy = "disp4" // the caller's value is copied, not kept
	if u := mustUnit(t, tr, "2A12"); u.Emergency.AckedBy != "" {
		t.Fatal("tracker kept the caller's pointer")
	}
	if cs := tr.SetEmergency("2A12", &Emergency{ID: "e-2A12-1", Since: t0}, t0); cs != nil {
		t.Fatalf("same emergency again: %v", kinds(cs))
	}
	ack := &Emergency{ID: "e-2A12-1", Since: t0, AckedBy: "disp4", AckedAt: t0.Add(7 * time.Second)}
	if cs := tr.SetEmergency("2A12", ack, t0.Add(7*time.Second)); len(cs) != 1 || cs[0].Unit.Emergency.AckedBy != "disp4" {
		t.Fatalf("ack: %+v", cs)
	}
	if cs := tr.SetEmergency("4521", nil, t0.Add(time.Minute)); len(cs) != 1 || cs[0].Unit.Emergency != nil {
		t.Fatalf("clear: %+v", cs)
	}
}

// A radio's power follows registrations and never rolls back to an older
// one; any later activity means it is on. The over-the-air alias names a
// unit whose roster entry sets no alpha tag (and an unlisted one), never
// replaces a configured alpha tag, and survives a snapshot.
func TestRadioPowerAndAlias(t *testing.T) {
	cfg := testConfig()
	cfg.Roster = append(cfg.Roster, RosterEntry{CallSign: "N7", AlphaTag: "N7", RadioIDs: []string{"7001"}})
	tr := NewTracker(cfg)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	cs := tr.ApplyRadio(RadioActivity{RadioID: "7001", Power: PowerOff, Alias: "Car 7", At: at(10)})
	if len(cs) != 1 || cs[0].Unit.Power != PowerOff || !cs[0].Unit.PowerSince.Equal(at(10)) || cs[0].Unit.AlphaTag != "Car 7" {
		t.Fatalf("off: %+v", cs)
	}
	if cs = tr.ApplyRadio(RadioActivity{RadioID: "7001", Power: PowerOn, At: at(5)}); cs != nil {
		t.Fatalf("an older on rolled the power back: %+v", cs)
	}
	cs = tr.ApplyRadio(RadioActivity{RadioID: "7001", Channel: "tac2", Talking: true, At: at(20)})
	if len(cs) != 1 || cs[0].Unit.Power != PowerOn || !cs[0].Unit.PowerSince.Equal(at(20)) {
		t.Fatalf("a radio heard is on: %+v", cs)
	}
	// 2A12's roster sets an alpha tag of its own: the alias is shown apart.
	cs = tr.ApplyRadio(RadioActivity{RadioID: "1201", Alias: "Forged", At: at(20)})
	if len(cs) != 1 || cs[0].Unit.AlphaTag == "Forged" || cs[0].Unit.Alias != "Forged" {
		t.Fatalf("alias over a configured alpha tag: %+v", cs[0].Unit)
	}
	cs = tr.ApplyRadio(RadioActivity{RadioID: "5555", Alias: "Visitor", Power: PowerOn, At: at(20)})
	if len(cs) != 1 || cs[0].Unit.AlphaTag != "Visitor" || !cs[0].Unit.Unlisted {
		t.Fatalf("unlisted radio's alias: %+v", cs[0].Unit)
	}
	tr2 := roundTrip(t, tr, cfg)
	if u := mustUnit(t, tr2, "N7"); u.Power != PowerOn || !u.PowerSince.Equal(at(20)) || u.Alias != "Car 7" || u.AlphaTag != "Car 7" {
		t.Errorf("restored N7: %+v", u)
	}
}
