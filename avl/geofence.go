package avl

import (
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
// Every test starts with a bounding-box check, so a point costs a few
// comparisons per fence plus a ray cast of the few polygons around it.
type fenceIndex struct {
	fences []fenceEntry
}

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
	return x
}

// contains reports whether fence i contains p (boundary counts as inside).
func (x *fenceIndex) contains(i int, p orb.Point) bool {
	e := &x.fences[i]
	if len(e.polys) == 0 || !e.bound.Contains(p) {
		return false
	}
	for j, poly := range e.polys {
		if e.bounds[j].Contains(p) && planar.PolygonContains(poly, p) {
			return true
		}
	}
	return false
}

// containing appends to dst the indexes of every fence containing p.
func (x *fenceIndex) containing(p orb.Point, dst []int32) []int32 {
	for i := range x.fences {
		if x.contains(i, p) {
			dst = append(dst, int32(i))
		}
	}
	return dst
}

// crossed appends to dst the fences the segment a-b passes through although
// neither a nor b is inside (listed in inA, inB).
func (x *fenceIndex) crossed(a, b orb.Point, inA, inB []int32, dst []int32) []int32 {
	seg := orb.Bound{Min: a, Max: a}.Extend(b)
	for i := range x.fences {
		e := &x.fences[i]
		if len(e.polys) == 0 || !e.bound.Intersects(seg) || has(inA, i) || has(inB, i) {
			continue
		}
		for j, poly := range e.polys {
			if e.bounds[j].Intersects(seg) && segmentCrossesRing(a, b, poly[0]) {
				dst = append(dst, int32(i))
				break
			}
		}
	}
	return dst
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

func has(s []int32, i int) bool {
	for _, v := range s {
		if int(v) == i {
			return true
		}
	}
	return false
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
// in old) of two ascending index lists, and between them an enter/exit pair
// for every fence in crossed.
func (x *fenceIndex) fenceChanges(dst []Change, old, cur, crossed []int32, at time.Time) []Change {
	for _, i := range old {
		if !has(cur, int(i)) {
			dst = append(dst, x.change(GeofenceExit, i, at))
		}
	}
	for _, i := range crossed {
		dst = append(dst, x.change(GeofenceEnter, i, at), x.change(GeofenceExit, i, at))
	}
	for _, i := range cur {
		if !has(old, int(i)) {
			dst = append(dst, x.change(GeofenceEnter, i, at))
		}
	}
	return dst
}

func (x *fenceIndex) change(k ChangeKind, i int32, at time.Time) Change {
	f := &x.fences[i]
	return Change{Kind: k, Time: at, Fence: f.Name, FenceSet: f.Set, FenceKind: f.Kind}
}

func orb2(p *Position) orb.Point { return orb.Point{p.Lon, p.Lat} }
