package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"radiogw/gateway/publish/influx/influxtest"
)

// gpxSchema is the GPX 1.1 schema shipped for offline validation
// (testdata/xsd/README.md gives its provenance).
var gpxSchema = filepath.Join("..", "..", "testdata", "xsd", "gpx-1.1.xsd")

// xmllint validates doc against schema ("" checks well-formedness only).
func xmllint(t *testing.T, doc []byte, schema string) error {
	t.Helper()
	f := filepath.Join(t.TempDir(), "doc.xml")
	os.WriteFile(f, doc, 0o644)
	args := []string{"--noout", "--nonet"}
	if schema != "" {
		args = append(args, "--schema", schema)
	}
	out, err := exec.Command("xmllint", append(args, f)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("xmllint: %v: %s", err, out)
	}
	return nil
}

// checkGeoJSON applies RFC 7946 to a FeatureCollection: members "type" and
// "features" (§3.3); each Feature has "geometry" and "properties" (§3.2);
// Point/LineString coordinates are positions of two or three numbers,
// longitude first, within WGS84 bounds (§3.1.1, §4); a LineString has two or
// more positions (§3.1.4); no "crs" member (§4). It returns the positions.
func checkGeoJSON(doc []byte) ([][]float64, error) {
	var fc map[string]json.RawMessage
	if err := json.Unmarshal(doc, &fc); err != nil {
		return nil, fmt.Errorf("not a JSON object: %v", err)
	}
	if string(fc["type"]) != `"FeatureCollection"` || fc["features"] == nil {
		return nil, fmt.Errorf("not a FeatureCollection with features")
	}
	if _, ok := fc["crs"]; ok {
		return nil, fmt.Errorf("crs member (removed in RFC 7946)")
	}
	var features []map[string]json.RawMessage
	if err := json.Unmarshal(fc["features"], &features); err != nil {
		return nil, fmt.Errorf("features: %v", err)
	}
	var all [][]float64
	for _, f := range features {
		if string(f["type"]) != `"Feature"` || f["geometry"] == nil || f["properties"] == nil {
			return nil, fmt.Errorf("feature without type, geometry or properties")
		}
		var g struct {
			Type        string          `json:"type"`
			Coordinates json.RawMessage `json:"coordinates"`
		}
		if err := json.Unmarshal(f["geometry"], &g); err != nil {
			return nil, err
		}
		var pos [][]float64
		switch g.Type {
		case "Point":
			var p []float64
			if err := json.Unmarshal(g.Coordinates, &p); err != nil {
				return nil, err
			}
			pos = [][]float64{p}
		case "LineString":
			if err := json.Unmarshal(g.Coordinates, &pos); err != nil {
				return nil, err
			}
			if len(pos) < 2 {
				return nil, fmt.Errorf("LineString with %d positions", len(pos))
			}
		default:
			return nil, fmt.Errorf("unexpected geometry %q", g.Type)
		}
		for _, p := range pos {
			if len(p) < 2 || len(p) > 3 || p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90 {
				return nil, fmt.Errorf("bad position %v", p)
			}
		}
		all = append(all, pos...)
	}
	return all, nil
}

func httpGetStatus(t *testing.T, u string) (int, []byte, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header.Get("Content-Type")
}

// sendTrack sends n fixes of 2A12 (modem 4521), one a second, ending a
// minute ago: RMC and GGA alternately, so some carry an altitude and HDOP.
func sendTrack(t *testing.T, port, n int) (first, last time.Time) {
	t.Helper()
	first = time.Now().Add(-time.Minute - time.Duration(n)*time.Second).Truncate(time.Second)
	for i := 0; i < n; i++ {
		at := first.Add(time.Duration(i) * time.Second)
		lat, lon := 33.7+float64(i)*0.0002, -117.8-float64(i)*0.0001
		line := rmc("4521", at, lat, lon)
		if i%2 == 1 {
			line = gga("4521", at, lat, lon, 0.9)
		}
		sendUDP(t, port, line)
	}
	return first, first.Add(time.Duration(n-1) * time.Second)
}

