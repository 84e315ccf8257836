package democity

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the committed demo map files")

var files = map[string]func() []byte{
	"streets.geojson": StreetsGeoJSON,
	"demo.pmtiles":    PMTiles,
}

// The demo's map files are made by this package; the committed copies
// must be what it makes.
func TestCommittedFilesAreGenerated(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "hcl", "examples", "demo", "geo")
	for name, gen := range files {
		want := gen()
		path := filepath.Join(dir, name)
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (make it with: go test ./gateway/sim/democity -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output: go test ./gateway/sim/democity -update", path)
		}
	}
}

// Tile IDs from the PMTiles v3 specification's examples.
func TestTileIDs(t *testing.T) {
	for _, c := range []struct {
		z, x, y int
		id      uint64
	}{{0, 0, 0, 0}, {1, 0, 0, 1}, {1, 0, 1, 2}, {1, 1, 1, 3}, {1, 1, 0, 4}, {2, 0, 0, 5}, {12, 3423, 1763, 19078479}} {
		if got := zxyToID(c.z, c.x, c.y); got != c.id {
			t.Errorf("zxyToID(%d,%d,%d) = %d, want %d", c.z, c.x, c.y, got, c.id)
		}
	}
}

func TestStreetsFormAGrid(t *testing.T) {
	var major int
	for _, s := range Streets() {
		if s.Kind == "major_road" {
			major++
		}
		if len(s.Line) < 10 {
			t.Errorf("%s has %d vertices", s.Name, len(s.Line))
		}
	}
	if major < 4 {
		t.Errorf("%d arterials", major)
	}
}
