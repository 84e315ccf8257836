//go:build ha

package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"radiogw/gateway/testsvc"
)

// The regional topology of docs/SCALING.md, built for real: two sites, each
// with its own mosquitto bridged to a central one (mosquitto's own bridge,
// QoS 1, cleansession false) and its own radiogw, on separate hosts
// (network namespaces on one bridge). Site A's cable is pulled for 60 s.
// The site's own wall keeps working; the centre shows A's bridge as down,
// B stays live; after the cable returns the centre converges to A's exact
// retained state and receives the emergency raised during the cut.
func TestHABridgedRegion(t *testing.T) {
	lab := testsvc.NewLab(t)
	central, siteA, siteB := lab.AddHost("c"), lab.AddHost("a"), lab.AddHost("b")
	startBroker(t, central, "")
	startBroker(t, siteA, bridgeConf("a", central.IP))
	startBroker(t, siteB, bridgeConf("b", central.IP))
	startSite(t, siteA, "a")
	startSite(t, siteB, "b")

	centre := subscribe(t, central.IP+":1883", "radiogw/#")
	local := startLocalWall(t, siteA, "radiogw/a/#")

	// Both sites live at the centre, each bridge reporting itself up.
	sendIn(t, siteA, 5005, rmc("4521", time.Now(), 33.70000, -117.80000))
	sendIn(t, siteB, 5005, rmc("4521", time.Now(), 33.60000, -117.70000))
	centre.waitTopic(t, "radiogw/a/units/2A12", 30*time.Second, positionAt(33.70000, -117.80000))
	centre.waitTopic(t, "radiogw/b/units/2A12", 30*time.Second, positionAt(33.60000, -117.70000))
	centre.waitTopic(t, "radiogw/a/bridge", 10*time.Second, func(b []byte) bool { return string(b) == "1" })

	// Pull site A's cable for 60 s while both sites keep reporting, and raise
	// an emergency at A during the cut.
	siteA.LinkDown()
	cutAt := time.Now()
	var downSeen time.Duration
	cut := 60 * time.Second
	lastLat, lastBLat := 0.0, 0.0
	for i := 1; time.Since(cutAt) < cut; i++ {
		lastLat, lastBLat = 33.70000+float64(i)*0.0001, 33.60000+float64(i)*0.0001
		sendIn(t, siteA, 5005, rmc("4521", time.Now(), lastLat, -117.80000))
		sendIn(t, siteB, 5005, rmc("4521", time.Now(), lastBLat, -117.70000))
		if i == 10 {
			sendIn(t, siteA, 5006, "E1201")
		}
		if downSeen == 0 && centre.arrives("radiogw/a/bridge", time.Millisecond, func(b []byte) bool { return string(b) == "0" }) {
			downSeen = time.Since(cutAt)
		}
		time.Sleep(time.Second)
	}
	// The site's own wall never noticed: the latest fix and the emergency are there.
	local.wait(t, "radiogw/a/units/2A12", 5*time.Second, positionAt(lastLat, -117.80000))
	local.wait(t, "radiogw/a/events/emergency", 5*time.Second, func([]byte) bool { return true })
	if downSeen == 0 {
		t.Errorf("the centre never showed site A's bridge as down during a %s cut", cut)
	}
	if centre.arrives("radiogw/a/units/2A12", time.Millisecond, positionAt(lastLat, -117.80000)) {
		t.Errorf("the centre shows site A's latest fix although its cable is pulled")
	}
	if !centre.arrives("radiogw/b/units/2A12", 5*time.Second, positionAt(lastBLat, -117.70000)) {
		t.Errorf("site B stopped updating at the centre while only A's cable was out")
	}

	// Cable back: the bridge reconnects, queued QoS 1 traffic flows, and the
	// centre converges to A's retained state exactly.
	siteA.LinkUp()
	upAt := time.Now()
	centre.waitTopic(t, "radiogw/a/bridge", 60*time.Second, func(b []byte) bool { return string(b) == "1" })
	bridgeUp := time.Since(upAt)
	centre.waitTopic(t, "radiogw/a/units/2A12", 30*time.Second, positionAt(lastLat, -117.80000))
	converged := time.Since(upAt)
	centre.waitTopic(t, "radiogw/a/events/emergency", 10*time.Second, func([]byte) bool { return true })

	time.Sleep(2 * time.Second) // let the last queued messages settle
	siteRetained := retainedIn(t, siteA, "radiogw/a/#")
	centreRetained := retainedIn(t, central, "radiogw/a/#")
	compared := 0
	for topic, want := range siteRetained {
		if topic == "radiogw/a/bridge" {
			continue // the bridge's own notification, published on each side
		}
		if !strings.HasPrefix(topic, "radiogw/a/units/") && !strings.HasPrefix(topic, "radiogw/a/channels/") &&
			topic != "radiogw/a/status" {
			continue
		}
		compared++
		if got := centreRetained[topic]; got != want {
			t.Errorf("centre's retained %s differs from the site's:\n centre %s\n site   %s", topic, got, want)
		}
	}
	if compared < 3 {
		t.Errorf("only %d retained topics compared; want status, a unit and a channel", compared)
	}
	if n := len(centre.eventsOn("radiogw/a/events/emergency")); n != 1 {
		t.Errorf("%d emergency events for site A at the centre, want exactly 1", n)
	}
	t.Logf("HA-BRIDGE cut=%s bridge_down_seen_after=%s bridge_up_after=%s converged_after=%s retained_compared=%d emergencies_at_centre=%d",
		cut, downSeen.Round(100*time.Millisecond), bridgeUp.Round(100*time.Millisecond),
		converged.Round(100*time.Millisecond), compared, len(centre.eventsOn("radiogw/a/events/emergency")))
}

