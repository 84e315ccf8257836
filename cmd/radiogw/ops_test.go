package main

import (
	"bytes"
	"fmt"
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

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"radiogw/gateway/testsvc"
)

// opsScrape fetches /metrics and parses it as Prometheus does.
func opsScrape(t *testing.T, port int) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// opsSample returns the metric of family name whose labels include want.
func opsSample(fams map[string]*dto.MetricFamily, name string, want map[string]string) *dto.Metric {
	f := fams[name]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		return m
	}
	return nil
}

// opsValue is a counter's or gauge's value, or -1 when absent.
func opsValue(fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	m := opsSample(fams, name, labels)
	switch {
	case m == nil:
		return -1
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Untyped != nil:
		return m.Untyped.GetValue()
	}
	return -1
}

// opsWaitMetric scrapes until ok holds for the value, or fails with the last one.
func opsWaitMetric(t *testing.T, port int, name string, labels map[string]string, within time.Duration, ok func(float64) bool) map[string]*dto.MetricFamily {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		fams := opsScrape(t, port)
		v := opsValue(fams, name, labels)
		if ok(v) {
			return fams
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s%v = %v after %s", name, labels, v, within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// opsGarbled is a fix whose checksum does not match: the kind of line a noisy
// serial link or a misconfigured modem produces.
// opsGarbled is an RMC hit by line noise: a digit of its latitude and its
// checksum are wrong. Even the default checksum = "lenient" rejects it (its
// fields no longer parse), as reason "checksum".
func opsGarbled(at time.Time) string {
	s := rmc("4521", at, 33.7, -117.8)
	s = strings.Replace(s, ",A,33", ",A,3?", 1)
	return s[:len(s)-2] + "00"
}

// Good and garbled frames move the counters the alerts in
// docs/operations.md are built on; process metrics are exported too.
func TestMetricsScrape(t *testing.T) {
	s := newSite(t)
	s.write(t)
	s.start(t)
	src := map[string]string{"source": "avl"}
	before := opsScrape(t, s.httpPort)
	for _, name := range []string{"process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
		"process_start_time_seconds", "go_goroutines"} {
		if before[name] == nil {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	if start := opsValue(before, "process_start_time_seconds", nil); time.Since(time.Unix(int64(start), 0)) > 5*time.Minute {
		t.Errorf("process_start_time_seconds = %v, not this process", start)
	}

	now := time.Now()
	for i := 0; i < 5; i++ {
		sendUDP(t, s.udpPort, rmc("4521", now.Add(time.Duration(i-5)*time.Second), 33.7, -117.8))
	}
	for i := 0; i < 3; i++ {
		sendUDP(t, s.udpPort, opsGarbled(now))
	}
	opsWaitMetric(t, s.httpPort, "radiogw_frames_total", src, 10*time.Second, func(v float64) bool { return v == 8 })
	fams := opsWaitMetric(t, s.httpPort, "radiogw_units", map[string]string{"stale": "fresh"}, 10*time.Second,
		func(v float64) bool { return v == 1 })
	fams = opsWaitMetric(t, s.httpPort, "radiogw_publish_latency_seconds", nil, 10*time.Second, func(float64) bool {
		m := opsSample(fams, "radiogw_publish_latency_seconds", map[string]string{"sink": "mqtt"})
		return m != nil && m.Histogram != nil && m.Histogram.GetSampleCount() > 0
	})

	if v := opsValue(fams, "radiogw_decode_errors_total", map[string]string{"source": "avl", "reason": "checksum"}); v != 3 {
		t.Errorf(`radiogw_decode_errors_total{source="avl",reason="checksum"} = %v, want 3`, v)
	}
	if v := opsValue(fams, "radiogw_frame_bytes_total", src); v <= 0 {
		t.Errorf("radiogw_frame_bytes_total = %v", v)
	}
	if v := opsValue(fams, "radiogw_source_up", src); v != 1 {
		t.Errorf("radiogw_source_up{source=avl} = %v", v)
	}
	for _, sink := range []string{"mqtt", "influx"} {
		if v := opsValue(fams, "radiogw_outbox_depth", map[string]string{"sink": sink}); v < 0 {
			t.Errorf("radiogw_outbox_depth{sink=%q} missing", sink)
		}
	}
	// Without an influx block the points wait on disk: the depth grows.
	opsWaitMetric(t, s.httpPort, "radiogw_outbox_depth", map[string]string{"sink": "influx"}, 10*time.Second,
		func(v float64) bool { return v > 0 })

	h := opsSample(fams, "radiogw_publish_latency_seconds", map[string]string{"sink": "mqtt"})
	if h == nil || h.Histogram == nil {
		t.Fatal("radiogw_publish_latency_seconds{sink=mqtt} is not a histogram")
	}
	if len(h.Histogram.GetBucket()) < 10 || h.Histogram.GetSampleSum() <= 0 {
		t.Errorf("publish latency histogram: %d buckets, sum %v", len(h.Histogram.GetBucket()), h.Histogram.GetSampleSum())
	}
	if a, b := opsValue(before, "process_cpu_seconds_total", nil), opsValue(fams, "process_cpu_seconds_total", nil); b <= a {
		t.Errorf("process_cpu_seconds_total did not move: %v then %v", a, b)
	}
}

// `radiogw status` against a running daemon: sources up and down, last
// frame age, outboxes, units by state and the active emergency.
func TestStatusCommand(t *testing.T) {
	s := newSite(t)
	consolePort := testsvc.FreeUDPPort(t)
	deadPort := testsvc.FreePort(t) // nothing listens: the source stays down
	s.extra = fmt.Sprintf(`
channel "tac1" {
  alpha_tag = "PD TAC 1"
}

source "udp" "console" {
  listen  = "127.0.0.1:%d"
  codec   = "lines"
  profile = "mdc1200-app-rpt"
  channel = "tac1"
}

source "tcp_client" "star-dead" {
  address   = "127.0.0.1:%d"
  codec     = "lines"
  profile   = "star"
  keepalive = "\r\n"
}
`, consolePort, deadPort)
	s.write(t)
	s.start(t)
	sendUDP(t, s.udpPort, rmc("4521", time.Now(), 33.7, -117.8))
	sendUDP(t, consolePort, time.Now().UTC().Format("20060102150405")+" 1999 E1201")
	opsWaitMetric(t, s.httpPort, "radiogw_emergencies_active", nil, 10*time.Second, func(v float64) bool { return v == 1 })
	opsWaitMetric(t, s.httpPort, "radiogw_units", map[string]string{"stale": "fresh"}, 10*time.Second,
		func(v float64) bool { return v == 1 })

	var stdout, stderr bytes.Buffer
	cmd := exec.Command(binary, "status", "-addr", fmt.Sprintf("http://127.0.0.1:%d", s.httpPort))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("radiogw status: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	t.Logf("radiogw status:\n%s", out)
	for _, re := range []string{
		`(?m)^radiogw \S+  site test  READY$`,
		`(?m)^  avl\s+udp\s+nmea\s+up\s+conns \d+\s+last frame \d+s ago$`,
		`(?m)^  console\s+udp\s+lines\s+up\s+conns \d+\s+last frame \d+s ago$`,
		`(?m)^  star-dead\s+tcp_client\s+lines\s+DOWN\s+conns 0\s+last frame never`,
		`(?m)^  mqtt\s+connected \(\d+s\)\s+backlog \d+\s+bytes \d+`,
		`(?m)^  influx\s+outbox only\s+backlog [1-9]\d*\s+bytes [1-9]\d*\s+oldest \d+s`,
		`(?m)^UNITS .*\bfresh 1\b`,
		`(?m)^EMERGENCIES  1 active$`,
		`(?m)^  \S+  2A12 \(radio 1201\)  channel tac1  since \S+  NOT ACKNOWLEDGED$`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("radiogw status output does not match %s", re)
		}
	}

	// A daemon that is not there: a plain message and exit 1.
	cmd = exec.Command(binary, "status", "-addr", fmt.Sprintf("http://127.0.0.1:%d", testsvc.FreePort(t)))
	out2, err := cmd.CombinedOutput()
	if code := opsExitCode(err); code != 1 || !strings.Contains(string(out2), "daemon not reachable") {
		t.Errorf("status without a daemon: exit %d, %s", code, out2)
	}
}

func opsExitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

// The MQTT password and the HTTP token are read from files and never show
// up in logs (debug level, through a reload and shutdown), /metrics, the
// status API, nor `radiogw check`.
func TestSecretsNeverLeak(t *testing.T) {
	const mqttPass, httpToken = "mqtt-pw-Zq81xK4v", "http-tok-Wm27pR9s"
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	s := newSite(t)
	for name, v := range map[string]string{"mqtt.pass": mqttPass + "\n", "http.token": httpToken + "\n"} {
		if err := os.WriteFile(filepath.Join(s.dir, name), []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s.mqttBlock = fmt.Sprintf("mqtt {\n  broker        = \"tcp://%s\"\n  username      = \"radiogw\"\n  password_file = \"mqtt.pass\"\n}\n", m.Addr)
	s.write(t)
	// The token goes in the http block the site helper writes.
	conf := strings.Replace(mustRead(t, s.config), "http {\n", "http {\n  token_file = \"http.token\"\n", 1)
	os.WriteFile(s.config, []byte(conf), 0o644)

	p := s.startEnv(t, nil, "-log-level", "debug")
	sendUDP(t, s.udpPort, rmc("4521", time.Now(), 33.7, -117.8), opsGarbled(time.Now()))
	base := fmt.Sprintf("http://127.0.0.1:%d", s.httpPort)
	var seen []string
	for _, path := range []string{"/metrics", "/api/v1/status", "/readyz", "/healthz", "/api/v1/units"} {
		seen = append(seen, path+"\n"+httpGet(t, base+path))
	}
	// A wrong token and the right one on the write endpoint: the wrong one
	// is counted; neither is echoed anywhere.
	for _, tok := range []string{"wrong-" + httpToken, httpToken} {
		req, _ := http.NewRequest("POST", base+"/api/v1/emergencies/e-none/ack", strings.NewReader(`{"by":"disp4"}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	fams := opsScrape(t, s.httpPort)
	if v := opsValue(fams, "radiogw_commands_total", map[string]string{"via": "http", "result": "unauthorized"}); v != 1 {
		t.Errorf("wrong token: radiogw_commands_total{result=unauthorized} = %v, want 1", v)
	}
	p.Cmd.Process.Signal(syscall.SIGHUP)
	p.WaitOutput(t, "configuration reloaded", 10*time.Second)
	seen = append(seen, "/metrics after reload\n"+httpGet(t, base+"/metrics"))

	for _, args := range [][]string{{"check", "-config", s.config}, {"fmt", "-check", "-config", s.config}} {
		out, _ := exec.Command(binary, args...).CombinedOutput()
		seen = append(seen, strings.Join(args, " ")+"\n"+string(out))
	}
	// A config with an error next to the secrets: the diagnostics quote the
	// file, never the secret's value.
	broken := filepath.Join(s.dir, "broken.hcl")
	os.WriteFile(broken, []byte(strings.Replace(mustRead(t, s.config), "username      = \"radiogw\"", "username = 12\n  bogus = true", 1)), 0o644)
	out, _ := exec.Command(binary, "check", "-config", broken).CombinedOutput()
	if !strings.Contains(string(out), "bogus") {
		t.Errorf("broken config not diagnosed:\n%s", out)
	}
	seen = append(seen, "check broken\n"+string(out))

	p.Cmd.Process.Signal(syscall.SIGTERM)
	p.Wait(t, 30*time.Second)
	seen = append(seen, "daemon log\n"+p.Output())
	for _, text := range seen {
		for _, secret := range []string{mqttPass, httpToken} {
			if strings.Contains(text, secret) {
				where, _, _ := strings.Cut(text, "\n")
				t.Errorf("secret %q appears in %s", secret[:8]+"...", where)
			}
		}
	}
}

// A source spewing garbage logs at most one "undecodable frame" line per
// 10 s (with a suppressed count) while the counters see every frame.
func TestUndecodableLogRate(t *testing.T) {
	s := newSite(t)
	s.write(t)
	p := s.start(t)
	labels := map[string]string{"source": "avl", "reason": "checksum"}
	const total, batch = 1000, 100
	for sent := batch; sent <= total; sent += batch {
		lines := make([]string, batch)
		for i := range lines {
			lines[i] = opsGarbled(time.Now())
		}
		sendUDP(t, s.udpPort, lines...)
		// Batches small enough for the socket buffer: nothing is lost
		// before radiogw reads it, so the counter must match exactly.
		opsWaitMetric(t, s.httpPort, "radiogw_decode_errors_total", labels, 20*time.Second,
			func(v float64) bool { return v >= float64(sent) })
	}
	fams := opsScrape(t, s.httpPort)
	if v := opsValue(fams, "radiogw_decode_errors_total", labels); v != total {
		t.Errorf("decode errors = %v, want %d", v, total)
	}
	if v := opsValue(fams, "radiogw_frames_total", map[string]string{"source": "avl"}); v != total {
		t.Errorf("frames = %v, want %d", v, total)
	}
	var logged []string
	for _, line := range strings.Split(p.Output(), "\n") {
		if strings.Contains(line, "undecodable frame") {
			logged = append(logged, line)
		}
	}
	if len(logged) == 0 || len(logged) > 2 {
		t.Fatalf("%d \"undecodable frame\" lines for %d garbled frames, want 1 or 2:\n%s", len(logged), total, strings.Join(logged, "\n"))
	}
	for i, line := range logged {
		if !strings.Contains(line, "source=avl") || !strings.Contains(line, "reason=checksum") {
			t.Errorf("log line lacks source and reason: %s", line)
		}
		m := regexp.MustCompile(`suppressed=(\d+)`).FindStringSubmatch(line)
		if m == nil {
			t.Errorf("log line lacks the suppressed count: %s", line)
			continue
		}
		n, _ := strconv.Atoi(m[1])
		if i == 0 && n != 0 || i == 1 && n == 0 {
			t.Errorf("line %d reports suppressed=%d: %s", i+1, n, line)
		}
	}
}
