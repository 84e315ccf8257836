// Package democity makes the simulated city's map: a street grid with a few
// arterials, a lake and parks. Its output is committed (the demo's basemap
// as PMTiles and its streets as GeoJSON, under hcl/examples/demo/geo) and
// nothing is downloaded: `go test ./gateway/sim/democity -update` rebuilds
// the files, and the test fails when they drift from the generator.
package democity

import (
	"fmt"

	"github.com/paulmach/orb"
)

// Bound is the grid's extent: the demo boundary (hcl/examples/demo/geo/
// city.geojson) with a block to spare on every side.
var Bound = orb.Bound{Min: orb.Point{-117.8640, 33.7110}, Max: orb.Point{-117.7800, 33.7690}}

// Street is one named street of the grid. Its line has a vertex at every
// crossing, so the lines form a graph that units can drive on.
type Street struct {
	Name string
	Kind string // major_road (arterial) or minor_road, the Protomaps road kinds
	Line orb.LineString
}

const (
	lonStep = 0.0048 // ~445 m between north-south streets
	latStep = 0.0036 // ~400 m between east-west streets
)

var nsNames = []string{"Alder", "Birch", "Main", "Cedar", "Elm", "Fir", "Grand", "Hazel", "Ivy",
	"Juniper", "Central", "Laurel", "Maple", "Newport", "Oak", "Pine", "Quince", "Redwood", "Spruce"}

var ewNames = []string{"1st", "2nd", "3rd", "4th", "5th", "6th", "7th", "8th", "9th",
	"10th", "11th", "12th", "13th", "14th", "15th", "16th", "17th"}

// Streets returns the grid: every fourth street an arterial (an avenue or
// a boulevard), the rest residential.
func Streets() []Street {
	var lons, lats []float64
	for x := Bound.Min[0]; x <= Bound.Max[0]+1e-9; x += lonStep {
		lons = append(lons, round6(x))
	}
	for y := Bound.Min[1]; y <= Bound.Max[1]+1e-9; y += latStep {
		lats = append(lats, round6(y))
	}
	var out []Street
	for i, x := range lons {
		s := Street{Name: nsNames[i%len(nsNames)] + " St", Kind: "minor_road"}
		if i%4 == 2 {
			s.Name, s.Kind = nsNames[i%len(nsNames)]+" Ave", "major_road"
		}
		for _, y := range lats {
			s.Line = append(s.Line, orb.Point{x, y})
		}
		out = append(out, s)
	}
	for j, y := range lats {
		s := Street{Name: ewNames[j%len(ewNames)] + " St", Kind: "minor_road"}
		if j%4 == 1 {
			s.Name, s.Kind = ewNames[j%len(ewNames)]+" Blvd", "major_road"
		}
		for _, x := range lons {
			s.Line = append(s.Line, orb.Point{x, y})
		}
		out = append(out, s)
	}
	return out
}

func round6(v float64) float64 {
	var r float64
	fmt.Sscanf(fmt.Sprintf("%.6f", v), "%g", &r)
	return r
}
