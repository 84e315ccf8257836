package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"radiogw/gateway/testsvc"
)

// A fix sent over real UDP appears as retained unit state on the embedded
// broker; SIGTERM stops the daemon with exit 0 and an "offline" will.
func TestRunEmbeddedBroker(t *testing.T) {
	s := newSite(t)
	s.write(t)
	p := s.start(t)
	addr := fmt.Sprintf("127.0.0.1:%d", s.mqttPort)
	sub := subscribe(t, addr, "radiogw/test/#")
	sub.waitTopic(t, "radiogw/test/status", 10*time.Second, func(b []byte) bool { return string(b) == "online" })

	sendUDP(t, s.udpPort, rmc("4521", time.Now(), 33.74562, -117.82311))
	b := sub.waitTopic(t, "radiogw/test/units/2A12", 10*time.Second, positionAt(33.74562, -117.82311))
	u := decodeUnit(t, b)
	if u.Class != "unit" || u.V != 1 || u.AlphaTag != "2A12 Patrol" || u.Stale != "fresh" {
		t.Errorf("unit state = %+v", u)
	}
	if !strings.Contains(string(b), `"speed_kmh":23.2`) { // 12.5 kn = 23.15 km/h, to a tenth
		t.Errorf("speed not converted from 12.5 knots: %s", b)
	}
	sub.waitTopic(t, "radiogw/test/map", 10*time.Second, func(b []byte) bool {
		return strings.Contains(string(b), `"FeatureCollection"`) && strings.Contains(string(b), `"2A12"`)
	})

	stopClean(t, p, 20*time.Second)
	if !strings.Contains(p.Output(), "stopped") {
		t.Errorf("no orderly shutdown in the log")
	}
}

// The same contract against Debian's mosquitto through an mqtt block.
func TestRunMosquitto(t *testing.T) {
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	s := newSite(t)
	s.mqttBlock = mqttBrokerBlock(m.Addr)
	s.write(t)
	p := s.start(t)
	sub := subscribe(t, m.Addr, "radiogw/test/#")
	sendUDP(t, s.udpPort, rmc("4521", time.Now(), 51.4843, 6.5381))
	sub.waitTopic(t, "radiogw/test/units/2A12", 10*time.Second, positionAt(51.4843, 6.5381))

	stopClean(t, p, 20*time.Second)
	// The daemon said goodbye itself; the broker keeps it retained.
	sub.waitTopic(t, "radiogw/test/status", 5*time.Second, func(b []byte) bool { return string(b) == "offline" })
}

// A restart does not blank the map: the snapshot restores unit state and it
// is published again to a broker that lost everything.
func TestRestartRepublishesSnapshot(t *testing.T) {
	s := newSite(t)
	s.write(t)
	p := s.start(t)
	addr := fmt.Sprintf("127.0.0.1:%d", s.mqttPort)
	sub := subscribe(t, addr, "radiogw/test/units/#")
	sendUDP(t, s.udpPort, rmc("4521", time.Now(), 33.7, -117.8))
	sub.waitTopic(t, "radiogw/test/units/2A12", 10*time.Second, positionAt(33.7, -117.8))
	stopClean(t, p, 20*time.Second)

	// The embedded broker died with the daemon: a new subscriber on the new
	// broker must see the unit without any new input.
	s.start(t)
	sub2 := subscribe(t, addr, "radiogw/test/units/#")
	sub2.waitTopic(t, "radiogw/test/units/2A12", 10*time.Second, positionAt(33.7, -117.8))
}

