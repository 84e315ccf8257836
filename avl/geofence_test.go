package avl

import (
	"fmt"
	"math"
	"math/rand"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// fenceConfig: beat B3 is a ~440 m square 0.01 deg north of the base point,
// zone SCHOOL a smaller square inside it, beat B4 a multipolygon of two
// squares east, one with a hole.
func fenceConfig() Config {
	cfg := testConfig()
	b4a := square(baseLat+0.01, baseLon+0.02, 0.002)
	b4a = append(b4a, orb.Ring(square(baseLat+0.01, baseLon+0.02, 0.0005)[0])) // hole
	cfg.Fences = []Fence{
		{Name: "B3", Kind: FenceKindBeat, Set: "beats", Polygon: square(baseLat+0.01, baseLon, 0.002)},
		{Name: "SCHOOL", Kind: "zone", Set: "schools", Polygon: square(baseLat+0.01, baseLon, 0.0005)},
		{Name: "B4", Kind: FenceKindBeat, Set: "beats", Polygon: orb.MultiPolygon{b4a, square(baseLat+0.01, baseLon+0.03, 0.002)}},
	}
	return cfg
}

type fenceEvent struct {
	kind  ChangeKind
	fence string
}

func fenceEvents(cs []Change) []fenceEvent {
	var out []fenceEvent
	for _, c := range cs {
		if c.Kind == GeofenceEnter || c.Kind == GeofenceExit {
			out = append(out, fenceEvent{c.Kind, c.Fence})
		}
	}
	return out
}

func TestGeofenceEnterExit(t *testing.T) {
	tr := NewTracker(fenceConfig())
	steps := []struct {
		name       string
		dlat, dlon float64
		want       []fenceEvent
		beat       string
	}{
		{"outside", 0, 0, nil, ""},
		{"into B3", 0.0085, 0, []fenceEvent{{GeofenceEnter, "B3"}}, "B3"},
		{"into the school inside B3", 0.0099, 0.0001, []fenceEvent{{GeofenceEnter, "SCHOOL"}}, "B3"},
		{"out of both", 0.013, 0.0001, []fenceEvent{{GeofenceExit, "B3"}, {GeofenceExit, "SCHOOL"}}, ""},
		{"into B4's second polygon", 0.01, 0.03, []fenceEvent{{GeofenceEnter, "B4"}}, "B4"},
		{"within B4, other polygon", 0.0115, 0.0185, nil, "B4"},
		{"into the hole of B4", 0.01, 0.02, []fenceEvent{{GeofenceExit, "B4"}}, ""},
	}
	for i, s := range steps {
		cs := tr.ApplyFix(fix("4521", float64(90*i), s.dlat, s.dlon))
		if cs[0].Kind != FixAccepted {
			t.Fatalf("%s: fix %v %q", s.name, kinds(cs), cs[0].Reason)
		}
		got := fenceEvents(cs)
		if len(got) != len(s.want) {
			t.Fatalf("%s: events %v, want %v", s.name, got, s.want)
		}
		for j := range got {
			if got[j] != s.want[j] {
				t.Fatalf("%s: events %v, want %v", s.name, got, s.want)
			}
		}
		if u := mustUnit(t, tr, "2A12"); u.Beat != s.beat {
			t.Fatalf("%s: beat %q, want %q", s.name, u.Beat, s.beat)
		}
		if cs[len(cs)-1].Kind != UnitUpdated || cs[len(cs)-1].Unit.Beat != s.beat {
			t.Fatalf("%s: last change %v beat %q", s.name, cs[len(cs)-1].Kind, cs[len(cs)-1].Unit.Beat)
		}
	}
}

func TestGeofenceChangeFields(t *testing.T) {
	tr := NewTracker(fenceConfig())
	tr.ApplyFix(fix("4521", 0, 0, 0))
	cs := tr.ApplyFix(fix("4521", 30, 0.01, 0.0003))
	var enter Change
	for _, c := range cs {
		if c.Kind == GeofenceEnter && c.Fence == "B3" {
			enter = c
		}
	}
	if enter.FenceSet != "beats" || enter.FenceKind != FenceKindBeat || !enter.Time.Equal(cs[0].Fix.Time) || enter.Unit.Beat != "B3" {
		t.Fatalf("enter change = %+v", enter)
	}
}

func TestGeofenceCrossedBetweenFixes(t *testing.T) {
	tr := NewTracker(fenceConfig())
	// South of B3, then north of it 60 s later (~55 km/h): the line passes
	// through B3 and SCHOOL though neither fix is inside.
	tr.ApplyFix(fix("4521", 0, 0.0075, 0.0001))
	cs := tr.ApplyFix(fix("4521", 60, 0.0125, 0.0001))
	want := []fenceEvent{{GeofenceEnter, "B3"}, {GeofenceExit, "B3"}, {GeofenceEnter, "SCHOOL"}, {GeofenceExit, "SCHOOL"}}
	got := fenceEvents(cs)
	if len(got) != len(want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("events %v, want %v", got, want)
		}
	}
	if u := mustUnit(t, tr, "2A12"); u.Beat != "" {
		t.Errorf("beat %q after crossing", u.Beat)
	}
	// Straight line at constant speed: B3 spans lat +0.008..+0.012, so it is
	// entered 6 s and left 54 s into the minute; SCHOOL (+0.0095..+0.0105) 24 s and 36 s.
	wantAt := map[fenceEvent]time.Duration{
		{GeofenceEnter, "B3"}: 6 * time.Second, {GeofenceExit, "B3"}: 54 * time.Second,
		{GeofenceEnter, "SCHOOL"}: 24 * time.Second, {GeofenceExit, "SCHOOL"}: 36 * time.Second,
	}
	for _, c := range cs {
		w, ok := wantAt[fenceEvent{c.Kind, c.Fence}]
		if !ok {
			continue
		}
		if d := c.Time.Sub(t0) - w; d < -time.Millisecond || d > time.Millisecond {
			t.Errorf("%v %s at %v, want %v", c.Kind, c.Fence, c.Time.Sub(t0), w)
		}
	}

	// Cutting past B3's corner: the bounding boxes overlap, the square is
	// not touched.
	tr = NewTracker(fenceConfig())
	tr.ApplyFix(fix("4521", 0, 0.0075, -0.0018))
	if got := fenceEvents(tr.ApplyFix(fix("4521", 60, 0.0082, -0.0025))); len(got) != 0 {
		t.Fatalf("corner pass: %v", got)
	}

	// Fixes further apart than the stale threshold say nothing of the route.
	tr = NewTracker(fenceConfig())
	tr.ApplyFix(fix("4521", 0, 0.0075, 0.0001))
	f := fix("4521", 6*60, 0.0125, 0.0001)
	if got := fenceEvents(tr.ApplyFix(f)); len(got) != 0 {
		t.Fatalf("gap of 6 min: %v", got)
	}
}

