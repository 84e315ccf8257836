package sim

import (
	"math"
	"math/rand"
	"os"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"radiogw/gateway/codec/lines"
	"radiogw/hcl"
)

// The demo's units drive along its streets: every position, sampled each
// second for half an hour of simulated time, lies on a street line, and
// they cover the city rather than circling one block.
func TestDemoUnitsDriveOnStreets(t *testing.T) {
	cfg, err := hcl.Load("../../hcl/examples/demo", hcl.Options{Profiles: lines.BuiltinNames()})
	if err != nil {
		t.Fatal(err)
	}
	o, err := FromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Roads) < 10 {
		t.Fatalf("%d road lines from the demo config", len(o.Roads))
	}
	data, _ := os.ReadFile("../../hcl/examples/demo/geo/streets.geojson")
	streets, err := RoadsFromGeoJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	a := newArea(o.Boundary, o.Center)
	a.roads = newRoads(o.Roads, a)
	if a.roads == nil {
		t.Fatal("no street graph inside the boundary")
	}
	onStreet := func(p orb.Point) bool {
		for _, l := range streets {
			if planar.DistanceFromSegment(l[0], l[len(l)-1], p) < 1e-7 {
				return true
			}
		}
		return false
	}
	rng := rand.New(rand.NewSource(7))
	visited := map[orb.Point]bool{}
	for n := range 12 {
		v := newVehicle(a, rng)
		for step := range 1800 {
			v.advance(a, rng, time.Second)
			if !onStreet(v.pos) {
				t.Fatalf("unit %d off the streets at step %d: %v", n, step, v.pos)
			}
			if !a.contains(v.pos) {
				t.Fatalf("unit %d left the city at step %d: %v", n, step, v.pos)
			}
			visited[orb.Point{math.Round(v.pos[0] * 200), math.Round(v.pos[1] * 200)}] = true
		}
	}
	if len(visited) < 20 {
		t.Errorf("units covered only %d cells of ~500 m", len(visited))
	}
}