// SIGHUP with a broken config keeps the old one running and says why; a valid
// one is applied without losing unit state.
func TestReload(t *testing.T) {
	s := newSite(t)
	s.write(t)
	p := s.start(t)
	addr := fmt.Sprintf("127.0.0.1:%d", s.mqttPort)
	sub := subscribe(t, addr, "radiogw/test/units/#")
	// A minute before the next fix, so the 1.4 km between them is a
	// plausible speed for the tracker's filter.
	sendUDP(t, s.udpPort, rmc("4521", time.Now().Add(-time.Minute), 33.7, -117.8))
	sub.waitTopic(t, "radiogw/test/units/2A12", 10*time.Second, positionAt(33.7, -117.8))

	good, _ := os.ReadFile(s.config)
	if err := os.WriteFile(s.config, append(good, []byte("\nunit \"2A12\" {\n  bogus = 1\n}\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	p.Cmd.Process.Signal(syscall.SIGHUP)
	p.WaitOutput(t, "new configuration rejected", 10*time.Second)
	if !strings.Contains(p.Output(), "radiogw.hcl line 29") {
		t.Errorf("rejection does not point at the file: %s", p.Output())
	}
	metrics := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/metrics", s.httpPort))
	if !strings.Contains(metrics, `radiogw_reloads_total{result="rejected"} 1`) {
		t.Errorf("rejected reload not counted")
	}
	// Still running on the old config: fixes keep flowing.
	sendUDP(t, s.udpPort, rmc("4521", time.Now(), 33.71, -117.81))
	sub.waitTopic(t, "radiogw/test/units/2A12", 10*time.Second, positionAt(33.71, -117.81))

	// A valid config that renames the unit's alpha tag and adds a unit.
	s.extra = "unit \"2A13\" {\n  avl_ids = [\"4522\"]\n}\n"
	s.write(t)
	body := strings.Replace(mustRead(t, s.config), "2A12 Patrol", "2A12 Sergeant", 1)
	os.WriteFile(s.config, []byte(body), 0o644)
	p.Cmd.Process.Signal(syscall.SIGHUP)
	p.WaitOutput(t, "configuration reloaded", 10*time.Second)
	b := sub.waitTopic(t, "radiogw/test/units/2A12", 10*time.Second, func(b []byte) bool {
		return strings.Contains(string(b), "2A12 Sergeant")
	})
	if !positionAt(33.71, -117.81)(b) {
		t.Errorf("reload lost the unit's position: %s", b)
	}
	if strings.Contains(p.Output(), "source stopped for reload") {
		t.Errorf("an unchanged source was restarted by the reload")
	}
}

// A taken broker port gives a plain message with the mqtt block to use.
func TestBrokerPortTaken(t *testing.T) {
	s := newSite(t)
	exitsOnTakenPort(t, s, s.mqttPort, fmt.Sprintf(`mqtt { broker = "tcp://127.0.0.1:%d" }`, s.mqttPort))
}

// exitsOnTakenPort holds port, starts radiogw on s, and expects exit code 1
// with want in its output (the setting to change).
func exitsOnTakenPort(t *testing.T, s *site, port int, want string) {
	t.Helper()
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	s.write(t)
	p := testsvc.Start(t, nil, binary, "run", "-config", s.config)
	if code := p.Wait(t, 20*time.Second); code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	if !strings.Contains(p.Output(), want) {
		t.Errorf("output lacks %q:\n%s", want, p.Output())
	}
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A serial adapter that is absent at boot: with the default policy the daemon
// starts and keeps retrying; with startup = "fail" it exits 1 and says why.
func TestSerialStartupPolicy(t *testing.T) {
	for _, policy := range []string{"retry", "fail"} {
		t.Run(policy, func(t *testing.T) {
			s := newSite(t)
			s.extra = fmt.Sprintf("source \"serial\" \"console\" {\n  device  = %q\n  codec   = \"lines\"\n  profile = \"star\"\n  startup = %q\n}\n",
				"/dev/serial/by-id/usb-not-plugged-in", policy)
			s.write(t)
			p := testsvc.Start(t, nil, binary, "run", "-config", s.config)
			if policy == "retry" {
				p.WaitOutput(t, "radiogw running", 20*time.Second)
				sendUDP(t, s.udpPort, rmc("4521", time.Now(), 33.7, -117.8))
				sub := subscribe(t, fmt.Sprintf("127.0.0.1:%d", s.mqttPort), "radiogw/test/units/#")
				sub.waitTopic(t, "radiogw/test/units/2A12", 10*time.Second, positionAt(33.7, -117.8))
				return
			}
			if code := p.Wait(t, 20*time.Second); code != 1 {
				t.Fatalf("exit %d, want 1", code)
			}
			if !strings.Contains(p.Output(), "usb-not-plugged-in") {
				t.Errorf("the error does not name the device:\n%s", p.Output())
			}
		})
	}
}

// The HTTP port already taken: radiogw does not run without /healthz,
// /metrics and the wall map; it exits 1 and names the setting.
func TestHTTPPortTaken(t *testing.T) {
	s := newSite(t)
	exitsOnTakenPort(t, s, s.httpPort, fmt.Sprintf(`http { listen = "127.0.0.1:%d" }`, s.httpPort))
}
