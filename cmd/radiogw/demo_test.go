package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"radiogw/gateway/testsvc"
)

func startDemo(t *testing.T, ports string) (*exec.Cmd, *testsvc.LockedBuffer, string) {
	t.Helper()
	script, err := filepath.Abs("../../.ci/demo")
	if err != nil {
		t.Fatal(err)
	}
	out := &testsvc.LockedBuffer{}
	cmd := exec.Command(script)
	data := filepath.Join(t.TempDir(), "data")
	cmd.Env = append(os.Environ(), "RADIOGW_BIN="+binary, "RADIOGW_NO_BUILD=1",
		"RADIOGW_DEMO_DIR="+data, "RADIOGW_DEMO_PORTS="+ports)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		// The simulator runs in a session of its own.
		if pids, err := os.ReadFile(filepath.Join(data, "demo.pids")); err == nil {
			for _, f := range strings.Fields(string(pids)) {
				if pid, err := strconv.Atoi(f); err == nil {
					syscall.Kill(pid, syscall.SIGKILL)
				}
			}
		}
		if t.Failed() {
			t.Logf("demo output:\n%s", out)
		}
	})
	return cmd, out, data
}

// demoPids are radiogw's and the simulator's process IDs, as .ci/demo wrote them.
func demoPids(t *testing.T, data string) []int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(data, "demo.pids"))
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("demo.pids: %q", b)
		}
		pids = append(pids, pid)
	}
	if len(pids) != 2 {
		t.Fatalf("demo.pids: %q, want radiogw's and the simulator's", b)
	}
	return pids
}

func waitFor(t *testing.T, out *testsvc.LockedBuffer, re *regexp.Regexp, within time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no %q in the demo's output within %s", re, within)
	return nil
}

// A system mosquitto on the demo's MQTT port and another server on its HTTP
// port do not break `make run`: the demo moves to free ports, says so,
// prints them, and units arrive on its broker and on the wall map's page.
// A first run logs no WARN: the console's pseudo-terminal, which the
// simulator creates after radiogw is up, is awaited as information; and no
// unit shows up under a raw device ID because radiogw missed its identity.
func TestDemoRunsBesideTakenPorts(t *testing.T) {
	mosq := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	_, mosqPort, _ := net.SplitHostPort(mosq.Addr)
	web, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer web.Close()
	webPort := strconv.Itoa(web.Addr().(*net.TCPAddr).Port)
	ports := fmt.Sprintf("%s %s %d %d %d %d %d", webPort, mosqPort, testsvc.FreePort(t),
		testsvc.FreeUDPPort(t), testsvc.FreeUDPPort(t), testsvc.FreeUDPPort(t), testsvc.FreeUDPPort(t))

	cmd, out, data := startDemo(t, ports)
	m := waitFor(t, out, regexp.MustCompile(`wall map: +http://127\.0\.0\.1:(\d+)/`), 90*time.Second)
	pids := demoPids(t, data)
	httpPort := m[1]
	m = waitFor(t, out, regexp.MustCompile(`MQTT: +127\.0\.0\.1:(\d+) \(embedded broker\), WebSocket 127\.0\.0\.1:(\d+)`), time.Second)
	mqttPort, wsPort := m[1], m[2]
	if httpPort == webPort || mqttPort == mosqPort {
		t.Fatalf("demo kept a taken port: http %s (taken %s), mqtt %s (taken %s)", httpPort, webPort, mqttPort, mosqPort)
	}
	for _, want := range []string{"port " + mosqPort + " (MQTT) is taken", "port " + webPort + " (HTTP, wall map) is taken",
		"mosquitto_sub -h 127.0.0.1 -p " + mqttPort, "status -addr http://127.0.0.1:" + httpPort} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q", want)
		}
	}

	// Units on the demo's broker, where the wall map reads them.
	sub := subscribe(t, "127.0.0.1:"+mqttPort, "radiogw/demo/units/+")
	positioned := func() map[string]bool {
		sub.mu.Lock()
		defer sub.mu.Unlock()
		units := map[string]bool{}
		for topic, b := range sub.last {
			var u unitState
			if json.Unmarshal(b, &u) == nil && u.Position != nil {
				units[topic] = true
			}
		}
		return units
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(positioned()) < 12 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if units := positioned(); len(units) < 12 {
		t.Errorf("%d of the demo's 12 units with a position on its broker within 30 s: %v", len(units), units)
	}
	sub.mu.Lock()
	for topic, b := range sub.last {
		if strings.Contains(string(b), `"unlisted":true`) {
			t.Errorf("a unit under a raw device ID: radiogw missed a simulated modem's identity: %s %s", topic, b)
		}
	}
	sub.mu.Unlock()
	waitFor(t, out, regexp.MustCompile(`msg="source up" source=console-tac1`), 10*time.Second)

	// The wall map's page and its settings point at the demo's broker.
	resp, err := http.Get("http://127.0.0.1:" + httpPort + "/config.json")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"ws://127.0.0.1:`+wsPort+`"`) {
		t.Errorf("wall map config.json does not name the demo's WebSocket port %s: %s", wsPort, body)
	}
	if code := getStatus(t, "http://127.0.0.1:"+httpPort+"/"); code != 200 {
		t.Errorf("wall map page: HTTP %d", code)
	}

	// Ctrl-C stops both.
	syscall.Kill(cmd.Process.Pid, syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("demo did not stop within 30 s of SIGINT")
	}
	if !strings.Contains(out.String(), "demo stopped") {
		t.Error("demo did not say it stopped")
	}
	if err := syscall.Kill(-cmd.Process.Pid, 0); err != syscall.ESRCH {
		t.Errorf("radiogw outlived the demo (kill -0 on the group: %v)", err)
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); err != syscall.ESRCH {
			t.Errorf("process %d (radiogw or the simulator) outlived the demo: %v", pid, err)
		}
	}
	// No noise from radiogw from start to stop (the simulator's own lines carry component=sim).
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.Contains(line, "level=WARN") && !strings.Contains(line, "component=sim") ||
			strings.Contains(line, "level=ERROR") {
			t.Errorf("first run logged: %s", line)
		}
	}
}
