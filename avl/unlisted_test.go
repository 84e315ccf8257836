package avl

import (
	"fmt"
	"testing"
	"time"
)

func TestUnlistedCaps(t *testing.T) {
	cfg := testConfig()
	cfg.Unlisted = UnlistedLimits{MaxPerSource: 3, MaxTotal: 5}
	tr := NewTracker(cfg)
	for i := range 10 {
		f := fix(fmt.Sprintf("X%03d", i), float64(i), 0, 0)
		cs := tr.ApplyFix(f)
		if i >= 3 && (len(cs) != 1 || cs[0].Reason != RejectUnlisted) {
			t.Fatalf("fix %d from one source over its cap: %v", i, kinds(cs))
		}
	}
	for i := range 5 {
		f := fix(fmt.Sprintf("Y%03d", i), float64(i), 0, 0)
		f.Source = "other"
		tr.ApplyFix(f)
	}
	// The roster is never capped, and a known unlisted unit keeps reporting.
	if cs := tr.ApplyFix(fix("4521", 20, 0, 0)); len(cs) == 0 || cs[0].Kind != FixAccepted {
		t.Errorf("a roster unit over the unlisted cap: %v", kinds(cs))
	}
	if cs := tr.ApplyFix(fix("X001", 30, 0.001, 0)); len(cs) == 0 || cs[0].Kind != FixAccepted {
		t.Errorf("an existing unlisted unit: %v", kinds(cs))
	}
	if cs := tr.ApplyRadio(RadioActivity{RadioID: "9999", Source: "console", At: t0}); cs != nil {
		t.Errorf("a new radio over the total cap created a unit: %v", kinds(cs))
	}
	refused, _ := tr.UnlistedCounts()
	if refused["avl-udp"] != 7 || refused["other"] != 3 || refused["console"] != 1 {
		t.Errorf("refused %v, want avl-udp 7, other 3, console 1", refused)
	}
	if n := tr.Unlisted(); n["avl-udp"] != 3 || n["other"] != 2 {
		t.Errorf("unlisted %v", n)
	}
}

func TestUnlistedExpire(t *testing.T) {
	cfg := testConfig()
	cfg.Unlisted = UnlistedLimits{MaxTotal: 2, Expire: true, Grace: 10 * time.Minute}
	tr := NewTracker(cfg)
	tr.ApplyFix(fix("X1", 0, 0, 0))
	tr.ApplyFix(fix("X2", 60, 0, 0))
	tr.ApplyFix(fix("4521", 0, 0, 0)) // listed: never expires
	tr.SetEmergencyFrom("avl-udp", "X2", &Emergency{ID: "e1", Since: t0}, t0.Add(time.Minute))
	lost := testPolicy().Lost
	if cs := tr.Expire(t0.Add(lost + 10*time.Minute - time.Second)); hasKind(cs, UnitRemoved) {
		t.Fatalf("removed before lost + grace: %v", kinds(cs))
	}
	cs := tr.Expire(t0.Add(lost + 10*time.Minute))
	var removed []string
	for _, c := range cs {
		if c.Kind == UnitRemoved {
			removed = append(removed, c.Unit.ID)
		}
	}
	if len(removed) != 1 || removed[0] != "X1" {
		t.Fatalf("removed %v, want X1 only (X2 has an emergency, 4521 is listed)", removed)
	}
	if _, expired := tr.UnlistedCounts(); expired["avl-udp"] != 1 {
		t.Errorf("expired %v", expired)
	}
	// The slot is free again.
	if cs := tr.ApplyFix(fix("X3", 1800, 0, 0)); cs[0].Kind != FixAccepted {
		t.Errorf("after expiry: %v", kinds(cs))
	}
}

func TestForget(t *testing.T) {
	cfg := testConfig()
	cfg.Unlisted = UnlistedLimits{MaxTotal: 1}
	tr := NewTracker(cfg)
	tr.ApplyFix(fix("X1", 0, 0, 0))
	c, ok := tr.Forget("X1", t0)
	if !ok || c.Kind != UnitRemoved || c.Unit.ID != "X1" {
		t.Fatalf("Forget: %v %v", c, ok)
	}
	if _, ok := tr.Unit("X1"); ok {
		t.Error("unit still tracked")
	}
	if _, ok := tr.Forget("X1", t0); ok {
		t.Error("forgot twice")
	}
	if cs := tr.ApplyFix(fix("X2", 10, 0, 0)); cs[0].Kind != FixAccepted {
		t.Errorf("the cap was not released: %v", kinds(cs))
	}
}

func hasKind(cs []Change, k ChangeKind) bool {
	for _, c := range cs {
		if c.Kind == k {
			return true
		}
	}
	return false
}

func TestTrimUnlisted(t *testing.T) {
	tr := NewTracker(testConfig())
	for i := range 6 {
		tr.ApplyFix(fix(fmt.Sprintf("X%d", i), float64(i), 0, 0))
	}
	tr.ApplyFix(fix("4521", 0, 0, 0))
	cfg := testConfig()
	cfg.Unlisted = UnlistedLimits{MaxPerSource: 4, MaxTotal: 4}
	tr.Reconfigure(cfg, time.Time{})
	gone := tr.TrimUnlisted(t0)
	if len(gone) != 2 || gone[0].Unit.ID != "X0" || gone[1].Unit.ID != "X1" {
		t.Fatalf("trimmed %v, want the two longest silent X0 X1", gone)
	}
	if _, ok := tr.Unit("2A12"); !ok {
		t.Error("the roster unit went")
	}
	if refused, _ := tr.UnlistedCounts(); refused["avl-udp"] != 2 {
		t.Errorf("refused %v", refused)
	}
}
