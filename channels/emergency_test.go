package channels

import (
	"fmt"
	"testing"
	"time"
)

func TestEmergencyLifecycle(t *testing.T) {
	tr := NewTracker(testConfig())
	chs := tr.Apply(Event{Kind: Emergency, Channel: "disp", RadioID: "1201", Source: "mdc", Time: at(0)})
	wantKinds(t, chs, "emergency", "channel")
	em := chs[0].Emergency
	wantID := fmt.Sprintf("e-1201-%d", at(0).Unix())
	if em.ID != wantID || em.RadioID != "1201" || em.Channel != "disp" || em.Source != "mdc" || !em.Since.Equal(at(0)) || em.Count != 0 {
		t.Fatalf("raised %+v", em)
	}
	if !chs[1].Channel.Emergency || !mustChannel(t, tr, "disp").Emergency {
		t.Fatal("channel emergency flag not set")
	}

	chs, err := tr.Ack(em.ID, "disp4", at(7))
	if err != nil {
		t.Fatal(err)
	}
	wantKinds(t, chs, "emergency_ack")
	if chs[0].Emergency.AckedBy != "disp4" || !chs[0].Emergency.AckedAt.Equal(at(7)) {
		t.Fatalf("acked %+v", chs[0].Emergency)
	}
	// Idempotent.
	if chs, err := tr.Ack(em.ID, "disp5", at(8)); err != nil || len(chs) != 0 {
		t.Fatalf("second ack: %v %v", chs, err)
	}
	if got := tr.Emergencies()[0]; got.AckedBy != "disp4" {
		t.Fatalf("second ack overwrote: %+v", got)
	}

	chs, err = tr.Clear(em.ID, "disp4", at(60))
	if err != nil {
		t.Fatal(err)
	}
	wantKinds(t, chs, "emergency_clear", "channel")
	if chs[0].Emergency.ClearedBy != "disp4" || chs[1].Channel.Emergency {
		t.Fatalf("cleared %+v", chs)
	}
	if len(tr.Emergencies()) != 0 {
		t.Fatal("cleared emergency still active")
	}
	if chs, err := tr.Clear(em.ID, "disp4", at(61)); err != nil || len(chs) != 0 {
		t.Fatalf("second clear: %v %v", chs, err)
	}
	if chs, err := tr.Ack(em.ID, "disp4", at(61)); err != nil || len(chs) != 0 {
		t.Fatalf("ack after clear: %v %v", chs, err)
	}

	// The same radio alarming again, even within the same second, gets a new ID.
	chs = tr.Apply(Event{Kind: Emergency, Channel: "disp", RadioID: "1201", Time: at(60.5)})
	wantKinds(t, chs, "emergency", "channel")
	if chs[0].Emergency.ID == em.ID {
		t.Fatalf("reused id %s", em.ID)
	}
}

func TestEmergencyRepeatUnacked(t *testing.T) {
	tr := NewTracker(testConfig())
	first := tr.Apply(Event{Kind: Emergency, Channel: "disp", RadioID: "1201", Time: at(0)})[0].Emergency
	chs := tr.Apply(Event{Kind: Emergency, Channel: "disp", RadioID: "1201", Time: at(2)})
	wantKinds(t, chs, "emergency_repeat")
	if got := chs[0].Emergency; got.ID != first.ID || got.Count != 1 || !got.Since.Equal(at(0)) {
		t.Fatalf("repeat %+v", got)
	}
	chs = tr.Apply(Event{Kind: Emergency, Channel: "disp", RadioID: "1201", Time: at(4)})
	if chs[0].Emergency.Count != 2 {
		t.Fatalf("count %d", chs[0].Emergency.Count)
	}
	if n := len(tr.Emergencies()); n != 1 {
		t.Fatalf("%d emergencies, want 1", n)
	}
}

func TestEmergencyReAlertAfterAck(t *testing.T) {
	tr := NewTracker(testConfig())
	first := tr.Apply(Event{Kind: Emergency, Channel: "disp", RadioID: "1201", Time: at(0)})[0].Emergency
	if _, err := tr.Ack(first.ID, "disp4", at(5)); err != nil {
		t.Fatal(err)
	}
	chs := tr.Apply(Event{Kind: Emergency, Channel: "disp", RadioID: "1201", Time: at(30)})
	wantKinds(t, chs, "emergency")
	got := chs[0].Emergency
	if got.ID != first.ID || got.Count != 1 || got.AckedBy != "" || !got.AckedAt.IsZero() {
		t.Fatalf("re-alert %+v", got)
	}
	// It needs a new ack.
	chs, err := tr.Ack(first.ID, "disp2", at(31))
	if err != nil || len(chs) != 1 || chs[0].Emergency.AckedBy != "disp2" {
		t.Fatalf("ack after re-alert: %v %v", chs, err)
	}
}

