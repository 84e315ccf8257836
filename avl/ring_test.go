package avl

import (
	"slices"
	"testing"
	"time"
)

func ringTimes(r *ring) []int {
	var out []int
	for _, c := range r.slice() {
		out = append(out, int(time.Duration(c.t-t0.UnixNano())/time.Second))
	}
	return out
}

func TestRing(t *testing.T) {
	r := ring{limit: 4}
	push := func(sec int) bool { return r.push(crumb{t: t0.Add(time.Duration(sec) * time.Second).UnixNano()}) }
	steps := []struct {
		sec  int
		kept bool
		want []int
	}{
		{10, true, []int{10}},
		{30, true, []int{10, 30}},
		{20, true, []int{10, 20, 30}}, // late, while growing
		{40, true, []int{10, 20, 30, 40}},
		{50, true, []int{20, 30, 40, 50}}, // wraps
		{60, true, []int{30, 40, 50, 60}},
		{45, true, []int{40, 45, 50, 60}},  // late, while full
		{35, false, []int{40, 45, 50, 60}}, // older than everything kept
		{41, true, []int{41, 45, 50, 60}},
		{70, true, []int{45, 50, 60, 70}},
	}
	for _, s := range steps {
		if kept := push(s.sec); kept != s.kept || !slices.Equal(ringTimes(&r), s.want) {
			t.Fatalf("push %d: kept %v, ring %v; want %v %v", s.sec, kept, ringTimes(&r), s.kept, s.want)
		}
	}
	r.resize(2)
	if !slices.Equal(ringTimes(&r), []int{60, 70}) {
		t.Fatalf("resize 2: %v", ringTimes(&r))
	}
	push(80)
	r.resize(5)
	push(90)
	if !slices.Equal(ringTimes(&r), []int{70, 80, 90}) {
		t.Fatalf("resize 5: %v", ringTimes(&r))
	}
}

func TestBreadcrumbLimit(t *testing.T) {
	cfg := testConfig()
	cfg.Breadcrumbs = 5
	tr := NewTracker(cfg)
	for i := 0; i < 12; i++ {
		tr.ApplyFix(fix("4521", float64(10*i), 0.0001*float64(i), 0))
	}
	track := tr.Track("2A12")
	if len(track) != 5 || !track[0].Time.Equal(t0.Add(70*time.Second)) || !track[4].Time.Equal(t0.Add(110*time.Second)) {
		t.Fatalf("track %d fixes from %v", len(track), track[0].Time)
	}
	if tr.Track("nobody") != nil {
		t.Fatal("track of unknown unit")
	}
	if NewTracker(testConfig()).crumbs != DefaultBreadcrumbs {
		t.Fatal("default breadcrumbs")
	}
}

// TestBreadcrumbsReconfigured: a reload that changes the length keeps the
// newest crumbs; NoBreadcrumbs keeps none and accepts fixes all the same.
func TestBreadcrumbsReconfigured(t *testing.T) {
	cfg := testConfig()
	cfg.Breadcrumbs = 5
	tr := NewTracker(cfg)
	for i := 0; i < 5; i++ {
		tr.ApplyFix(fix("4521", float64(10*i), 0.0001*float64(i), 0))
	}
	secs := func() []int {
		var out []int
		for _, c := range tr.Track("2A12") {
			out = append(out, int(c.Time.Sub(t0)/time.Second))
		}
		return out
	}
	cfg.Breadcrumbs = 2
	tr.Reconfigure(cfg, time.Time{})
	if got := secs(); !slices.Equal(got, []int{30, 40}) {
		t.Fatalf("after shrinking to 2: %v", got)
	}
	cfg.Breadcrumbs = NoBreadcrumbs
	tr.Reconfigure(cfg, time.Time{})
	if cs := tr.ApplyFix(fix("4521", 50, 0.0005, 0)); cs[0].Kind != FixAccepted || len(secs()) != 0 {
		t.Fatalf("with no breadcrumbs: %v, track %v", kinds(cs), secs())
	}
	if cs := tr.ApplyFix(fix("4521", 45, 0.0005, 0)); cs[0].Kind != FixAccepted || cs[0].Live {
		t.Fatalf("late fix with no breadcrumbs: %v", kinds(cs))
	}
	cfg.Breadcrumbs = 3
	tr.Reconfigure(cfg, time.Time{})
	for _, sec := range []float64{60, 70, 80, 90} {
		tr.ApplyFix(fix("4521", sec, 0.0005+sec*1e-5, 0))
	}
	if got := secs(); !slices.Equal(got, []int{70, 80, 90}) {
		t.Fatalf("after growing to 3: %v", got)
	}
}
