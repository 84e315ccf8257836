package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// A console on a serial port (a pseudo-terminal here) prints an MDC-1200
// emergency; a subscriber on the broker receives it with the unit's last
// known position, and an acknowledgement over HTTP latches acked_by.
func TestConsoleEmergencyOverSerial(t *testing.T) {
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatalf("open pty: %v", err)
	}
	defer master.Close()
	defer slave.Close()
	link := filepath.Join(t.TempDir(), "usb-console1")
	if err := os.Symlink(slave.Name(), link); err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(t.TempDir(), "http.token")
	os.WriteFile(tokenFile, []byte("s3cret-token\n"), 0o600)

	s := newSite(t)
	s.extra = fmt.Sprintf(`
source "serial" "console1" {
  device  = %q
  baud    = 9600
  codec   = "lines"
  profile = "mdc1200-app-rpt"
  channel = "tac2"
}

channel "tac2" {
  freq       = 460125000
  signalling = "mdc1200"
}
`, link)
	s.write(t)
	cfg := strings.Replace(mustRead(t, s.config), "http {\n", fmt.Sprintf("http {\n  token_file = %q\n", tokenFile), 1)
	os.WriteFile(s.config, []byte(cfg), 0o644)
	p := s.start(t)
	p.WaitOutput(t, `source up" source=console1`, 10*time.Second)
	sub := subscribe(t, fmt.Sprintf("127.0.0.1:%d", s.mqttPort), "radiogw/test/#")

	sendUDP(t, s.udpPort, rmc("4521", time.Now(), 33.74562, -117.82311))
	sub.waitTopic(t, "radiogw/test/units/2A12", 10*time.Second, positionAt(33.74562, -117.82311))

	written := time.Now()
	if _, err := master.Write([]byte("E1201\r\n")); err != nil {
		t.Fatal(err)
	}
	b := sub.waitTopic(t, "radiogw/test/events/emergency", 10*time.Second, func([]byte) bool { return true })
	t.Logf("console line to subscriber: %v (measured with the race detector on; see docs/BENCHMARKS.md)", time.Since(written))
	var ev struct {
		ID       string `json:"id"`
		Unit     string `json:"unit"`
		Channel  string `json:"channel"`
		Emerg    string `json:"emergency_id"`
		Position *struct{ Lat, Lon float64 }
		FixAgeS  *float64 `json:"fix_age_s"`
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Unit != "2A12" || ev.Channel != "tac2" || ev.Emerg == "" {
		t.Errorf("emergency event %s", b)
	}
	if ev.Position == nil || !near(ev.Position.Lat, 33.74562) || ev.FixAgeS == nil {
		t.Errorf("emergency lacks the unit's last position and its age: %s", b)
	}
	sub.waitTopic(t, "radiogw/test/units/2A12", 5*time.Second, func(b []byte) bool {
		return strings.Contains(string(b), `"emergency":{"id":"`+ev.Emerg+`"`)
	})

	// Unauthenticated acks are refused; the right token acks, once.
	ackURL := fmt.Sprintf("http://127.0.0.1:%d/api/v1/emergencies/%s/ack", s.httpPort, ev.Emerg)
	if code := post(t, ackURL, "", `{"by":"disp4"}`); code != 401 {
		t.Errorf("ack without token: HTTP %d, want 401", code)
	}
	for i := 0; i < 2; i++ {
		if code := post(t, ackURL, "s3cret-token", `{"by":"disp4"}`); code != 200 {
			t.Fatalf("ack: HTTP %d", code)
		}
	}
	sub.waitTopic(t, "radiogw/test/units/2A12", 5*time.Second, func(b []byte) bool {
		return strings.Contains(string(b), `"acked_by":"disp4"`)
	})
	time.Sleep(300 * time.Millisecond)
	if n := sub.count("radiogw/test/events/emergency_ack"); n != 1 {
		t.Errorf("%d emergency_ack events for two acks, want 1 (acks are idempotent)", n)
	}
}
