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
