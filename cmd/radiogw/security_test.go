package main

// Security tests of the real binary: who may write (HTTP bearer token,
// broker roles), what is refused and counted, that secrets stay out of logs
// and metrics, that listeners default to loopback, and that one flooding
// client cannot starve the others or the disk.

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"radiogw/gateway/testsvc"
)

// Secrets of the secured site; none may appear in any output.
const (
	secHTTPToken   = "tok-7f3a9c1e5b2d4f60"
	secWallPass    = "wall-pw-c0ffee1234"
	secDispPass    = "disp-pw-beef5678aa"
	secInfluxToken = "radiogw:influx-pw-9e8d7c6b"
)

// securedSite runs radiogw with a bearer token, an embedded broker with
// auth and two roles, debug logging and an InfluxDB that is not there (so
// its client logs errors carrying whatever it logs).
func securedSite(t *testing.T) (*site, *testsvc.Process) {
	t.Helper()
	s := newSite(t)
	deadInflux := testsvc.FreePort(t)
	s.mqttBlock = fmt.Sprintf(`broker {
  listen    = "127.0.0.1:%d"
  websocket = ""
  auth      = true

  user "wall" {
    password_env = "SEC_WALL_PW"
    role         = "display"
  }

  user "disp4" {
    password_env = "SEC_DISP_PW"
    role         = "dispatcher"
  }
}

log {
  level = "debug"
}

influx {
  url         = "http://127.0.0.1:%d"
  bucket      = "radiogw/autogen"
  token_env   = "SEC_INFLUX_TOKEN"
  flush_every = "200ms"
}
`, s.mqttPort, deadInflux)
	s.write(t)
	injectHCL(t, s.config, "http {\n", "  token_env = \"SEC_HTTP_TOKEN\"\n")
	env := []string{"SEC_WALL_PW=" + secWallPass, "SEC_DISP_PW=" + secDispPass, "SEC_INFLUX_TOKEN=" + secInfluxToken,
		"SEC_HTTP_TOKEN=" + secHTTPToken}
	p := s.startEnv(t, env)
	return s, p
}

