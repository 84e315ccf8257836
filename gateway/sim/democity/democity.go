package democity

import (
	"encoding/json"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Zoom range of the demo basemap; MapLibre overzooms past the top.
const (
	MinZoom = 10
	MaxZoom = 15
)

// StreetsGeoJSON is the street grid as a GeoJSON FeatureCollection with
// name and kind properties: the demo's "streets" overlay, and what the
// simulator's units drive on.
func StreetsGeoJSON() []byte {
	fc := geojson.NewFeatureCollection()
	for _, s := range Streets() {
		f := geojson.NewFeature(s.Line)
		f.Properties = geojson.Properties{"name": s.Name, "kind": s.Kind}
		fc.Append(f)
	}
	b, err := json.Marshal(fc)
	if err != nil {
		panic(err) // plain numbers and strings always marshal
	}
	return b
}

func rect(minX, minY, maxX, maxY float64) orb.Polygon {
	return orb.Polygon{{{minX, minY}, {maxX, minY}, {maxX, maxY}, {minX, maxY}, {minX, minY}}}
}

// lake is an irregular polygon in the city's north-east, parks are blocks.
func lake() orb.Polygon {
	c := orb.Point{-117.7935, 33.7565}
	var r orb.Ring
	for i := 0; i <= 24; i++ {
		a := float64(i%24) / 24 * 2 * math.Pi
		k := 1 + 0.18*math.Sin(3*a)
		r = append(r, orb.Point{round6(c[0] + 0.0042*k*math.Cos(a)), round6(c[1] + 0.0026*k*math.Sin(a))})
	}
	return orb.Polygon{r}
}

var parks = []orb.Polygon{
	rect(-117.8496, 33.7218, -117.8448, 33.7254),
	rect(-117.8256, 33.7434, -117.8208, 33.7470),
	rect(-117.8064, 33.7290, -117.7968, 33.7326),
}

// layers returns the demo's features in the Protomaps basemap schema
// (earth, water, landuse, roads, places), which the vendored style draws.
func layers() []layer {
	pad := 0.05
	earth := layer{name: "earth", features: []feature{{
		geom:  rect(Bound.Min[0]-pad, Bound.Min[1]-pad, Bound.Max[0]+pad, Bound.Max[1]+pad),
		props: map[string]any{"kind": "earth", "min_zoom": 0}}}}
	water := layer{name: "water", features: []feature{{geom: lake(),
		props: map[string]any{"kind": "lake", "name": "Demo Lake", "min_zoom": 0}}}}
	landuse := layer{name: "landuse"}
	for _, p := range parks {
		landuse.features = append(landuse.features, feature{geom: p, props: map[string]any{"kind": "park", "min_zoom": 0}})
	}
	roads := layer{name: "roads"}
	for _, s := range Streets() {
		roads.features = append(roads.features, feature{geom: s.Line,
			props: map[string]any{"kind": s.Kind, "kind_detail": "residential", "name": s.Name, "min_zoom": 0}})
	}
	places := layer{name: "places", features: []feature{{geom: orb.Point{-117.8225, 33.7405},
		props: map[string]any{"kind": "locality", "name": "Demo City", "min_zoom": 8, "population_rank": 9}}}}
	return []layer{earth, water, landuse, roads, places}
}

// clip keeps what a tile (with a margin) touches: the segments of a line,
// the whole of any polygon or point that touches it.
func clip(ls []layer, b orb.Bound) []layer {
	out := make([]layer, 0, len(ls))
	for _, l := range ls {
		c := layer{name: l.name}
		for _, f := range l.features {
			switch g := f.geom.(type) {
			case orb.LineString:
				var run orb.LineString
				flush := func() {
					if len(run) >= 2 {
						c.features = append(c.features, feature{geom: run, props: f.props})
					}
					run = nil
				}
				for i := 0; i+1 < len(g); i++ {
					seg := orb.LineString{g[i], g[i+1]}
					if !seg.Bound().Intersects(b) {
						flush()
						continue
					}
					if len(run) == 0 {
						run = append(run, g[i])
					}
					run = append(run, g[i+1])
				}
				flush()
			default:
				if g.Bound().Intersects(b) {
					c.features = append(c.features, f)
				}
			}
		}
		out = append(out, c)
	}
	return out
}

func tileBound(z, x, y int, margin float64) orb.Bound {
	n := math.Exp2(float64(z))
	lon := func(x float64) float64 { return x/n*360 - 180 }
	lat := func(y float64) float64 { return math.Atan(math.Sinh(math.Pi*(1-2*y/n))) * 180 / math.Pi }
	return orb.Bound{Min: orb.Point{lon(float64(x) - margin), lat(float64(y+1) + margin)},
		Max: orb.Point{lon(float64(x+1) + margin), lat(float64(y) - margin)}}
}

func tileRange(z int, b orb.Bound) (x0, y0, x1, y1 int) {
	n := math.Exp2(float64(z))
	tx := func(lon float64) int { return int(math.Floor((lon + 180) / 360 * n)) }
	ty := func(lat float64) int {
		r := lat * math.Pi / 180
		return int(math.Floor((1 - math.Log(math.Tan(r)+1/math.Cos(r))/math.Pi) / 2 * n))
	}
	return tx(b.Min[0]), ty(b.Max[1]), tx(b.Max[0]), ty(b.Min[1])
}

// PMTiles is the demo basemap: every tile from MinZoom to MaxZoom over the
// city and its surroundings, as one PMTiles v3 archive.
func PMTiles() []byte {
	all := layers()
	area := all[0].features[0].geom.Bound()
	var tiles []tile
	for z := MinZoom; z <= MaxZoom; z++ {
		x0, y0, x1, y1 := tileRange(z, area)
		for x := x0; x <= x1; x++ {
			for y := y0; y <= y1; y++ {
				ls := clip(all, tileBound(z, x, y, 0.05))
				tiles = append(tiles, tile{z, x, y, encodeTile(ls, z, x, y)})
			}
		}
	}
	c := Bound.Center()
	meta := map[string]any{
		"name": "radiogw demo city", "attribution": "radiogw demo (generated)",
		"vector_layers": []map[string]any{{"id": "earth"}, {"id": "water"}, {"id": "landuse"}, {"id": "roads"}, {"id": "places"}},
	}
	return writePMTiles(header{minZoom: MinZoom, maxZoom: MaxZoom, centerZoom: 14,
		minLon: area.Min[0], minLat: area.Min[1], maxLon: area.Max[0], maxLat: area.Max[1],
		centerLon: c[0], centerLat: c[1]}, tiles, meta)
}
