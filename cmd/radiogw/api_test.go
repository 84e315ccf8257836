package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"radiogw/gateway/testsvc"
)

// Nearest units to an incident, filtered by status, and a unit's breadcrumbs.
func TestNearestAndTrackAPI(t *testing.T) {
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

status_table "agency" {
  codes = {
    "1" = "available"
    "3" = "on_scene"
  }
}

unit "2A13" {
  radio_ids = ["1202"]
  avl_ids   = ["4522"]
}

unit "2A14" {
  radio_ids = ["1203"]
  avl_ids   = ["4523"]
}
`, consolePort)
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