func TestSegmentsIntersect(t *testing.T) {
	p := func(x, y float64) orb.Point { return orb.Point{x, y} }
	cases := []struct {
		a, b, c, d orb.Point
		want       bool
	}{
		{p(0, 0), p(2, 2), p(0, 2), p(2, 0), true},  // X
		{p(0, 0), p(1, 1), p(2, 2), p(3, 3), false}, // collinear, apart
		{p(0, 0), p(2, 2), p(1, 1), p(3, 3), true},  // collinear, overlapping
		{p(0, 0), p(1, 0), p(1, 0), p(1, 5), true},  // touching end
		{p(0, 0), p(1, 0), p(2, -1), p(2, 1), false},
	}
	for i, c := range cases {
		if got := segmentsIntersect(c.a, c.b, c.c, c.d); got != c.want {
			t.Errorf("case %d: got %v", i, got)
		}
	}
}

// TestPolygonContainsMatchesOrb holds the tracker's point-in-polygon test
// to orb's planar.PolygonContains on random jagged polygons with holes,
// random points and points exactly on vertices and edges.
func TestPolygonContainsMatchesOrb(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for n := 0; n < 300; n++ {
		poly := orb.Polygon{randomRing(rng, 0, 0, 1, 3+rng.Intn(30))}
		if rng.Intn(2) == 0 {
			poly = append(poly, randomRing(rng, 0, 0, 0.3, 3+rng.Intn(8)))
		}
		var pts []orb.Point
		for k := 0; k < 200; k++ {
			pts = append(pts, orb.Point{rng.Float64()*2.4 - 1.2, rng.Float64()*2.4 - 1.2})
		}
		for _, r := range poly {
			for k := 0; k+1 < len(r); k++ {
				pts = append(pts, r[k], orb.Point{(r[k][0] + r[k+1][0]) / 2, (r[k][1] + r[k+1][1]) / 2})
			}
		}
		for _, p := range pts {
			if got, want := polygonContains(poly, p), planar.PolygonContains(poly, p); got != want {
				t.Fatalf("polygon %v point %v: got %v, orb says %v", poly, p, got, want)
			}
		}
	}
}

// TestFenceIndexMatchesBruteForce checks the grid against testing every
// fence, for points and for crossings.
func TestFenceIndexMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	var fences []Fence
	for i := 0; i < 60; i++ {
		fences = append(fences, Fence{Name: fmt.Sprint(i), Polygon: orb.Polygon{randomRing(rng, rng.Float64()*10, rng.Float64()*10, 0.2+rng.Float64(), 3+rng.Intn(12))}})
	}
	fences = append(fences, Fence{Name: "line", Polygon: orb.LineString{{0, 0}, {1, 1}}}) // not an area: never inside
	x := newFenceIndex(fences)
	for k := 0; k < 5000; k++ {
		a := orb.Point{rng.Float64()*12 - 1, rng.Float64()*12 - 1}
		b := orb.Point{a[0] + rng.NormFloat64()*0.5, a[1] + rng.NormFloat64()*0.5}
		inA := x.containing(a, nil)
		var want []int32
		for i := range fences {
			if p, ok := fences[i].Polygon.(orb.Polygon); ok && planar.PolygonContains(p, a) {
				want = append(want, int32(i))
			}
		}
		if fmt.Sprint(inA) != fmt.Sprint(want) {
			t.Fatalf("containing(%v) = %v, want %v", a, inA, want)
		}
		inB := x.containing(b, nil)
		got := x.crossed(a, b, inA, inB, nil)
		want = want[:0]
		for i := range fences {
			p, ok := fences[i].Polygon.(orb.Polygon)
			if ok && !slices.Contains(inA, int32(i)) && !slices.Contains(inB, int32(i)) && segmentCrossesRing(a, b, p[0]) {
				want = append(want, int32(i))
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("crossed(%v, %v) = %v, want %v", a, b, got, want)
		}
	}
}

// randomRing is a closed star-shaped ring of n vertices around (x, y).
func randomRing(rng *rand.Rand, x, y, r float64, n int) orb.Ring {
	ring := make(orb.Ring, 0, n+1)
	for k := 0; k < n; k++ {
		ang := 2 * math.Pi * (float64(k) + rng.Float64()*0.8) / float64(n)
		d := r * (0.3 + 0.7*rng.Float64())
		// Round to a coarse grid so vertices and edges are hit exactly.
		ring = append(ring, orb.Point{math.Round((x+d*math.Cos(ang))*64) / 64, math.Round((y+d*math.Sin(ang))*64) / 64})
	}
	return append(ring, ring[0])
}
