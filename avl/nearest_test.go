package avl

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
	"time"
)

func TestHaversine(t *testing.T) {
	// One degree of latitude is 111.2 km on the mean sphere; LAX to JFK
	// is 3,974 km on the sphere (3,983 km on the ellipsoid).
	if d := haversineM(0, 0, 1, 0); math.Abs(d-111195) > 1 {
		t.Errorf("1 deg lat = %v m", d)
	}
	if d := haversineM(33.9425, -118.4081, 40.6413, -73.7781); math.Abs(d-3974e3) > 2e3 {
		t.Errorf("LAX-JFK = %v m", d)
	}
	if b := bearingDeg(0, 0, 0, 1); math.Abs(b-90) > 1e-9 {
		t.Errorf("east bearing = %v", b)
	}
	if b := bearingDeg(0, 0, -1, 0); math.Abs(b-180) > 1e-9 {
		t.Errorf("south bearing = %v", b)
	}
}

func TestNearest(t *testing.T) {
	tr := NewTracker(testConfig())
	tr.ApplyFix(fix("4521", 0, 0.010, 0))                                      // 2A12, 1.11 km north
	tr.ApplyFix(fix("4531", 0, 0, 0.002))                                      // 2A13, ~185 m east
	tr.ApplyFix(fix("9001", 30, 0.005, 0))                                     // unlisted, 556 m north
	tr.ApplyStatus(StatusUpdate{RadioID: "1700", Status: "available", At: t0}) // F7: no position
	tr.ApplyStatus(StatusUpdate{RadioID: "2A12", Status: "Available", At: t0})
	tr.ApplyStatus(StatusUpdate{RadioID: "1301", Status: "enroute", At: t0})

	now := t0.Add(time.Minute)
	got := tr.Nearest(NearestQuery{Lat: baseLat, Lon: baseLon, Now: now})
	if want := []string{"2A13", "9001", "2A12"}; len(got) != 3 || got[0].Unit.ID != want[0] || got[1].Unit.ID != want[1] || got[2].Unit.ID != want[2] {
		t.Fatalf("order = %v", nearestIDs(got))
	}
	if math.Abs(got[1].DistanceM-556) > 1 || got[1].FixAge != 30*time.Second || got[0].FixAge != time.Minute {
		t.Errorf("9001: %v m, age %v", got[1].DistanceM, got[1].FixAge)
	}
	if got := tr.Nearest(NearestQuery{Lat: baseLat, Lon: baseLon, N: 2}); len(got) != 2 || got[1].Unit.ID != "9001" || got[0].FixAge != 0 {
		t.Errorf("N=2: %v", nearestIDs(got))
	}
	if got := tr.Nearest(NearestQuery{Lat: baseLat, Lon: baseLon, Status: "available"}); len(got) != 1 || got[0].Unit.ID != "2A12" {
		t.Errorf("available: %v", nearestIDs(got))
	}
	// From the north the order flips.
	if got := tr.Nearest(NearestQuery{Lat: baseLat + 0.02, Lon: baseLon, N: 1}); len(got) != 1 || got[0].Unit.ID != "2A12" {
		t.Errorf("from north: %v", nearestIDs(got))
	}
}

func nearestIDs(rs []NearestResult) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Unit.ID
	}
	return out
}

// TestNearestMatchesFullSort checks the short-list path against sorting
// every unit, for several N, with ties.
func TestNearestMatchesFullSort(t *testing.T) {
	tr := NewTracker(testConfig())
	rng := rand.New(rand.NewSource(3))
	for i := 0; i < 300; i++ {
		// Coarse positions make exact distance ties common.
		tr.ApplyFix(fix(fmt.Sprintf("D%03d", i), 0, float64(rng.Intn(9))*0.001, float64(rng.Intn(9))*0.001))
	}
	all := tr.Nearest(NearestQuery{Lat: baseLat + 0.004, Lon: baseLon + 0.004})
	if len(all) != 300 {
		t.Fatalf("%d results", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].DistanceM < all[i-1].DistanceM || (all[i].DistanceM == all[i-1].DistanceM && all[i].Unit.ID < all[i-1].Unit.ID) {
			t.Fatalf("full list out of order at %d", i)
		}
	}
	for _, n := range []int{1, 2, 7, 64, 65, 299, 300, 1000} {
		got := tr.Nearest(NearestQuery{Lat: baseLat + 0.004, Lon: baseLon + 0.004, N: n})
		want := all[:min(n, len(all))]
		if len(got) != len(want) {
			t.Fatalf("N=%d: %d results", n, len(got))
		}
		for i := range got {
			if got[i].Unit.ID != want[i].Unit.ID {
				t.Fatalf("N=%d: result %d is %s, want %s", n, i, got[i].Unit.ID, want[i].Unit.ID)
			}
		}
	}
}
