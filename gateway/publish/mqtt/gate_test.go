package mqtt

import (
	"testing"
	"time"
)

// Parked units come back in the order their gaps pass, whatever order they
// were parked in; stale entries (published since, forgotten) are dropped.
func TestGateReleasesInDueOrder(t *testing.T) {
	s := &Sink{units: map[string]*unitSlot{}, dirtyUnits: map[string]*unitSlot{}}
	t0 := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	gap := 500 * time.Millisecond
	park := func(id string, lastPub time.Duration) *unitSlot {
		slot := &unitSlot{dirty: true, lastPub: t0.Add(lastPub)}
		s.units[id] = slot
		s.hold(id, slot)
		return slot
	}
	park("late", 300*time.Millisecond)
	park("early", 0)
	park("mid", 100*time.Millisecond)
	published := park("published", 50*time.Millisecond)
	published.gated, published.lastPub = false, t0.Add(450*time.Millisecond) // urgent publish meanwhile
	park("gone", 60*time.Millisecond)
	delete(s.units, "gone")

	s.release(t0.Add(520*time.Millisecond), gap, false)
	if len(s.dirtyUnits) != 1 || s.dirtyUnits["early"] == nil {
		t.Fatalf("at +520ms dirty = %v, want only early", keys(s.dirtyUnits))
	}
	s.release(t0.Add(650*time.Millisecond), gap, false)
	if len(s.dirtyUnits) != 2 || s.dirtyUnits["mid"] == nil {
		t.Fatalf("at +650ms dirty = %v, want early and mid", keys(s.dirtyUnits))
	}
	s.release(t0.Add(700*time.Millisecond), gap, true) // force: everything parked
	if len(s.dirtyUnits) != 3 || s.dirtyUnits["late"] == nil || len(s.gate) != 0 {
		t.Fatalf("forced: dirty = %v, gate %d; want early, mid, late and an empty gate", keys(s.dirtyUnits), len(s.gate))
	}
	for id, slot := range s.dirtyUnits {
		if slot.gated {
			t.Errorf("%s released but still marked gated", id)
		}
	}
}

func keys(m map[string]*unitSlot) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
