package avl

import (
	"testing"
	"time"
)

// A fix older than MaxFixAge goes to history (FixAccepted, Live=false,
// Reason too_old) and is counted, but moves nothing and creates no unit.
func TestTooOldIsHistory(t *testing.T) {
	tr := NewTracker(testConfig())
	f := fix("4521", 0, 0, 0)
	f.Received = f.Time.Add(48 * time.Hour)
	cs := tr.ApplyFix(f)
	if len(cs) != 1 || cs[0].Kind != FixAccepted || cs[0].Live || cs[0].Reason != LateTooOld {
		t.Fatalf("want one history FixAccepted too_old, got %v live=%v reason %q", kinds(cs), cs[0].Live, cs[0].Reason)
	}
	if cs[0].Unit.ID != "2A12" {
		t.Errorf("history change unit %q, want the roster call sign 2A12", cs[0].Unit.ID)
	}
	if _, ok := tr.Unit("2A12"); ok {
		t.Error("a fix too old for the wall created a unit")
	}
	if got := tr.Late()[LateTooOld]; got != 1 {
		t.Errorf("Late()[too_old] = %d, want 1", got)
	}
	if len(tr.Rejections()) != 0 {
		t.Errorf("rejections %v, want none", tr.Rejections())
	}

	// With a live position, a too-old fix leaves it where it is.
	live := fix("4521", 100, 0.001, 0)
	tr.ApplyFix(live)
	cs = tr.ApplyFix(f)
	if cs[0].Kind != FixAccepted || cs[0].Live {
		t.Fatalf("second too-old fix: %v live=%v", kinds(cs), cs[0].Live)
	}
	if u := mustUnit(t, tr, "2A12"); !u.Position.FixTime.Equal(live.Time) {
		t.Errorf("live fix time %v, want %v", u.Position.FixTime, live.Time)
	}
}

// Fixes before 2000 are beyond the sanity horizon and rejected outright.
func TestHorizon(t *testing.T) {
	tr := NewTracker(testConfig())
	f := fix("4521", 0, 0, 0)
	f.Time = time.Date(1996, 11, 1, 12, 0, 0, 0, time.UTC)
	cs := tr.ApplyFix(f)
	if cs[0].Kind != FixRejected || cs[0].Reason != RejectHorizon {
		t.Fatalf("1996 fix: %v reason %q", kinds(cs), cs[0].Reason)
	}
}

// An AirLink-style store-and-forward burst arrives oldest first, minutes to
// hours after the fixes were taken, after the modem regained coverage. Every
// fix is history, in order; the unit ends on the newest fix that is still
// young enough for the wall, and never moves backwards.
func TestStoreAndForwardBurst(t *testing.T) {
	tr := NewTracker(testConfig()) // MaxFixAge 10 min
	arrive := t0.Add(3 * time.Hour)
	var accepted, live int
	var lastLive time.Time
	for i := 0; i <= 180; i++ { // one fix a minute for three hours
		f := fix("4521", float64(i*60), float64(i)*0.0005, 0)
		f.Received = arrive.Add(time.Duration(i) * 10 * time.Millisecond)
		for _, c := range tr.ApplyFix(f) {
			if c.Kind == FixRejected {
				t.Fatalf("fix %d rejected: %s", i, c.Reason)
			}
			if c.Kind != FixAccepted {
				continue
			}
			accepted++
			if c.Live {
				live++
				if !c.Fix.Time.After(lastLive) {
					t.Fatalf("live position went back from %v to %v", lastLive, c.Fix.Time)
				}
				lastLive = c.Fix.Time
			}
		}
	}
	if accepted != 181 {
		t.Errorf("%d of 181 fixes reached history", accepted)
	}
	if live == 0 || live > 11 {
		t.Errorf("%d fixes moved the unit; want only the last ten minutes' worth", live)
	}
	u := mustUnit(t, tr, "2A12")
	if !u.Position.FixTime.Equal(t0.Add(180 * time.Minute)) {
		t.Errorf("live fix %v, want the newest %v", u.Position.FixTime, t0.Add(180*time.Minute))
	}
}
