package democity

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// A minimal Mapbox Vector Tile (v2) encoder: what the demo basemap needs,
// lines, polygons and points with string and integer properties.

const extent = 4096

type feature struct {
	geom  orb.Geometry
	props map[string]any // string or int
}

type layer struct {
	name     string
	features []feature
}

// tileXY is the Web Mercator projection of p into tile (z, x, y)'s
// extent coordinates.
func tileXY(p orb.Point, z, x, y int) (int, int) {
	n := math.Exp2(float64(z))
	fx := (p[0] + 180) / 360 * n
	lat := p[1] * math.Pi / 180
	fy := (1 - math.Log(math.Tan(lat)+1/math.Cos(lat))/math.Pi) / 2 * n
	return int(math.Round((fx - float64(x)) * extent)), int(math.Round((fy - float64(y)) * extent))
}

func encodeTile(layers []layer, z, x, y int) []byte {
	var tile []byte
	for _, l := range layers {
		if len(l.features) == 0 {
			continue
		}
		tile = appendBytes(tile, 3, encodeLayer(l, z, x, y))
	}
	return tile
}

func encodeLayer(l layer, z, x, y int) []byte {
	keys, values := map[string]int{}, map[any]int{}
	var keyList []string
	var valList []any
	var b []byte
	b = appendVarint(b, 15, 2)
	b = appendBytes(b, 1, []byte(l.name))
	for _, f := range l.features {
		var tags []uint64
		names := make([]string, 0, len(f.props))
		for k := range f.props {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			v := f.props[k]
			ki, ok := keys[k]
			if !ok {
				ki = len(keyList)
				keys[k] = ki
				keyList = append(keyList, k)
			}
			vi, ok := values[v]
			if !ok {
				vi = len(valList)
				values[v] = vi
				valList = append(valList, v)
			}
			tags = append(tags, uint64(ki), uint64(vi))
		}
		typ, geom := encodeGeometry(f.geom, z, x, y)
		var fb []byte
		fb = appendPacked(fb, 2, tags)
		fb = appendVarint(fb, 3, typ)
		fb = appendPacked(fb, 4, geom)
		b = appendBytes(b, 2, fb)
	}
	for _, k := range keyList {
		b = appendBytes(b, 3, []byte(k))
	}
	for _, v := range valList {
		var vb []byte
		switch v := v.(type) {
		case string:
			vb = appendBytes(vb, 1, []byte(v))
		case int:
			vb = appendVarint(vb, 5, uint64(max(v, 0))) // uint_value: the demo has no negative numbers
		}
		b = appendBytes(b, 4, vb)
	}
	b = appendVarint(b, 5, extent)
	return b
}

// encodeGeometry writes the command stream: MoveTo(1), LineTo(2),
// ClosePath(7), with zigzag deltas from a cursor that carries over.
func encodeGeometry(g orb.Geometry, z, x, y int) (uint64, []uint64) {
	var out []uint64
	cx, cy := 0, 0
	cmd := func(id, count int) uint64 { return uint64(id&7 | count<<3) }
	path := func(pts []orb.Point, closed bool) {
		if closed && len(pts) > 1 && pts[0] == pts[len(pts)-1] {
			pts = pts[:len(pts)-1]
		}
		for i, p := range pts {
			px, py := tileXY(p, z, x, y)
			if i == 0 {
				out = append(out, cmd(1, 1))
			} else if i == 1 {
				out = append(out, cmd(2, len(pts)-1))
			}
			out = append(out, zig(px-cx), zig(py-cy))
			cx, cy = px, py
		}
		if closed {
			out = append(out, cmd(7, 1))
		}
	}
	switch g := g.(type) {
	case orb.Point:
		px, py := tileXY(g, z, x, y)
		return 1, []uint64{cmd(1, 1), zig(px), zig(py)}
	case orb.LineString:
		path(g, false)
		return 2, out
	case orb.Polygon:
		for i, r := range g {
			// MVT wants exterior rings clockwise in screen space (y down),
			// that is counter-clockwise on the map, and holes the other way
			if (i == 0) != (r.Orientation() == orb.CCW) {
				r = reversed(r)
			}
			path(r, true)
		}
		return 3, out
	}
	return 0, nil
}

func reversed(r orb.Ring) orb.Ring {
	out := make(orb.Ring, len(r))
	for i, p := range r {
		out[len(r)-1-i] = p
	}
	return out
}

func zig(v int) uint64 { return uint64((v << 1) ^ (v >> 63)) }

func appendVarint(b []byte, field int, v uint64) []byte {
	b = appendUvarint(b, uint64(field<<3))
	return appendUvarint(b, v)
}

func appendBytes(b []byte, field int, p []byte) []byte {
	b = appendUvarint(b, uint64(field<<3|2))
	b = appendUvarint(b, uint64(len(p)))
	return append(b, p...)
}

func appendPacked(b []byte, field int, vs []uint64) []byte {
	var p []byte
	for _, v := range vs {
		p = appendUvarint(p, v)
	}
	return appendBytes(b, field, p)
}

func appendUvarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}