func TestEmergencyFollowsRadio(t *testing.T) {
	tr := NewTracker(testConfig())
	tr.Apply(Event{Kind: Emergency, Channel: "disp", RadioID: "1201", Time: at(0)})
	chs := tr.Apply(Event{Kind: Emergency, Channel: "tac2", RadioID: "1201", Time: at(1)})
	wantKinds(t, chs, "emergency_repeat", "channel", "channel")
	if !mustChannel(t, tr, "tac2").Emergency || mustChannel(t, tr, "disp").Emergency {
		t.Fatal("channel flags did not follow the radio")
	}
}

func TestEmergencyAckClearOverTheAir(t *testing.T) {
	tr := NewTracker(testConfig())
	tr.Apply(Event{Kind: Emergency, Channel: "disp", RadioID: "1201", Time: at(0)})
	tr.Apply(Event{Kind: Emergency, Channel: "disp", RadioID: "1305", Time: at(1)})
	tr.Apply(Event{Kind: Emergency, Channel: "tac2", RadioID: "1400", Time: at(2)})

	chs := tr.Apply(Event{Kind: EmergencyAck, Channel: "disp", RadioID: "1201", Source: "console", Time: at(3)})
	wantKinds(t, chs, "emergency_ack")
	if chs[0].Emergency.AckedBy != "radio" || chs[0].Source != "console" {
		t.Fatalf("air ack %+v", chs[0])
	}
	// No radio ID: everything on the channel, by the named console.
	chs = tr.Apply(Event{Kind: EmergencyAck, Channel: "disp", By: "disp7", Time: at(4)})
	wantKinds(t, chs, "emergency_ack")
	if chs[0].Emergency.RadioID != "1305" || chs[0].Emergency.AckedBy != "disp7" {
		t.Fatalf("channel ack %+v", chs[0])
	}
	// Clearing an unacknowledged one acknowledges it first.
	chs = tr.Apply(Event{Kind: EmergencyClear, RadioID: "1400", Time: at(5)})
	wantKinds(t, chs, "emergency_ack", "emergency_clear", "channel")
	if chs[1].Emergency.AckedBy != "radio" || chs[1].Emergency.ClearedBy != "radio" {
		t.Fatalf("air clear %+v", chs[1].Emergency)
	}
	// Unknown radio: nothing to do.
	wantKinds(t, tr.Apply(Event{Kind: EmergencyAck, RadioID: "9999", Time: at(6)}))
	wantKinds(t, tr.Apply(Event{Kind: EmergencyClear, Time: at(6)}))

	chs = tr.Apply(Event{Kind: EmergencyClear, Channel: "disp", Time: at(7)})
	wantKinds(t, chs, "emergency_clear", "emergency_clear", "channel")
	if len(tr.Emergencies()) != 0 || mustChannel(t, tr, "disp").Emergency {
		t.Fatal("emergencies left")
	}
}

func TestEmergenciesOldestFirst(t *testing.T) {
	tr := NewTracker(testConfig())
	for i, r := range []string{"3", "1", "2"} {
		tr.Apply(Event{Kind: Emergency, RadioID: r, Time: at(float64(10 - i))})
	}
	got := tr.Emergencies()
	if len(got) != 3 || got[0].RadioID != "2" || got[1].RadioID != "1" || got[2].RadioID != "3" {
		t.Fatalf("order %+v", got)
	}
}

func TestEmergencyWithoutRadioID(t *testing.T) {
	tr := NewTracker(testConfig())
	chs := tr.Apply(Event{Kind: Emergency, Channel: "disp", Time: at(0)})
	wantKinds(t, chs, "emergency", "channel")
	if id := chs[0].Emergency.ID; id != fmt.Sprintf("e-unknown-%d", at(0).Unix()) {
		t.Fatalf("id %s", id)
	}
}

func TestEmergencyNeverDropped(t *testing.T) {
	// Many radios, many repeats: every Emergency event yields a change.
	tr := NewTracker(testConfig())
	for i := 0; i < 500; i++ {
		chs := tr.Apply(Event{Kind: Emergency, RadioID: fmt.Sprint(i % 50), Time: at(float64(i))})
		if len(chs) == 0 {
			t.Fatalf("event %d swallowed", i)
		}
	}
	if n := len(tr.Emergencies()); n != 50 {
		t.Fatalf("%d active, want 50", n)
	}
}

func TestClearedMemoryBounded(t *testing.T) {
	tr := NewTracker(testConfig())
	for i := 0; i < clearedMemory+10; i++ {
		em := tr.Apply(Event{Kind: Emergency, RadioID: fmt.Sprint(i), Time: at(0)})[0].Emergency
		if _, err := tr.Clear(em.ID, "d", at(1)); err != nil {
			t.Fatal(err)
		}
	}
	if len(tr.cleared) != clearedMemory || len(tr.clearedFIFO) != clearedMemory {
		t.Fatalf("cleared memory %d/%d", len(tr.cleared), len(tr.clearedFIFO))
	}
	_ = time.Second
}
