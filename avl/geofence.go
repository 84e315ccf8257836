package avl

import (
	"slices"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// FenceKindBeat is the fence kind whose name becomes Unit.Beat.
const FenceKindBeat = "beat"

// fenceEntry is a fence prepared for fast tests: its polygons and bounds.
type fenceEntry struct {
	Fence
	bound  orb.Bound
	polys  []orb.Polygon
	bounds []orb.Bound // one per polygon
}

// fenceIndex answers which fences contain a point or a segment crosses.
// A uniform grid over all fences' bounds lists, per cell, the fences whose
// bounding box overlaps it; a point looks at one cell, a segment at the
// cells of its bounding box, and only those fences get a bounding-box test
// and a ray cast.
type fenceIndex struct {
	fences []fenceEntry

	all          orb.Bound
	cols, rows   int
	cellW, cellH float64
	cells        [][]int32 // row-major, fence indexes ascending
	seen         []uint32  // per fence: the query that last visited it
	query        uint32
}

// maxGridSide caps the grid at 64x64 cells.
const maxGridSide = 64

func newFenceIndex(fs []Fence) fenceIndex {
	x := fenceIndex{fences: make([]fenceEntry, 0, len(fs))}
	for _, f := range fs {
		var polys []orb.Polygon
		switch g := f.Polygon.(type) {
		case orb.Polygon:
			polys = []orb.Polygon{g}
		case orb.MultiPolygon:
			polys = g
		case orb.Ring:
			polys = []orb.Polygon{{g}}
		}
		e := fenceEntry{Fence: f}
		for _, p := range polys {
			if len(p) == 0 || len(p[0]) < 3 {
				continue // not an area: nothing can be inside it
			}
			b := p[0].Bound()
			if len(e.polys) == 0 {
				e.bound = b
			} else {
				e.bound = e.bound.Union(b)
			}
			e.polys = append(e.polys, p)
			e.bounds = append(e.bounds, b)
		}
		// Keep empty fences too so indexes stay aligned with the config.
		x.fences = append(x.fences, e)
	}
	x.buildGrid()
	return x
}

func (x *fenceIndex) buildGrid() {
	first := true
	for i := range x.fences {
		if len(x.fences[i].polys) == 0 {
			continue
		}
		if first {
			x.all, first = x.fences[i].bound, false
		} else {
			x.all = x.all.Union(x.fences[i].bound)
		}
	}
	x.seen = make([]uint32, len(x.fences))
	if first {
		return // no areas at all
	}
	// About two cells per fence per side: a beat map of 50 polygons gets a
	// 14x14 grid, so a cell rarely overlaps more than a few beats.
	side := 1
	for side*side < 4*len(x.fences) && side < maxGridSide {
		side++
	}
	x.cols, x.rows = side, side
	x.cellW = (x.all.Max[0] - x.all.Min[0]) / float64(side)
	x.cellH = (x.all.Max[1] - x.all.Min[1]) / float64(side)
	x.cells = make([][]int32, side*side)
	for i := range x.fences {
		e := &x.fences[i]
		if len(e.polys) == 0 {
			continue
		}
		c0, r0 := x.cell(e.bound.Min)
		c1, r1 := x.cell(e.bound.Max)
		for r := r0; r <= r1; r++ {
			for c := c0; c <= c1; c++ {
				x.cells[r*x.cols+c] = append(x.cells[r*x.cols+c], int32(i))
			}
		}
	}
}

// cell returns the grid cell of p, clamped to the grid.
func (x *fenceIndex) cell(p orb.Point) (col, row int) {
	col, row = x.cols-1, x.rows-1
	if x.cellW > 0 {
		col = clampInt(int((p[0]-x.all.Min[0])/x.cellW), 0, x.cols-1)
	}
	if x.cellH > 0 {
		row = clampInt(int((p[1]-x.all.Min[1])/x.cellH), 0, x.rows-1)
	}
	return col, row
}

func clampInt(v, lo, hi int) int {
	return max(lo, min(v, hi))
}

// contains reports whether fence i contains p (boundary counts as inside).
func (x *fenceIndex) contains(i int, p orb.Point) bool {
	e := &x.fences[i]
	if len(e.polys) == 0 || !e.bound.Contains(p) {
		return false
	}
	for j, poly := range e.polys {
		if e.bounds[j].Contains(p) && polygonContains(poly, p) {
			return true
		}
	}
	return false
}

// polygonContains is planar.PolygonContains without recomputing the outer
// ring's bounds on every call (the caller has checked them): on a beat map
// that halves the cost of a fix. Points on the boundary are inside; holes
// are not. TestPolygonContainsMatchesOrb holds it to orb's answers.
func polygonContains(p orb.Polygon, pt orb.Point) bool {
	if !ringContains(p[0], pt) {
		return false
	}
	for _, hole := range p[1:] {
		if planar.RingContains(hole, pt) {
			return false
		}
	}
	return true
}

// ringContains is a crossing-number test; a point on an edge is inside.
func ringContains(r orb.Ring, pt orb.Point) bool {
	x, y := pt[0], pt[1]
	in := false
	n := len(r)
	for i, j := 0, n-1; i < n; j, i = i, i+1 {
		a, b := r[j], r[i]
		if onEdge(a, b, pt) {
			return true
		}
		if (a[1] > y) != (b[1] > y) && x < (b[0]-a[0])*(y-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

// onEdge reports whether pt lies on segment a-b.
func onEdge(a, b, pt orb.Point) bool {
	return onSegment(a, b, pt) && orient(a, b, pt) == 0
}

// containing appends to dst the indexes of every fence containing p,
// ascending.
func (x *fenceIndex) containing(p orb.Point, dst []int32) []int32 {
	if x.cells == nil || !x.all.Contains(p) {
		return dst
	}
	c, r := x.cell(p)
	for _, i := range x.cells[r*x.cols+c] {
		if x.contains(int(i), p) {
			dst = append(dst, i)
		}
	}
	return dst
}

// crossed appends to dst the fences the segment a-b passes through although
// neither a nor b is inside (listed in inA, inB).
func (x *fenceIndex) crossed(a, b orb.Point, inA, inB []int32, dst []int32) []int32 {
	seg := orb.Bound{
		Min: orb.Point{min(a[0], b[0]), min(a[1], b[1])},
		Max: orb.Point{max(a[0], b[0]), max(a[1], b[1])},
	}
	if x.cells == nil || !x.all.Intersects(seg) {
		return dst
	}
	x.query++
	if x.query == 0 { // wrapped: forget every visit
		clear(x.seen)
		x.query = 1
	}
	start := len(dst)
	c0, r0 := x.cell(seg.Min)
	c1, r1 := x.cell(seg.Max)
	for r := r0; r <= r1; r++ {
		for c := c0; c <= c1; c++ {
			for _, i := range x.cells[r*x.cols+c] {
				if x.seen[i] == x.query {
					continue
				}
				x.seen[i] = x.query
				if !slices.Contains(inA, i) && !slices.Contains(inB, i) && x.crosses(int(i), a, b, seg) {
					dst = append(dst, i)
				}
			}
		}
	}
	slices.Sort(dst[start:]) // cells list fences in order, several cells do not
	return dst
}

// crosses reports whether segment a-b (bounds seg) touches fence i's outer rings.
func (x *fenceIndex) crosses(i int, a, b orb.Point, seg orb.Bound) bool {
	e := &x.fences[i]
	if !e.bound.Intersects(seg) {
		return false
	}
	for j, poly := range e.polys {
		if e.bounds[j].Intersects(seg) && segmentCrossesRing(a, b, poly[0]) {
			return true
		}
	}
	return false
}

// beat returns the name of the first beat fence in a sorted index list.
func (x *fenceIndex) beat(inside []int32) string {
	for _, i := range inside {
		if x.fences[i].Kind == FenceKindBeat {
			return x.fences[i].Name
		}
	}
	return ""
}

// segmentCrossesRing reports whether segment a-b touches any edge of r.
// With both ends outside the polygon, touching the outer ring means the
// segment passed through it.
func segmentCrossesRing(a, b orb.Point, r orb.Ring) bool {
	n := len(r)
	for i := 0; i < n; i++ {
		c, d := r[i], r[(i+1)%n]
		if segmentsIntersect(a, b, c, d) {
			return true
		}
	}
	return false
}

// segmentsIntersect is the classic orientation test, collinear overlaps included.
func segmentsIntersect(p1, p2, p3, p4 orb.Point) bool {
	d1 := orient(p3, p4, p1)
	d2 := orient(p3, p4, p2)
	d3 := orient(p1, p2, p3)
	d4 := orient(p1, p2, p4)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	return (d1 == 0 && onSegment(p3, p4, p1)) || (d2 == 0 && onSegment(p3, p4, p2)) ||
		(d3 == 0 && onSegment(p1, p2, p3)) || (d4 == 0 && onSegment(p1, p2, p4))
}

func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

// onSegment reports whether p, collinear with a-b, lies within its bounds.
func onSegment(a, b, p orb.Point) bool {
	return min(a[0], b[0]) <= p[0] && p[0] <= max(a[0], b[0]) &&
		min(a[1], b[1]) <= p[1] && p[1] <= max(a[1], b[1])
}

// fenceChanges appends exits (in old, not in cur) then enters (in cur, not
// in old) of two ascending index lists, both at the new fix's time, and
// between them an enter/exit pair for every fence in crossed, timed where
// the straight line from the previous fix (a at from) to the new one (b at
// to) meets the fence.
func (x *fenceIndex) fenceChanges(dst []Change, old, cur, crossed []int32, a, b orb.Point, from, to time.Time) []Change {
	for _, i := range old {
		if !slices.Contains(cur, i) {
			dst = append(dst, x.change(GeofenceExit, i, to))
		}
	}
	for _, i := range crossed {
		lo, hi := x.crossingSpan(i, a, b)
		dt := to.Sub(from)
		in := from.Add(time.Duration(lo * float64(dt)))
		out := from.Add(time.Duration(hi * float64(dt)))
		dst = append(dst, x.change(GeofenceEnter, i, in), x.change(GeofenceExit, i, out))
	}
	for _, i := range cur {
		if !slices.Contains(old, i) {
			dst = append(dst, x.change(GeofenceEnter, i, to))
		}
	}
	return dst
}

// crossingSpan returns, as fractions of a-b, where the segment first and
// last meets fence i's outer rings.
func (x *fenceIndex) crossingSpan(i int32, a, b orb.Point) (lo, hi float64) {
	lo, hi = 1, 0
	r := orb.Point{b[0] - a[0], b[1] - a[1]}
	rr := r[0]*r[0] + r[1]*r[1]
	note := func(t float64) {
		t = max(0, min(1, t))
		lo, hi = min(lo, t), max(hi, t)
	}
	for _, poly := range x.fences[i].polys {
		ring := poly[0]
		for k := range ring {
			c, d := ring[k], ring[(k+1)%len(ring)]
			if !segmentsIntersect(a, b, c, d) {
				continue
			}
			sv := orb.Point{d[0] - c[0], d[1] - c[1]}
			if den := r[0]*sv[1] - r[1]*sv[0]; den != 0 {
				note(((c[0]-a[0])*sv[1] - (c[1]-a[1])*sv[0]) / den)
			} else if rr > 0 { // collinear: the overlap's ends
				note(((c[0]-a[0])*r[0] + (c[1]-a[1])*r[1]) / rr)
				note(((d[0]-a[0])*r[0] + (d[1]-a[1])*r[1]) / rr)
			} else {
				note(0)
			}
		}
	}
	if lo > hi { // not met after all: floating point; call it the middle
		lo, hi = 0.5, 0.5
	}
	return lo, hi
}

func (x *fenceIndex) change(k ChangeKind, i int32, at time.Time) Change {
	f := &x.fences[i]
	return Change{Kind: k, Time: at, Fence: f.Name, FenceSet: f.Set, FenceKind: f.Kind}
}

func orb2(p *Position) orb.Point { return orb.Point{p.Lon, p.Lat} }
