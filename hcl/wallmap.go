package hcl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

// Defaults of a wallmap overlay.
const (
	DefaultOverlayColor = "#8fa3bf"
	DefaultOverlayWidth = 2.0
)

var hexColor = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

func (b *builder) buildWallMap(r *rawWallMap) {
	if r == nil {
		return
	}
	w := WallMap{TileURL: str(r.TileURL, ""), Region: boolean(r.Region, false)}
	if r.Basemap != nil && *r.Basemap != "" {
		w.Basemap = b.relPath(*r.Basemap, r.BasemapRange)
		if err := checkPMTiles(w.Basemap); err != nil {
			b.d.add(r.BasemapRange, "Bad basemap file", "basemap %q %s.", *r.Basemap, err)
		}
	}
	if u := w.TileURL; u != "" {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "/") ||
			!strings.Contains(u, "{z}") || !strings.Contains(u, "{x}") || !strings.Contains(u, "{y}") {
			b.d.add(r.TileURLRange, "Invalid tile_url",
				"%q must be an http(s):// URL or an absolute path with {z}, {x} and {y}, e.g. \"https://tiles.example/{z}/{x}/{y}.png\".", u)
		}
	}
	seen := map[string]bool{}
	for _, o := range r.Overlays {
		b.d.validName("overlay", o.Name, o.NameRange)
		if seen[o.Name] {
			b.d.add(o.NameRange, "Duplicate overlay", "overlay %q is defined twice.", o.Name)
			continue
		}
		seen[o.Name] = true
		ov := Overlay{Name: o.Name, File: b.relPath(o.File, o.FileRange), Color: str(o.Color, DefaultOverlayColor),
			Width: DefaultOverlayWidth, Label: str(o.Label, ""), Roads: boolean(o.Roads, false)}
		if !hexColor.MatchString(ov.Color) {
			b.d.add(o.ColorRange, "Invalid overlay color", "%q is not a colour like \"#8fa3bf\".", ov.Color)
		}
		if o.Width != nil {
			ov.Width = *o.Width
			if ov.Width < 0.5 || ov.Width > 20 {
				b.d.add(o.WidthRange, "Invalid overlay width", "%g is outside 0.5..20 pixels.", ov.Width)
			}
		}
		if err := checkOverlay(ov.File); err != nil {
			b.d.add(o.FileRange, "Bad overlay file", "overlay %q: file %q %s.", o.Name, o.File, err)
		}
		w.Overlays = append(w.Overlays, ov)
	}
	b.cfg.WallMap = w
}

// checkPMTiles makes sure the basemap is a PMTiles v3 archive, so a wrong
// path or an MBTiles file fails at check time, not as a blank wall.
func checkPMTiles(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return openProblem(err)
	}
	defer f.Close()
	head := make([]byte, 8)
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head[:7], []byte("PMTiles")) {
		return fmt.Errorf("is not a PMTiles archive")
	}
	if head[7] != 3 {
		return fmt.Errorf("is PMTiles version %d; radiogw reads version 3 (convert it with `pmtiles convert`)", head[7])
	}
	return nil
}

// checkOverlay makes sure an overlay is GeoJSON (a FeatureCollection, a
// Feature or a bare geometry) of bounded size.
func checkOverlay(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return openProblem(err)
	}
	defer f.Close()
	var doc struct {
		Type string `json:"type"`
	}
	if err := json.NewDecoder(io.LimitReader(f, maxGeoJSON)).Decode(&doc); err != nil {
		return fmt.Errorf("is not GeoJSON: %v", err)
	}
	switch doc.Type {
	case "FeatureCollection", "Feature", "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection":
		return nil
	}
	return fmt.Errorf("is not GeoJSON: type %q", doc.Type)
}

func openProblem(err error) error {
	if os.IsNotExist(err) {
		return fmt.Errorf("does not exist")
	}
	if os.IsPermission(err) {
		return fmt.Errorf("cannot be read: permission denied")
	}
	return fmt.Errorf("cannot be opened")
}
