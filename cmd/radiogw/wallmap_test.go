package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The binary serves the wallmap block: the PMTiles basemap answers range
// requests from the file, overlays are served and named in config.json,
// the nearest API the page's click uses answers, and a file that is not
// PMTiles is refused by radiogw check with the line that names it.
func TestWallMapBasemapThroughBinary(t *testing.T) {
	s := newSite(t)
	basemap, err := filepath.Abs(filepath.Join("..", "..", "hcl", "examples", "demo", "geo", "demo.pmtiles"))
	if err != nil {
		t.Fatal(err)
	}
	streets, _ := filepath.Abs(filepath.Join("..", "..", "hcl", "examples", "demo", "geo", "streets.geojson"))
	s.extra = fmt.Sprintf(`
wallmap {
  basemap = %q
  overlay "streets" {
    file  = %q
    color = "#c9a227"
    label = "name"
    roads = true
  }
}
`, basemap, streets)
	s.write(t)
	s.start(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", s.httpPort)

	whole, _ := os.ReadFile(basemap)
	req, _ := http.NewRequest("GET", base+"/basemap.pmtiles", nil)
	req.Header.Set("Range", "bytes=0-126")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	head, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || len(head) != 127 || string(head[:7]) != "PMTiles" ||
		resp.Header.Get("Content-Range") != fmt.Sprintf("bytes 0-126/%d", len(whole)) {
		t.Fatalf("range request: %d %q, %d bytes starting %q", resp.StatusCode, resp.Header.Get("Content-Range"), len(head), head[:min(7, len(head))])
	}
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-", len(whole)-100))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	tail, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || string(tail) != string(whole[len(whole)-100:]) {
		t.Fatalf("tail range: %d, %d bytes", resp.StatusCode, len(tail))
	}

	resp, err = http.Get(base + "/config.json")
	if err != nil {
		t.Fatal(err)
	}
	var pc struct {
		BasemapURL string `json:"basemap_url"`
		Overlays   []struct{ Name, URL, Color, Label string }
	}
	json.NewDecoder(resp.Body).Decode(&pc)
	resp.Body.Close()
	if pc.BasemapURL != "basemap.pmtiles" || len(pc.Overlays) != 1 || pc.Overlays[0].Color != "#c9a227" || pc.Overlays[0].Label != "name" {
		t.Fatalf("config.json: %+v", pc)
	}
	resp, err = http.Get(base + "/" + pc.Overlays[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Main Ave") {
		t.Fatalf("overlay: %d %.80s", resp.StatusCode, body)
	}
	for _, asset := range []string{"/vendor/maplibre-gl.mjs", "/vendor/maplibre-gl-worker.mjs", "/vendor/pmtiles.js", "/glyphs/GoBold/0-255.pbf"} {
		resp, err := http.Get(base + asset)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || (strings.HasSuffix(asset, "js") && !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript")) {
			t.Errorf("%s: %d %s", asset, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	resp, err = http.Get(base + "/api/v1/nearest?lat=33.745&lon=-117.82&n=5&status=available")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("nearest: %d", resp.StatusCode)
	}

	// radiogw check refuses a basemap that is not PMTiles
	bad := filepath.Join(s.dir, "county.mbtiles")
	os.WriteFile(bad, []byte("SQLite format 3\x00"), 0o644)
	s.extra = fmt.Sprintf("\nwallmap {\n  basemap = %q\n}\n", bad)
	s.write(t)
	out, code := runCLI(t, "check", "-config", s.config)
	if code == 0 || !strings.Contains(out, "not a PMTiles archive") || !strings.Contains(out, "radiogw.hcl line") {
		t.Errorf("check with an MBTiles basemap: exit %d, output:\n%s", code, out)
	}
}
