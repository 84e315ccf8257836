package wallmap

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

var city = []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Tustin"},
"geometry":{"type":"Polygon","coordinates":[[[-117.86,33.72],[-117.80,33.72],[-117.80,33.78],[-117.86,33.78],[-117.86,33.72]]]}}]}`)

var beats = []byte(`{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"name":"B1"},"geometry":{"type":"Polygon","coordinates":[[[-117.86,33.72],[-117.83,33.72],[-117.83,33.78],[-117.86,33.78],[-117.86,33.72]]]}},
{"type":"Feature","properties":{"name":"B2"},"geometry":{"type":"Polygon","coordinates":[[[-117.83,33.72],[-117.80,33.72],[-117.80,33.78],[-117.83,33.78],[-117.83,33.72]]]}}]}`)

func testConfig() Config {
	return Config{
		Site: "tustin", TopicRoot: "radiogw/test/", WebSocketURL: "ws://127.0.0.1:9001",
		Geofences: []GeoJSONFile{{Name: "city", Kind: "boundary", Data: city}, {Name: "beats 1", Kind: "beat", Data: beats}},
		Username:  "display", Password: "wall",
		Overlays: []Overlay{{Name: "hydrants", Color: "#e04040", Width: 3, Label: "name",
			Data: []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"H-1"},"geometry":{"type":"Point","coordinates":[-117.835,33.75]}}]}`)}},
	}
}

// The basemap is served from its file with range requests: the PMTiles
// reader asks for the header, then directories and tiles by range.
func TestHandlerServesBasemapRanges(t *testing.T) {
	cfg := testConfig()
	cfg.Basemap = "../../hcl/examples/demo/geo/demo.pmtiles"
	srv := httptest.NewServer(Handler(cfg))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/basemap.pmtiles", nil)
	req.Header.Set("Range", "bytes=0-6")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != http.StatusPartialContent || string(b) != "PMTiles" {
		t.Errorf("range: %d %q", r.StatusCode, b)
	}
	_, _, body := get(t, srv, "/config.json")
	if !strings.Contains(body, `"basemap_url":"basemap.pmtiles"`) || !strings.Contains(body, `"overlays":[{"name":"hydrants"`) {
		t.Errorf("config.json: %s", body)
	}
	cfg.Basemap = "/nonexistent.pmtiles"
	srv2 := httptest.NewServer(Handler(cfg))
	defer srv2.Close()
	if code, _, _ := get(t, srv2, "/basemap.pmtiles"); code != http.StatusServiceUnavailable {
		t.Errorf("missing basemap file: %d, want 503", code)
	}
}

func get(t *testing.T, srv *httptest.Server, path string) (int, string, string) {
	t.Helper()
	r, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return r.StatusCode, r.Header.Get("Content-Type"), string(b)
}

func TestHandlerServesPageAssetsConfigAndGeofences(t *testing.T) {
	srv := httptest.NewServer(Handler(testConfig()))
	defer srv.Close()

	for path, want := range map[string]string{
		"/":                            `<script type="module" src="app.js">`,
		"/app.js":                      "commands/emergency_ack",
		"/style.css":                   "@keyframes lgflash",
		"/vendor/maplibre-gl.mjs":      "MapLibre GL JS",
		"/vendor/pmtiles.js":           "pmtiles",
		"/overlays/hydrants.geojson":   `"H-1"`,
		"/vendor/mqtt.min.js":          "mqtt",
		"/vendor/mqtt.LICENSE.md":      "MIT License",
		"/geofences/city.geojson":      `"Tustin"`,
		"/geofences/beats%201.geojson": `"B2"`,
	} {
		code, _, body := get(t, srv, path)
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("GET %s: %d, body lacks %q", path, code, want)
		}
	}
	for _, path := range []string{"/geofences/nope.geojson", "/geofences/city.json", "/secret", "/static/app.js", "/basemap.pmtiles", "/overlays/nope.geojson"} {
		if code, _, _ := get(t, srv, path); code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, code)
		}
	}

	code, ctype, body := get(t, srv, "/config.json")
	if code != http.StatusOK || ctype != "application/json" {
		t.Fatalf("config.json: %d %s", code, ctype)
	}
	var pc pageConfig
	if err := json.Unmarshal([]byte(body), &pc); err != nil {
		t.Fatal(err)
	}
	if pc.Site != "tustin" || pc.TopicRoot != "radiogw/test" || pc.WebSocketURL != "ws://127.0.0.1:9001" ||
		pc.Username != "display" || len(pc.Geofences) != 2 || pc.Geofences[1].URL != "geofences/beats%201.geojson" ||
		pc.Geofences[0].Kind != "boundary" {
		t.Errorf("config.json: %+v", pc)
	}
	if strings.Contains(body, "tile_url") {
		t.Errorf("config.json names a tile URL that was not configured: %s", body)
	}
}

// The page must work when mounted under a prefix (radiogw serves it at /map/).
func TestHandlerUnderPrefix(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/map/", http.StripPrefix("/map", Handler(testConfig())))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	_, _, page := get(t, srv, "/map/")
	if strings.Contains(page, `src="/`) || strings.Contains(page, `href="/`) {
		t.Errorf("page uses absolute asset links, which break under a prefix")
	}
	if code, _, _ := get(t, srv, "/map/app.js"); code != http.StatusOK {
		t.Errorf("app.js under /map/: %d", code)
	}
}
