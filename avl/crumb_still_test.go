package avl

import "testing"

// A parked unit reporting every 2 s with a few metres of GPS drift adds one
// breadcrumb a minute, not thirty; driving off adds one per report again.
func TestStandingStillAddsACrumbAMinute(t *testing.T) {
	tr := NewTracker(testConfig())
	drift := []float64{0, 0.00002, -0.00003, 0.00001} // up to about 3 m
	for i := range 91 {                               // 3 minutes
		tr.ApplyFix(fix("4521", float64(2*i), drift[i%4], drift[(i+1)%4]))
	}
	u, _ := tr.Resolve(AVLID, "4521")
	if got := len(tr.Track(u)); got != 4 {
		t.Fatalf("parked 3 minutes: %d breadcrumbs, want 4 (at 0, 60, 120 and 180 s)", got)
	}
	for i := range 5 { // about 22 m per report
		tr.ApplyFix(fix("4521", float64(182+2*i), 0.0002*float64(i+1), 0))
	}
	if got := len(tr.Track(u)); got != 9 {
		t.Fatalf("after driving off: %d breadcrumbs, want 9", got)
	}
	if pos, _ := tr.Unit(u); pos.Position == nil || pos.Position.Lat != baseLat+0.001 {
		t.Fatalf("live position does not follow every fix: %+v", pos.Position)
	}
}
