package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"radiogw/gateway/testsvc"
)

// Nearest units to an incident, filtered by status, and a unit's breadcrumbs.
func TestNearestAndTrackAPI(t *testing.T) {
	s, consolePort := statusTableSite(t, `
  codes = {
    "1" = "available"
    "3" = "on_scene"
  }
`)
	s.write(t)
	s.start(t)
	sub := subscribe(t, fmt.Sprintf("127.0.0.1:%d", s.mqttPort), "radiogw/test/units/#")
	now := time.Now().Add(-30 * time.Second)
	// Incident at 33.7000,-117.8000: 2A12 is ~111 m away, 2A13 ~1.1 km,
	// 2A14 ~11 km.
	sendUDP(t, s.udpPort,
		rmc("4521", now, 33.7010, -117.8),
		rmc("4522", now, 33.7100, -117.8),
		rmc("4523", now, 33.8000, -117.8))
	sendUDP(t, consolePort, "S1201-3", "S1202-1", "S1203-1")
	for _, u := range []string{"2A12", "2A13", "2A14"} {
		sub.waitTopic(t, "radiogw/test/units/"+u, 10*time.Second, func(b []byte) bool {
			return strings.Contains(string(b), `"status":"`)
		})
	}
	var res struct {
		Units []struct {
			Unit      string  `json:"unit"`
			Status    string  `json:"status"`
			DistanceM float64 `json:"distance_m"`
		} `json:"units"`
	}
	body := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/api/v1/nearest?lat=33.7&lon=-117.8&status=available&n=5", s.httpPort))
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if len(res.Units) != 2 || res.Units[0].Unit != "2A13" || res.Units[1].Unit != "2A14" {
		t.Fatalf("nearest available = %s; want 2A13 then 2A14 (2A12 is on scene)", body)
	}
	if d := res.Units[0].DistanceM; d < 1000 || d > 1250 {
		t.Errorf("2A13 distance %.0f m, want about 1112 m", d)
	}
	if code := getStatus(t, fmt.Sprintf("http://127.0.0.1:%d/api/v1/nearest?lat=95&lon=0", s.httpPort)); code != 400 {
		t.Errorf("out-of-range latitude: HTTP %d, want 400", code)
	}

	sendUDP(t, s.udpPort, rmc("4521", now.Add(10*time.Second), 33.7011, -117.8))
	sub.waitTopic(t, "radiogw/test/units/2A12", 10*time.Second, positionAt(33.7011, -117.8))
	var track struct {
		Unit   string `json:"unit"`
		Points []struct{ Lat, Lon float64 }
	}
	body = httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/api/v1/units/2A12/track", s.httpPort))
	json.Unmarshal([]byte(body), &track)
	if len(track.Points) != 2 || !near(track.Points[0].Lat, 33.7010) || !near(track.Points[1].Lat, 33.7011) {
		t.Errorf("track = %s", body)
	}
	if code := getStatus(t, fmt.Sprintf("http://127.0.0.1:%d/api/v1/units/NOPE/track", s.httpPort)); code != 404 {
		t.Errorf("unknown unit track: HTTP %d, want 404", code)
	}
}

// pprof behind its flag: the profiling routes and the wall map coexist.
func TestPprofFlag(t *testing.T) {
	s := newSite(t)
	s.write(t)
	cfg := strings.Replace(mustRead(t, s.config), "http {\n", "http {\n  pprof = true\n", 1)
	if err := os.WriteFile(s.config, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	s.start(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", s.httpPort)
	if !strings.Contains(httpGet(t, base+"/debug/pprof/"), "goroutine") {
		t.Error("no pprof index")
	}
	if code := getStatus(t, base+"/"); code != 200 {
		t.Errorf("wall map: HTTP %d", code)
	}
}

// statusTableSite is a site with units 2A13 and 2A14 and a console on tac1
// whose status codes read through status_table "agency" (agency is its
// body); it returns the console's port.
func statusTableSite(t *testing.T, agency string) (*site, int) {
	t.Helper()
	s := newSite(t)
	consolePort := testsvc.FreeUDPPort(t)
	s.extra = fmt.Sprintf(`
source "udp" "console" {
  listen  = "127.0.0.1:%d"
  codec   = "lines"
  profile = "mdc1200-app-rpt"
  channel = "tac1"
}

channel "tac1" {
  status_table = "agency"
}

status_table "agency" {%s}

unit "2A13" {
  radio_ids = ["1202"]
  avl_ids   = ["4522"]
}

unit "2A14" {
  radio_ids = ["1203"]
  avl_ids   = ["4523"]
}
`, consolePort, agency)
	return s, consolePort
}

// The APCO status preset through the binary: MDC-1200 status codes from a
// console become APCO's words (10-8 in_service, 10-33 emergency), a site's
// own code and category override the preset, /config.json hands the wall
// map every word's colour category, and "nearest available" takes every
// word in the available category. An unknown preset fails radiogw check.
func TestStatusPresetAPCO(t *testing.T) {
	s, consolePort := statusTableSite(t, `
  preset     = "apco"
  codes      = { "3" = "at_station" }
  categories = { at_station = "available" }
`)
	s.write(t)

	bad := t.TempDir() + "/radiogw.hcl"
	os.WriteFile(bad, []byte("site = \"test\"\nstatus_table \"x\" {\n  preset = \"apcoo\"\n}\n"), 0o600)
	if out, err := exec.Command(binary, "check", "-config", bad).CombinedOutput(); err == nil ||
		!strings.Contains(string(out), `preset "apcoo" does not exist; the presets are: apco`) {
		t.Errorf("check with an unknown preset: %v\n%s", err, out)
	}

	s.start(t)
	sub := subscribe(t, fmt.Sprintf("127.0.0.1:%d", s.mqttPort), "radiogw/test/units/#")
	now := time.Now().Add(-30 * time.Second)
	sendUDP(t, s.udpPort, rmc("4521", now, 33.7010, -117.8), rmc("4522", now, 33.7100, -117.8), rmc("4523", now, 33.8000, -117.8))
	sendUDP(t, consolePort, "S1201-8", "S1202-33", "S1203-3")
	for unit, word := range map[string]string{"2A12": "in_service", "2A13": "emergency", "2A14": "at_station"} {
		sub.waitTopic(t, "radiogw/test/units/"+unit, 10*time.Second, func(b []byte) bool {
			return strings.Contains(string(b), `"status":"`+word+`"`)
		})
	}
	var page struct {
		Categories map[string]string `json:"status_categories"`
	}
	if err := json.Unmarshal([]byte(httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/config.json", s.httpPort))), &page); err != nil ||
		page.Categories["in_service"] != "available" || page.Categories["emergency"] != "emergency" ||
		page.Categories["at_station"] != "available" || page.Categories["out_of_service"] != "oos" {
		t.Errorf("config.json status_categories = %v (%v)", page.Categories, err)
	}
	var res struct {
		Units []struct{ Unit, Status string } `json:"units"`
	}
	body := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/api/v1/nearest?lat=33.7&lon=-117.8&status=available&n=5", s.httpPort))
	json.Unmarshal([]byte(body), &res)
	if len(res.Units) != 2 || res.Units[0].Unit != "2A12" || res.Units[1].Unit != "2A14" {
		t.Errorf("nearest available = %s; want 2A12 (in_service) then 2A14 (at_station), not 2A13 (emergency)", body)
	}
}
