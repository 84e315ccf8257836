package sim

import (
	"encoding/json"
	"fmt"
	"math/rand"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// roads is a street network as a graph: the vertices of the street lines
// are the nodes, consecutive vertices the edges. Lines that cross share a
// vertex at the crossing (as the demo grid and any noded GIS export do).
// Only the part inside the area is kept, so units stay in the city.
type roads struct {
	nodes []orb.Point
	adj   [][]int
}

// RoadsFromGeoJSON reads the LineStrings and MultiLineStrings of a GeoJSON
// FeatureCollection; other geometries are ignored.
func RoadsFromGeoJSON(data []byte) ([]orb.LineString, error) {
	fc, err := geojson.UnmarshalFeatureCollection(data)
	if err != nil {
		var g geojson.Geometry
		if json.Unmarshal(data, &g) != nil {
			return nil, fmt.Errorf("not a GeoJSON FeatureCollection: %w", err)
		}
		fc = geojson.NewFeatureCollection()
		fc.Append(geojson.NewFeature(g.Geometry()))
	}
	var out []orb.LineString
	for _, f := range fc.Features {
		switch g := f.Geometry.(type) {
		case orb.LineString:
			out = append(out, g)
		case orb.MultiLineString:
			out = append(out, g...)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no lines")
	}
	return out, nil
}

// newRoads builds the graph of lines within a; nil when fewer than two
// connected nodes remain.
func newRoads(lines []orb.LineString, a area) *roads {
	r := &roads{}
	index := map[orb.Point]int{}
	node := func(p orb.Point) int {
		if i, ok := index[p]; ok {
			return i
		}
		index[p] = len(r.nodes)
		r.nodes = append(r.nodes, p)
		r.adj = append(r.adj, nil)
		return len(r.nodes) - 1
	}
	for _, l := range lines {
		for i := 0; i+1 < len(l); i++ {
			if l[i] == l[i+1] || !a.segmentInside(l[i], l[i+1]) {
				continue
			}
			p, q := node(l[i]), node(l[i+1])
			r.adj[p] = append(r.adj[p], q)
			r.adj[q] = append(r.adj[q], p)
		}
	}
	if len(r.nodes) < 2 {
		return nil
	}
	return r
}

// nearest is the node closest to p.
func (r *roads) nearest(p orb.Point) int {
	best, bestD := 0, -1.0
	for i, n := range r.nodes {
		dx, dy := metres(p, n)
		if d := dx*dx + dy*dy; bestD < 0 || d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

// route is a path along the streets from node from to a random node
// reachable from it (breadth first: fewest blocks, which on a grid is a
// shortest drive), as the points to pass, from's successor first.
func (r *roads) route(rng *rand.Rand, from int) []orb.Point {
	prev := make([]int, len(r.nodes))
	for i := range prev {
		prev[i] = -1
	}
	prev[from] = from
	order := []int{from}
	for i := 0; i < len(order); i++ {
		n := order[i]
		for _, m := range r.adj[n] {
			if prev[m] == -1 {
				prev[m] = n
				order = append(order, m)
			}
		}
	}
	if len(order) < 2 {
		return nil
	}
	to := order[1+rng.Intn(len(order)-1)]
	var path []orb.Point
	for n := to; n != from; n = prev[n] {
		path = append(path, r.nodes[n])
	}
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	return path
}