// bridgeConf is the site broker's bridge to the centre, as docs/SCALING.md
// documents it.
func bridgeConf(site, centre string) string {
	return fmt.Sprintf(`
max_queued_messages 100000
connection central-%[1]s
address %[2]s:1883
clientid bridge-%[1]s
topic radiogw/%[1]s/# out 1
cleansession false
keepalive_interval 10
restart_timeout 1 5
notifications true
notification_topic radiogw/%[1]s/bridge
try_private true
`, site, centre)
}

// startBroker runs Debian's mosquitto inside a lab host on port 1883.
func startBroker(t *testing.T, h *testsvc.Host, extra string) {
	t.Helper()
	bin := testsvc.LookPath(t, "mosquitto", "apt-get install mosquitto")
	conf := filepath.Join(t.TempDir(), "mosquitto.conf")
	body := "listener 1883 0.0.0.0\nallow_anonymous true\npersistence false\n" + extra
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	h.Start(t, nil, bin, "-c", conf)
	waitIn(t, h, "mosquitto", func() bool {
		out, _ := h.Run("mosquitto_sub", "-h", "127.0.0.1", "-t", "x", "-W", "1")
		return !strings.Contains(out, "refused") && !strings.Contains(out, "Error")
	})
}

// startSite runs radiogw inside a lab host, publishing to that host's
// mosquitto, with an NMEA UDP source on 5005 and a console on 5006.
func startSite(t *testing.T, h *testsvc.Host, site string) *testsvc.Process {
	t.Helper()
	dir := t.TempDir()
	config := filepath.Join(dir, "radiogw.hcl")
	body := fmt.Sprintf(`site = %q

storage {
  dir            = %q
  snapshot_every = "1s"
}

http {
  listen = "127.0.0.1:8080"
}

mqtt {
  broker    = "tcp://127.0.0.1:1883"
  unit_rate = 10
}

%s`, site, filepath.Join(dir, "data"), haSources("0.0.0.0", "4521"))
	if err := os.WriteFile(config, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	p := h.Start(t, nil, binary, "run", "-config", config)
	p.WaitOutput(t, "radiogw running", 30*time.Second)
	return p
}

// sendIn sends one datagram from inside the host to its own port, as a modem
// on the site's network would.
func sendIn(t *testing.T, h *testsvc.Host, port int, payload string) {
	t.Helper()
	cmd := exec.Command("ip", h.Command("socat", "-u", "STDIN", fmt.Sprintf("UDP-SENDTO:127.0.0.1:%d", port))...)
	cmd.Stdin = strings.NewReader(payload)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("send to %s:%d: %v\n%s", h.Name, port, err, out)
	}
}

// localWall is a display on a site's own network: mosquitto_sub inside the
// site's namespace.
type localWall struct {
	mu   sync.Mutex
	last map[string][]byte
}

func startLocalWall(t *testing.T, h *testsvc.Host, filter string) *localWall {
	t.Helper()
	w := &localWall{last: map[string][]byte{}}
	cmd := exec.Command("ip", h.Command("mosquitto_sub", "-h", "127.0.0.1", "-q", "1", "-v", "-t", filter)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("mosquitto_sub in %s: %v", h.Name, err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			topic, payload, _ := strings.Cut(sc.Text(), " ")
			w.mu.Lock()
			w.last[topic] = []byte(payload)
			w.mu.Unlock()
		}
	}()
	return w
}

func (w *localWall) wait(t *testing.T, topic string, within time.Duration, ok func([]byte) bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		w.mu.Lock()
		b, seen := w.last[topic]
		w.mu.Unlock()
		if seen && ok(b) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	t.Fatalf("the site's own wall has no acceptable %s within %s; last: %s", topic, within, w.last[topic])
}

// retainedIn reads every retained message under filter from the host's broker.
func retainedIn(t *testing.T, h *testsvc.Host, filter string) map[string]string {
	t.Helper()
	out, err := h.Run("mosquitto_sub", "-h", "127.0.0.1", "-v", "-t", filter, "--retained-only", "-W", "2")
	if err != nil && !strings.Contains(err.Error(), "exit status 27") { // 27: -W timed out, as intended
		t.Fatalf("read retained from %s: %v\n%s", h.Name, err, out)
	}
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if topic, payload, ok := strings.Cut(line, " "); ok {
			m[topic] = payload
		}
	}
	return m
}

func waitIn(t *testing.T, h *testsvc.Host, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s in %s did not come up", what, h.Name)
}

// haSources is the HCL of a lab site's inputs: NMEA modems on host:5005, an
// MDC-1200 console on host:5006 feeding tac2, and unit 2A12 (radio 1201,
// modem avlID).
func haSources(host, avlID string) string {
	return fmt.Sprintf(`source "udp" "avl" {
  listen = "%[1]s:5005"
  codec  = "nmea"
}

source "udp" "console" {
  listen  = "%[1]s:5006"
  codec   = "lines"
  profile = "mdc1200-app-rpt"
  channel = "tac2"
}

channel "tac2" {
  freq = 460125000
}

unit "2A12" {
  alpha_tag = "2A12 Patrol"
  radio_ids = ["1201"]
  avl_ids   = [%[2]q]
}
`, host, avlID)
}
