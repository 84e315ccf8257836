package sim

import (
	"math"
	"math/rand"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// defaultCenter is used when neither a boundary nor a center is configured:
// a point in a city grid, so the demo map is not in the ocean at 0,0.
var defaultCenter = orb.Point{-117.8262, 33.7458}

// area is where units drive: a polygon (outer ring plus holes) and its bound.
// Coordinates are degrees; distances are worked out on a local flat
// approximation, which is exact enough at city scale.
type area struct {
	poly  orb.Polygon
	bound orb.Bound
	roads *roads // nil: units drive straight legs
}

// newArea uses the boundary polygon when it has an outer ring of at least
// three points, otherwise a 10 km square around center.
func newArea(boundary orb.Polygon, center orb.Point) area {
	if len(boundary) > 0 && len(boundary[0]) >= 3 {
		return area{poly: boundary, bound: boundary.Bound()}
	}
	if center == (orb.Point{}) {
		center = defaultCenter
	}
	const halfKm = 5.0
	dLat := halfKm / 110.54
	dLon := halfKm / (111.32 * math.Cos(center[1]*math.Pi/180))
	ring := orb.Ring{
		{center[0] - dLon, center[1] - dLat}, {center[0] + dLon, center[1] - dLat},
		{center[0] + dLon, center[1] + dLat}, {center[0] - dLon, center[1] + dLat},
		{center[0] - dLon, center[1] - dLat},
	}
	poly := orb.Polygon{ring}
	return area{poly: poly, bound: poly.Bound()}
}

func (a area) contains(p orb.Point) bool { return planar.PolygonContains(a.poly, p) }

// randomPoint draws a point inside the area by rejection from its bound. A
// polygon covering almost none of its bound could exhaust the tries; the
// first vertex-adjacent interior point is the fallback then.
func (a area) randomPoint(rng *rand.Rand) orb.Point {
	for range 1000 {
		p := orb.Point{
			a.bound.Min[0] + rng.Float64()*(a.bound.Max[0]-a.bound.Min[0]),
			a.bound.Min[1] + rng.Float64()*(a.bound.Max[1]-a.bound.Min[1]),
		}
		if a.contains(p) {
			return p
		}
	}
	return a.poly[0][0]
}

// segmentInside reports whether the straight leg from p to q stays in the
// area: both ends inside and no ring edge crossed. A straight leg between
// two interior points of a concave city boundary can leave the city.
func (a area) segmentInside(p, q orb.Point) bool {
	if !a.contains(p) || !a.contains(q) {
		return false
	}
	for _, ring := range a.poly {
		for i := 0; i+1 < len(ring); i++ {
			if segmentsCross(p, q, ring[i], ring[i+1]) {
				return false
			}
		}
	}
	return true
}

// nextWaypoint picks a destination reachable in a straight line from p.
// Short hops are tried when long ones keep leaving the area.
func (a area) nextWaypoint(rng *rand.Rand, p orb.Point) (orb.Point, bool) {
	for try := range 200 {
		var q orb.Point
		if try < 100 {
			q = a.randomPoint(rng)
		} else {
			// a nearby point: up to 1/20 of the area's extent
			q = orb.Point{
				p[0] + (rng.Float64()-0.5)*(a.bound.Max[0]-a.bound.Min[0])/10,
				p[1] + (rng.Float64()-0.5)*(a.bound.Max[1]-a.bound.Min[1])/10,
			}
		}
		if a.segmentInside(p, q) {
			return q, true
		}
	}
	return p, false
}

func cross(o, a, b orb.Point) float64 {
	return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0])
}

// segmentsCross reports whether segments ab and cd intersect, touching
// included (a leg that grazes the boundary is rejected too).
func segmentsCross(a, b, c, d orb.Point) bool {
	d1, d2 := cross(c, d, a), cross(c, d, b)
	d3, d4 := cross(a, b, c), cross(a, b, d)
	if (d1 > 0 && d2 < 0 || d1 < 0 && d2 > 0) && (d3 > 0 && d4 < 0 || d3 < 0 && d4 > 0) {
		return true
	}
	on := func(p, q, r orb.Point) bool { // r on segment pq, given collinear
		return math.Min(p[0], q[0]) <= r[0] && r[0] <= math.Max(p[0], q[0]) &&
			math.Min(p[1], q[1]) <= r[1] && r[1] <= math.Max(p[1], q[1])
	}
	return d1 == 0 && on(c, d, a) || d2 == 0 && on(c, d, b) ||
		d3 == 0 && on(a, b, c) || d4 == 0 && on(a, b, d)
}
