package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"radiogw/gateway/testsvc"
)

// noisyFloat is a number with float noise in it: 45.675000000000004.
var noisyFloat = regexp.MustCompile(`-?\d+\.\d{8,}[,}\]\s]`) // a JSON number, not a time string

// What a new user sees in the first minutes, through the binary: numbers
// without float noise, no 0001-01-01 times, a parked unit that does not grow
// its trail every report, chatter counted apart from decode errors, and
// emergencies that name the unit.
func TestFirstRunDetails(t *testing.T) {
	consolePort := testsvc.FreeUDPPort(t)
	s := newSite(t)
	s.extra = fmt.Sprintf(`
source "udp" "console" {
  listen  = "127.0.0.1:%d"
  codec   = "lines"
  profile = "mdc1200-app-rpt"
  channel = "tac2"
}

channel "tac2" {
  freq       = 460125000
  signalling = "mdc1200"
}
`, consolePort)
	s.write(t)
	s.start(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", s.httpPort)
	avl := map[string]string{"source": "avl"}

	fams := opsScrape(t, s.httpPort)
	if v := opsValue(fams, "radiogw_frames_ignored_total", avl); v != 0 {
		t.Errorf("radiogw_frames_ignored_total{source=avl} = %v at start, want present at 0", v)
	}

	// -117.81465 from NMEA minutes is -117.81465000000001 in binary, and
	// 12.5 knots is 23.150000000000002 km/h.
	sub := subscribe(t, fmt.Sprintf("127.0.0.1:%d", s.mqttPort), "radiogw/test/units/+")
	start := time.Now().Add(-30 * time.Second)
	for i := range 10 { // parked: the same spot every 2 s
		sendUDP(t, s.udpPort, rmc("4521", start.Add(time.Duration(2*i)*time.Second), 33.762025, -117.81465))
	}
	payload := sub.waitTopic(t, "radiogw/test/units/2A12", 10*time.Second, func(b []byte) bool {
		u := decodeUnit(t, b)
		return u.Position != nil && u.Position.FixTime.Equal(start.Add(18*time.Second).Truncate(10*time.Millisecond))
	})
	api := httpGet(t, base+"/api/v1/units/2A12")
	for what, doc := range map[string]string{"MQTT unit payload": string(payload), "GET /api/v1/units/2A12": api} {
		if m := noisyFloat.FindString(doc); m != "" {
			t.Errorf("%s carries float noise %s: %s", what, m, doc)
		}
		if !strings.Contains(doc, `"lon":-117.81465,`) {
			t.Errorf("%s: longitude is not -117.81465: %s", what, doc)
		}
	}
	track := httpGet(t, base+"/api/v1/units/2A12/track")
	if n := strings.Count(track, `"lat"`); n != 1 {
		t.Errorf("a unit parked for 18 s has %d breadcrumbs, want 1: %s", n, track)
	}
	if m := noisyFloat.FindString(track); m != "" {
		t.Errorf("track carries float noise %s: %s", m, track)
	}

	// GSV is chatter, not an error.
	sendUDP(t, s.udpPort, "$GPGSV,3,1,10,32,86,204,,24,84,113,,11,73,162,,20,54,245,16*7C")
	fams = opsWaitMetric(t, s.httpPort, "radiogw_frames_ignored_total", avl, 10*time.Second, func(v float64) bool { return v == 1 })
	if v := opsValue(fams, "radiogw_decode_errors_total", map[string]string{"source": "avl", "reason": "ignored"}); v != -1 {
		t.Errorf(`radiogw_decode_errors_total{source="avl",reason="ignored"} = %v, want no such series`, v)
	}

	// An emergency names its unit in the API and in radiogw status.
	sendUDP(t, consolePort, "E1201")
	var ems string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ems = httpGet(t, base+"/api/v1/emergencies"); strings.Contains(ems, `"radio_id"`) {
			break
		}
	}
	for _, want := range []string{`"unit": "2A12"`, `"unit_alpha_tag": "2A12 Patrol"`, `"radio_id": "1201"`} {
		if !strings.Contains(ems, want) {
			t.Errorf("GET /api/v1/emergencies lacks %s: %s", want, ems)
		}
	}
	out, code := runCLI(t, "status", "-addr", base)
	if code != 0 || !strings.Contains(out, "2A12 (radio 1201)") {
		t.Errorf("radiogw status (exit %d) does not name the unit:\n%s", code, out)
	}
	for _, path := range []string{"/api/v1/emergencies", "/api/v1/status", "/api/v1/channels", "/api/v1/units"} {
		if doc := httpGet(t, base+path); strings.Contains(doc, "0001-01-01") {
			t.Errorf("GET %s carries a zero time: %s", path, doc)
		}
	}
	sub.mu.Lock()
	for topic, b := range sub.last {
		if strings.Contains(string(b), "0001-01-01") || noisyFloat.Match(b) {
			t.Errorf("%s: %s", topic, b)
		}
	}
	sub.mu.Unlock()
}

// A serial device missing at startup is information (a USB adapter still
// being enumerated, the demo's simulator still starting); still missing 30 s
// later it is a warning, once.
func TestSerialDeviceMissingAtStartup(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	device := filepath.Join(s.dir, "usb-console1")
	s.extra = fmt.Sprintf(`
source "serial" "console1" {
  device  = %q
  baud    = 9600
  codec   = "lines"
  profile = "mdc1200-app-rpt"
}
`, device)
	s.write(t)
	p := s.start(t)
	p.WaitOutput(t, `level=INFO msg="serial device not present yet; retrying" source=console1`, 10*time.Second)
	time.Sleep(20 * time.Second)
	if strings.Contains(p.Output(), "level=WARN") {
		t.Fatalf("warned within 20 s of startup:\n%s", p.Output())
	}
	p.WaitOutput(t, `level=WARN msg="source down" source=console1`, 20*time.Second)
	if n := strings.Count(p.Output(), "level=WARN"); n != 1 {
		t.Errorf("%d warnings for one missing device, want 1:\n%s", n, p.Output())
	}
}