// checkExports fetches the track in every format over HTTP and validates
// each: GPX against its XSD, GeoJSON per RFC 7946, KML well-formed; each
// holds the n fixes sent.
func checkExports(t *testing.T, httpPort, n int, from, to time.Time) {
	t.Helper()
	base := fmt.Sprintf("http://127.0.0.1:%d/api/v1/units/2A12/track?", httpPort)
	q := url.Values{"from": {from.Add(-time.Second).UTC().Format(time.RFC3339)}, "to": {to.Add(time.Second).UTC().Format(time.RFC3339)}}
	q.Set("format", "gpx")
	code, gpx, ctype := httpGetStatus(t, base+q.Encode())
	if code != 200 || ctype != "application/gpx+xml" {
		t.Fatalf("gpx: %d %s: %s", code, ctype, gpx)
	}
	if err := xmllint(t, gpx, gpxSchema); err != nil {
		t.Errorf("GPX export does not validate: %v\n%s", err, gpx)
	}
	if got := strings.Count(string(gpx), "<trkpt "); got != n {
		t.Errorf("GPX has %d trkpt, want %d", got, n)
	}
	if !strings.Contains(string(gpx), "<ele>45</ele>") || !strings.Contains(string(gpx), "<hdop>0.9</hdop>") {
		t.Errorf("GPX lacks the GGA's altitude or HDOP:\n%s", gpx)
	}
	q.Set("format", "geojson")
	code, gj, ctype := httpGetStatus(t, base+q.Encode())
	if code != 200 || ctype != "application/geo+json" {
		t.Fatalf("geojson: %d %s: %s", code, ctype, gj)
	}
	pos, err := checkGeoJSON(gj)
	if err != nil {
		t.Fatalf("GeoJSON export breaks RFC 7946: %v\n%s", err, gj)
	}
	if len(pos) != n || !near(pos[0][1], 33.7) || !near(pos[0][0], -117.8) {
		t.Errorf("GeoJSON positions %v; want %d starting at [-117.8, 33.7]", pos, n)
	}
	q.Set("format", "kml")
	code, kml, _ := httpGetStatus(t, base+q.Encode())
	if code != 200 || xmllint(t, kml, "") != nil || strings.Count(string(kml), ",33.7") != n {
		t.Errorf("kml: %d, %v\n%s", code, xmllint(t, kml, ""), kml)
	}
	// Bad queries are refused with a reason and counted.
	for _, bad := range []string{"format=shp", "format=gpx&from=yesterday", "format=gpx&from=2026-01-01T00:00:00Z&to=2025-01-01T00:00:00Z",
		"format=gpx&from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z"} {
		if code, body, _ := httpGetStatus(t, base+bad); code != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", bad, code, body)
		}
	}
	if v := metricValue(t, httpPort, `radiogw_track_exports_total{format="gpx",result="bad_query"}`); v != 3 {
		t.Errorf("bad_query gpx exports counted %v, want 3", v)
	}
	if v := metricValue(t, httpPort, `radiogw_track_exports_total{format="geojson",result="ok"}`); v != 1 {
		t.Errorf("ok geojson exports counted %v, want 1", v)
	}
}

// Without InfluxDB the track comes from the outbox: over HTTP while running,
// and from `radiogw export -unit` after a stop.
func TestTrackExportFromOutbox(t *testing.T) {
	s := newSite(t)
	s.write(t)
	p := s.start(t)
	const n = 12
	first, last := sendTrack(t, s.udpPort, n)
	deadline := time.Now().Add(10 * time.Second)
	for metricValue(t, s.httpPort, `radiogw_observations_total{kind="fix"}`) < n && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	checkExports(t, s.httpPort, n, first, last)

	p.Cmd.Process.Signal(syscall.SIGTERM)
	p.Wait(t, 30*time.Second)
	out := filepath.Join(t.TempDir(), "2A12.gpx")
	msg, code := runCLI(t, "export", "-config", s.config, "-unit", "2A12", "-format", "gpx",
		"-from", first.Add(-time.Second).UTC().Format(time.RFC3339), "-o", out)
	if code != 0 {
		t.Fatalf("export -unit: exit %d: %s", code, msg)
	}
	doc, _ := os.ReadFile(out)
	if err := xmllint(t, doc, gpxSchema); err != nil || strings.Count(string(doc), "<trkpt ") != n {
		t.Errorf("exported GPX: %v, %d points\n%s", err, strings.Count(string(doc), "<trkpt "), doc)
	}
	if msg, code := runCLI(t, "export", "-config", s.config, "-unit", "2A12", "-format", "shp"); code == 0 {
		t.Errorf("export -format shp: exit 0: %s", msg)
	}
}

// With InfluxDB the track comes from a real influxd, filled by the binary.
func TestTrackExportFromInflux(t *testing.T) {
	db := influxtest.Start(t, "radiogw")
	s := newSite(t)
	s.extra = fmt.Sprintf("\ninflux {\n  url         = %q\n  bucket      = \"radiogw/autogen\"\n  flush_every = \"200ms\"\n}\n", db.URL)
	s.write(t)
	p := s.start(t)
	const n = 10
	first, last := sendTrack(t, s.udpPort, n)
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, _ := db.Count("unit_position", "lat")
		if c >= n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("influxd has %d positions, want %d", c, n)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The outbox is drained: what comes back is read from influxd.
	checkExports(t, s.httpPort, n, first, last)
	msg, code := runCLI(t, "export", "-config", s.config, "-unit", "2A12", "-format", "geojson",
		"-from", first.Add(-time.Second).UTC().Format(time.RFC3339))
	if code != 0 {
		t.Fatalf("export -unit from influx: exit %d: %s", code, msg)
	}
	doc := msg[:strings.LastIndex(msg, "}")+1]
	if pos, err := checkGeoJSON([]byte(doc)); err != nil || len(pos) != n {
		t.Errorf("exported GeoJSON from influxd: %v, %d positions\n%s", err, len(pos), msg)
	}
	// influxd gone: a clear error, not an empty track.
	db.Stop()
	q := url.Values{"format": {"gpx"}, "from": {first.UTC().Format(time.RFC3339)}}
	if code, body, _ := httpGetStatus(t, fmt.Sprintf("http://127.0.0.1:%d/api/v1/units/2A12/track?%s", s.httpPort, q.Encode())); code != http.StatusBadGateway {
		t.Errorf("influxd down: %d %s, want 502", code, body)
	}
	p.Cmd.Process.Signal(syscall.SIGTERM)
	p.Wait(t, 30*time.Second)
}