// injectHCL adds text right after the first occurrence of after.
func injectHCL(t *testing.T, path, after, text string) {
	t.Helper()
	body := mustRead(t, path)
	if !strings.Contains(body, after) {
		t.Fatalf("%s has no %q", path, after)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(body, after, after+text, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func postAuth(t *testing.T, url, auth, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// mqttConnect tries one login on the broker; it returns the client or the
// refusal.
func mqttConnect(addr, user, pass, clientID string) (paho.Client, error) {
	opts := paho.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(clientID).
		SetUsername(user).SetPassword(pass).SetAutoReconnect(false).SetConnectTimeout(5 * time.Second)
	c := paho.NewClient(opts)
	tok := c.Connect()
	if !tok.WaitTimeout(10 * time.Second) {
		return nil, fmt.Errorf("connect timed out")
	}
	if err := tok.Error(); err != nil {
		return nil, err
	}
	return c, nil
}

// recordAll subscribes c to every topic and returns the messages seen so
// far, each as "topic payload".
func recordAll(c paho.Client) func() []string {
	var mu sync.Mutex
	var seen []string
	c.Subscribe("#", 1, func(_ paho.Client, m paho.Message) {
		mu.Lock()
		seen = append(seen, m.Topic()+" "+string(m.Payload()))
		mu.Unlock()
	}).WaitTimeout(5 * time.Second)
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

// noForgery fails the test for every recorded message carrying a FORGED mark.
func noForgery(t *testing.T, what string, seen []string) {
	t.Helper()
	for _, m := range seen {
		if strings.Contains(m, "FORGED") {
			t.Errorf("%s: %s", what, m)
		}
	}
}

func TestSecurity(t *testing.T) {
	s, p := securedSite(t)
	httpBase := fmt.Sprintf("http://127.0.0.1:%d", s.httpPort)
	addr := fmt.Sprintf("127.0.0.1:%d", s.mqttPort)

	t.Run("HTTPWriteNeedsBearer", func(t *testing.T) {
		url := httpBase + "/api/v1/emergencies/e-1201-1/ack"
		for _, auth := range []string{"", "Bearer wrong", "Bearer " + secHTTPToken + "x", "Basic " + secHTTPToken,
			"bearer " + secHTTPToken, "Bearer", secHTTPToken} {
			if code, body := postAuth(t, url, auth, `{"by":"disp4"}`); code != http.StatusUnauthorized {
				t.Errorf("Authorization %q: HTTP %d %s, want 401", auth, code, body)
			}
		}
		clear := httpBase + "/api/v1/emergencies/e-1201-1/clear"
		if code, _ := postAuth(t, clear, "", ""); code != http.StatusUnauthorized {
			t.Errorf("clear without token: HTTP %d, want 401", code)
		}
		good := "Bearer " + secHTTPToken
		for _, body := range []string{`{"by":`, `not json`, `{"by":"` + strings.Repeat("a", 5000) + `"}`, `["x"]`} {
			if code, resp := postAuth(t, url, good, body); code != http.StatusBadRequest {
				t.Errorf("body %.40q: HTTP %d %s, want 400", body, code, resp)
			}
		}
		// Authorized and well formed: the emergency does not exist.
		if code, body := postAuth(t, url, good, `{"by":"disp4"}`); code != http.StatusNotFound {
			t.Errorf("valid ack of an unknown emergency: HTTP %d %s, want 404", code, body)
		}
		// Another method never reaches the handler (405, or 404 from the
		// wall map's catch-all).
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed && resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET on the ack endpoint: HTTP %d, want 405 or 404", resp.StatusCode)
		}
		m := scrape(t, s.httpPort)
		if got := m.get("radiogw_commands_total", `via="http"`, `result="unauthorized"`); got != 8 {
			t.Errorf("unauthorized HTTP commands counted %g, want 8", got)
		}
		if got := m.get("radiogw_commands_total", `via="http"`, `result="malformed"`); got != 4 {
			t.Errorf("malformed HTTP commands counted %g, want 4", got)
		}
	})

	t.Run("BrokerLogins", func(t *testing.T) {
		for _, c := range []struct{ user, pass string }{{"", ""}, {"wall", "nope"}, {"wall", ""}, {"disp4", secWallPass},
			{"radiogw", ""}, {"nobody", secDispPass}} {
			if cl, err := mqttConnect(addr, c.user, c.pass, "sec-"+strconv.Itoa(int(time.Now().UnixNano()))); err == nil {
				cl.Disconnect(0)
				t.Errorf("login %q/%q accepted", c.user, c.pass)
			}
		}
	})

	t.Run("DisplayCannotPublish", func(t *testing.T) {
		watcher, err := mqttConnect(addr, "disp4", secDispPass, "sec-watch")
		if err != nil {
			t.Fatal(err)
		}
		defer watcher.Disconnect(0)
		seen := recordAll(watcher)

		wall, err := mqttConnect(addr, "wall", secWallPass, "sec-wall")
		if err != nil {
			t.Fatalf("display login refused: %v", err)
		}
		before := scrape(t, s.httpPort).get("radiogw_commands_total", `via="mqtt"`)
		for _, m := range []struct{ topic, payload string }{
			{"radiogw/test/commands/emergency_ack", `{"id":"e-1201-1","by":"FORGED-wall"}`},
			{"radiogw/test/commands/emergency_clear", `{"id":"e-1201-1","by":"FORGED-wall"}`},
			{"radiogw/test/units/2A12", `{"class":"unit","FORGED":true}`},
			{"radiogw/test/status", "FORGED-offline"},
			{"elsewhere/FORGED", "x"},
		} {
			wall.Publish(m.topic, 1, true, m.payload).WaitTimeout(2 * time.Second)
		}
		wall.Disconnect(100)
		time.Sleep(time.Second)
		noForgery(t, "a display published", seen())
		if after := scrape(t, s.httpPort).get("radiogw_commands_total", `via="mqtt"`); after != before {
			t.Errorf("display commands reached radiogw: commands_total{via=mqtt} %g → %g", before, after)
		}
	})

	t.Run("DispatcherMalformedCommands", func(t *testing.T) {
		disp, err := mqttConnect(addr, "disp4", secDispPass, "sec-disp")
		if err != nil {
			t.Fatal(err)
		}
		defer disp.Disconnect(0)
		bad := []string{`{`, `{"id":"a/b/#"}`, `{"id":"e-1","by":"x","extra":1}`, `{"id":"e-1","by":"` + strings.Repeat("z", 100) + `"}`,
			strings.Repeat("[", 5000), `{"id":"e-1","by":"a\u0007b"}`, `{"id":"e-1"}{"id":"e-2"}`}
		for _, b := range bad {
			disp.Publish("radiogw/test/commands/emergency_ack", 1, false, b).WaitTimeout(2 * time.Second)
		}
		disp.Publish("radiogw/test/commands/emergency_ack", 1, false, `{"id":"e-9999-1","by":"disp4"}`).WaitTimeout(2 * time.Second)
		m := waitMetric(t, s.httpPort, 10*time.Second, "commands counted", func(m metricSet) bool {
			return m.get("radiogw_commands_total", `via="mqtt"`) >= float64(len(bad)+1)
		})
		if got := m.get("radiogw_commands_total", `via="mqtt"`, `result="ok"`); got != 0 {
			t.Errorf("%g malformed or unknown commands accepted", got)
		}
		if got := m.get("radiogw_commands_total", `via="mqtt"`, `result="unknown_emergency"`); got != 1 {
			t.Errorf("the well-formed ack of an unknown emergency: unknown_emergency %g, want 1", got)
		}
		if p.Exited() {
			t.Fatal("radiogw exited on malformed commands")
		}
	})

	// The gateway's own client ID belongs to radiogw: a display that
	// connects with it must not take over the gateway's session (MQTT
	// session takeover would disconnect radiogw).
	t.Run("DisplayCannotTakeOverGatewayClientID", func(t *testing.T) {
		before := scrape(t, s.httpPort)
		lost := strings.Count(p.Output(), "broker connection lost")
		c, err := mqttConnect(addr, "wall", secWallPass, "radiogw-test")
		if err == nil {
			time.Sleep(1500 * time.Millisecond)
			c.Disconnect(0)
		}
		time.Sleep(1500 * time.Millisecond)
		after := scrape(t, s.httpPort)
		if a, b := after.get("radiogw_sink_reconnects_total", `sink="mqtt"`), before.get("radiogw_sink_reconnects_total", `sink="mqtt"`); a != b {
			t.Errorf("a display login with client ID radiogw-test (accepted: %v) disconnected radiogw: reconnects %g → %g",
				err == nil, b, a)
		}
		if strings.Count(p.Output(), "broker connection lost") != lost {
			t.Errorf("radiogw lost its broker connection to a display's login:\n%s", lastLines(p.Output(), 10))
		}
	})

	t.Run("SecretsStayOut", func(t *testing.T) {
		// Let the InfluxDB sink fail a few times so its errors are logged.
		time.Sleep(1500 * time.Millisecond)
		texts := map[string]string{"log": p.Output(), "metrics": httpGet(t, httpBase+"/metrics"),
			"status": httpGet(t, httpBase+"/api/v1/status"), "readyz": httpGet(t, httpBase+"/readyz")}
		env := []string{"SEC_WALL_PW=" + secWallPass, "SEC_DISP_PW=" + secDispPass, "SEC_INFLUX_TOKEN=" + secInfluxToken,
			"SEC_HTTP_TOKEN=" + secHTTPToken}
		chk := testsvc.Start(t, env, binary, "check", "-config", s.config)
		chk.Wait(t, 20*time.Second)
		texts["check"] = chk.Output()
		// A broken config makes radiogw print diagnostics around the secret
		// attributes.
		broken := filepath.Join(t.TempDir(), "radiogw.hcl")
		os.WriteFile(broken, []byte(strings.Replace(mustRead(t, s.config), `role         = "display"`, `role = "root"`, 1)), 0o644)
		bad := testsvc.Start(t, env, binary, "check", "-config", broken)
		bad.Wait(t, 20*time.Second)
		texts["check-broken"] = bad.Output()
		for where, text := range texts {
			for _, secret := range []string{secHTTPToken, secWallPass, secDispPass, secInfluxToken, "influx-pw-9e8d7c6b"} {
				if strings.Contains(text, secret) {
					t.Errorf("secret %q appears in %s", secret, where)
				}
				enc := hex.EncodeToString([]byte(secret))
				if strings.Contains(text, enc) {
					t.Errorf("secret %q appears hex-encoded in %s", secret, where)
				}
			}
		}
		if !strings.Contains(texts["log"], "influx") {
			t.Logf("note: no InfluxDB error was logged to inspect")
		}
	})
}

func lastLines(s string, n int) string {
	l := strings.Split(s, "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

// Without http, broker or websocket settings every listener is on
// loopback. The loaded defaults say so; when the default ports are free on
// this machine the real daemon is started on them and its sockets are read
// from /proc/net/tcp.
func TestSecurityLoopbackByDefault(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "radiogw.hcl")
	body := fmt.Sprintf("site = \"test\"\n\nstorage {\n  dir = %q\n}\n", filepath.Join(dir, "data"))
	if err := os.WriteFile(cfgPath, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	for what, a := range map[string]string{"http": cfg.HTTP.Listen, "broker": cfg.Broker.Listen, "websocket": cfg.Broker.WebSocket} {
		host, _, err := net.SplitHostPort(a)
		if err != nil || !net.ParseIP(host).IsLoopback() {
			t.Errorf("default %s listen %q is not loopback", what, a)
		}
	}
	for _, a := range []string{cfg.HTTP.Listen, cfg.Broker.Listen, cfg.Broker.WebSocket} {
		_, port, _ := net.SplitHostPort(a)
		l, err := net.Listen("tcp", ":"+port)
		if err != nil {
			t.Logf("default port %s is taken on this machine; checked the loaded defaults only", port)
			return
		}
		l.Close()
	}
	p := testsvc.Start(t, nil, binary, "run", "-config", cfgPath)
	p.WaitOutput(t, "radiogw running", 20*time.Second)
	listens := listeningSockets(t, p.Cmd.Process.Pid)
	if len(listens) < 3 {
		t.Fatalf("found %d listening sockets of radiogw, want http, broker and websocket: %v", len(listens), listens)
	}
	t.Logf("radiogw on its defaults listens on %v", listens)
	for _, a := range listens {
		if !a.IP.IsLoopback() {
			t.Errorf("radiogw listens on %s with the default configuration", a)
		}
	}
}

// listeningSockets reads the TCP listeners of a process from /proc.
func listeningSockets(t *testing.T, pid int) []*net.TCPAddr {
	t.Helper()
	inodes := map[string]bool{}
	fds, _ := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", pid))
	for _, fd := range fds {
		if l, err := os.Readlink(fd); err == nil && strings.HasPrefix(l, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		}
	}
	var out []*net.TCPAddr
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(file)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			fl := strings.Fields(sc.Text())
			if len(fl) < 10 || fl[3] != "0A" || !inodes[fl[9]] {
				continue
			}
			out = append(out, procAddr(fl[1]))
		}
		f.Close()
	}
	return out
}

// procAddr decodes /proc/net/tcp's "0100007F:1F90" (little-endian words).
func procAddr(s string) *net.TCPAddr {
	hexIP, hexPort, _ := strings.Cut(s, ":")
	raw, _ := hex.DecodeString(hexIP)
	ip := make(net.IP, len(raw))
	for i := 0; i+4 <= len(raw); i += 4 {
		ip[i], ip[i+1], ip[i+2], ip[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
	}
	port, _ := strconv.ParseUint(hexPort, 16, 16)
	return &net.TCPAddr{IP: ip, Port: int(port)}
}

// floodSite is a TCP listener with tight caps (3 connections, 256-byte
// frames) and an outbox capped at maxBytes, and a quiet client already
// connected and heard.
type floodSite struct {
	*site
	p       *testsvc.Process
	sub     *subscriber
	port    int
	quiet   net.Conn
	base    time.Time
	k       int // the quiet client's next fix
	maxSeen time.Duration
}

func startFloodSite(t *testing.T, maxBytes int64) *floodSite {
	t.Helper()
	f := &floodSite{site: newSite(t), port: testsvc.FreePort(t), base: time.Now().Add(-10 * time.Minute)}
	f.extra = tcpListenSource("modems", f.port, "  max_conns = 3\n  max_frame = 256\n")
	f.write(t)
	injectHCL(t, f.config, "storage {\n", fmt.Sprintf("  max_bytes = %d\n", maxBytes))
	f.p = f.start(t)
	f.sub = subscribe(t, fmt.Sprintf("127.0.0.1:%d", f.mqttPort), "radiogw/test/units/#")
	f.quiet = dialTCP(t, f.port)
	f.quietFix(t, 10*time.Second)
	return f
}

// quietFix sends the quiet client's next fix and waits for it on the
// broker, failing after within with the counters that explain why.
func (f *floodSite) quietFix(t *testing.T, within time.Duration) {
	t.Helper()
	line, lat, lon := fleetFix(0, f.k, f.base)
	f.k++
	sent := time.Now()
	writeLine(t, f.quiet, line)
	if !f.sub.arrives("radiogw/test/units/"+fleetID(0), within, positionAt(lat, lon)) {
		m := scrape(t, f.httpPort)
		t.Fatalf("fix %d of the quiet client not published within %s; inbox depth %g, counters:\n%s", f.k-1, within,
			m.get("radiogw_queue_depth", `queue="inbox"`),
			m.nonZero(append(dropFamilies, "radiogw_observations_total", "radiogw_frames_total")...))
	}
	f.maxSeen = max(f.maxSeen, time.Since(sent))
}

// flood runs send on a connection of its own until stop is closed, and
// returns the bytes written.
func (f *floodSite) flood(t *testing.T, stop <-chan struct{}, send func(k int) []byte) <-chan int64 {
	t.Helper()
	total := make(chan int64, 1)
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", f.port))
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		defer c.Close()
		var n int64
		defer func() { total <- n }()
		for k := 0; ; k++ {
			select {
			case <-stop:
				return
			default:
			}
			c.SetWriteDeadline(time.Now().Add(time.Second))
			w, err := c.Write(send(k))
			n += int64(w)
			if err != nil && !os.IsTimeout(err) {
				return
			}
		}
	}()
	return total
}

// waitConns waits until the listener has n connections open.
func (f *floodSite) waitConns(t *testing.T, n int) {
	t.Helper()
	var st struct {
		Sources []struct {
			Name        string `json:"name"`
			Connections int    `json:"connections"`
		} `json:"sources"`
	}
	start := time.Now()
	deadline := start.Add(60 * time.Second)
	for {
		json.Unmarshal([]byte(httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/api/v1/status", f.httpPort))), &st)
		for _, s := range st.Sources {
			if s.Name == "modems" && s.Connections == n {
				t.Logf("listener down to %d connections after %s", n, time.Since(start).Round(time.Millisecond))
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("listener did not get to %d connections: %+v", n, st.Sources)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// One TCP client floods garbage (random bytes, lines beyond max_frame) and
// opens more connections than max_conns allows, while another client's fixes
// still arrive promptly. Then one client sends a burst of valid fixes that
// overflows the InfluxDB outbox: it stays under max_bytes and counts what it
// dropped, and every fix is still applied to the live map.
func TestSecurityFloodDoesNotStarve(t *testing.T) {
	const maxBytes = 256 << 10
	f := startFloodSite(t, maxBytes)
	junk := randomBytes(t, 1<<20)
	stop := make(chan struct{})
	total := f.flood(t, stop, func(k int) []byte { return junk[(k*32<<10)%len(junk):][:32<<10] })
	var extra []net.Conn
	for i := 0; i < 4; i++ {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", f.port)); err == nil {
			extra = append(extra, c)
		}
	}
	for i := 0; i < 20; i++ {
		f.quietFix(t, 5*time.Second)
		time.Sleep(100 * time.Millisecond)
	}
	close(stop)
	flooded := <-total
	for _, c := range extra {
		c.Close()
	}
	garbageWorst := f.maxSeen
	f.waitConns(t, 2) // the listener itself counts as one

	// A burst of valid fixes: 60 units × 300 s of history, more than the
	// 256 KiB outbox holds.
	burst := dialTCP(t, f.port)
	const units, perUnit = 60, 300
	bbase := time.Now().Add(-(perUnit + 30) * time.Second)
	var buf []byte
	for k := 0; k < perUnit; k++ {
		for u := 1; u <= units; u++ {
			l, _, _ := fleetFix(u, k, bbase)
			buf = append(buf, l+"\r\n"...)
		}
	}
	burst.SetWriteDeadline(time.Now().Add(60 * time.Second))
	if _, err := burst.Write(buf); err != nil {
		t.Fatal(err)
	}
	want := float64(units*perUnit + f.k)
	m := waitMetric(t, f.httpPort, 90*time.Second, "burst applied and counted", func(m metricSet) bool {
		return m.get("radiogw_observations_total", `kind="fix"`) >= want &&
			m.get("radiogw_source_events_total", `source="modems"`, `event="conn_rejected"`) >= 2 &&
			m.get("radiogw_outbox_dropped_total", `sink="influx"`, `reason="cap_position"`) > 0
	})
	f.quietFix(t, 30*time.Second)
	if got := m.get("radiogw_fix_rejections_total"); got != 0 {
		t.Errorf("%g valid fixes rejected:\n%s", got, m.nonZero(dropFamilies...))
	}
	var st struct {
		Sinks []struct {
			Name        string `json:"name"`
			OutboxBytes int64  `json:"outbox_bytes"`
		} `json:"sinks"`
	}
	if err := json.Unmarshal([]byte(httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/api/v1/status", f.httpPort))), &st); err != nil {
		t.Fatal(err)
	}
	for _, sk := range st.Sinks {
		if sk.OutboxBytes > maxBytes {
			t.Errorf("outbox %s holds %d bytes, over max_bytes %d", sk.Name, sk.OutboxBytes, maxBytes)
		}
	}
	t.Logf("flood: %d garbage bytes from one client, slowest fix of the quiet client %s; burst of %d valid fixes; %s",
		flooded, garbageWorst.Round(time.Millisecond), units*perUnit,
		strings.ReplaceAll(m.nonZero("radiogw_source_events_total", "radiogw_outbox_dropped_total", "radiogw_drops_total"), "\n", "; "))
	if f.p.Exited() {
		t.Fatal("radiogw exited under the flood")
	}
}

// vmRSS is a process's resident memory in bytes.
func vmRSS(pid int) int64 {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// The embedded broker runs inside radiogw, so its limits are radiogw's: a
// client that announces a huge MQTT packet before logging in must be cut
// off, not given a buffer of that size. The CONNECT header below announces
// 256 MiB; the broker should refuse it at once.
func TestSecurityBrokerOversizePacket(t *testing.T) {
	s := newSite(t)
	s.write(t)
	p := s.start(t)
	addr := fmt.Sprintf("127.0.0.1:%d", s.mqttPort)
	before := vmRSS(p.Cmd.Process.Pid)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// CONNECT, remaining length 268,435,455 (the MQTT maximum).
	if _, err := c.Write([]byte{0x10, 0xFF, 0xFF, 0xFF, 0x7F}); err != nil {
		t.Fatal(err)
	}
	// Stream part of the body, as an attacker on the network can.
	chunk := make([]byte, 1<<20)
	sent := 0
	c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	for sent < 48<<20 {
		n, err := c.Write(chunk)
		sent += n
		if err != nil {
			break
		}
	}
	time.Sleep(500 * time.Millisecond)
	grown := vmRSS(p.Cmd.Process.Pid) - before
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, rerr := c.Read(make([]byte, 16))
	open := rerr != nil && os.IsTimeout(rerr)
	t.Logf("oversize CONNECT: %d MiB of body accepted before login, radiogw RSS grew %d MiB, connection still open: %v",
		sent>>20, grown>>20, open)
	if sent > 16<<20 || open {
		t.Errorf("the embedded broker accepted %d MiB of an unauthenticated 256 MiB CONNECT packet (RSS +%d MiB); it has no maximum packet size",
			sent>>20, grown>>20)
	}
	// The daemon itself must still answer.
	if !strings.Contains(httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/healthz", s.httpPort)), "ok") {
		t.Error("radiogw stopped answering")
	}
}

// The HTTP acknowledgement applies the same rules to "by" as the MQTT
// command topic (printable, at most 64 characters): it ends up on every wall
// map and in InfluxDB, and the path that needs a bearer token must not be
// the one that accepts control characters.
func TestSecurityHTTPAckByValidated(t *testing.T) {
	s := newSite(t)
	consolePort := testsvc.FreeUDPPort(t)
	s.extra = fmt.Sprintf(`
source "udp" "console1" {
  listen  = "127.0.0.1:%d"
  codec   = "lines"
  profile = "mdc1200-app-rpt"
  channel = "tac2"
}

channel "tac2" {
  signalling = "mdc1200"
}
`, consolePort)
	s.write(t)
	injectHCL(t, s.config, "http {\n", "  token_env = \"SEC_HTTP_TOKEN\"\n")
	s.startEnv(t, []string{"SEC_HTTP_TOKEN=" + secHTTPToken})
	sendUDP(t, consolePort, "E1201")
	base := fmt.Sprintf("http://127.0.0.1:%d", s.httpPort)
	var ems []struct {
		ID string `json:"id"`
	}
	for deadline := time.Now().Add(10 * time.Second); len(ems) == 0 && time.Now().Before(deadline); {
		json.Unmarshal([]byte(httpGet(t, base+"/api/v1/emergencies")), &ems)
		time.Sleep(50 * time.Millisecond)
	}
	if len(ems) == 0 {
		t.Fatal("no emergency raised")
	}
	url := base + "/api/v1/emergencies/" + ems[0].ID + "/ack"
	for _, by := range []string{"disp\u0007\nFAKE level=ERROR", strings.Repeat("d", 65), "\u202etxen"} {
		body, _ := json.Marshal(map[string]string{"by": by})
		if code, resp := postAuth(t, url, "Bearer "+secHTTPToken, string(body)); code != http.StatusBadRequest {
			t.Errorf("ack by %q: HTTP %d %s, want 400 as on the MQTT command topic", by, code, resp)
		}
	}
	if code, resp := postAuth(t, url, "Bearer "+secHTTPToken, `{"by":"disp4"}`); code != http.StatusOK {
		t.Errorf("a valid ack: HTTP %d %s", code, resp)
	}
	if got := httpGet(t, base+"/api/v1/emergencies"); !strings.Contains(got, `"acked_by": "disp4"`) {
		t.Errorf("emergency after the acks: %s", got)
	}
}
