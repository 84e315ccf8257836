package main

// Attacks on radiogw's own listeners, the embedded broker (TCP and
// WebSocket) and the HTTP server, through their sockets: wills that would
// publish where the login may not, floods of silent connections, file
// descriptor exhaustion, slowloris, DNS rebinding, pprof from the LAN, reads
// without the read token, and a subscriber too slow to take its messages.
// During each flood a well-behaved modem's fix must still reach MQTT within
// 100 ms, and every refusal must be on /metrics.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/mochi-mqtt/server/v2/packets"

	"radiogw/gateway/testsvc"
)

// modemLatency is how soon a well-behaved modem's fix must be on MQTT
// during a flood. The test process floods and subscribes on the same two
// shared cores as radiogw, so a scheduling hiccup of either shows up here:
// most fixes must make it (modemOnTime), none may take longer than
// modemStall.
const (
	modemLatency = 100 * time.Millisecond
	modemOnTime  = 0.8
	modemStall   = time.Second
)

// modemProbe is a well-behaved AVL modem on a tcp_listen source and a
// subscriber that notes when each of its fixes arrives.
type modemProbe struct {
	conn    net.Conn
	base    time.Time
	k       int
	arrived chan []byte
	worst   time.Duration
	n       int
	took    []time.Duration // during floods
}

// modemSource is the HCL of the probe's source.
func modemSource(port int) string { return tcpListenSource("modems", port, "") }

func newModemProbe(t *testing.T, mqttAddr string, modemPort int) *modemProbe {
	t.Helper()
	m := &modemProbe{base: time.Now().Add(-10 * time.Minute), arrived: make(chan []byte, 64)}
	opts := paho.NewClientOptions().AddBroker("tcp://" + mqttAddr).SetClientID(fmt.Sprintf("probe-%d", time.Now().UnixNano())).
		SetOrderMatters(false)
	c := paho.NewClient(opts)
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("probe subscriber: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(50) })
	if tok := c.Subscribe("radiogw/test/units/"+fleetID(0), 0, func(_ paho.Client, msg paho.Message) {
		select {
		case m.arrived <- msg.Payload():
		default:
		}
	}); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("probe subscribe: %v", tok.Error())
	}
	m.conn = dialTCP(t, modemPort)
	m.fix(t, 20*time.Second) // the first one may wait for the source to come up
	m.worst, m.n = 0, 0
	return m
}

// fix sends the modem's next fix and returns how long it took to reach the
// subscriber, failing after within.
func (m *modemProbe) fix(t *testing.T, within time.Duration) time.Duration {
	t.Helper()
	line, lat, lon := fleetFix(0, m.k, m.base)
	m.k++
	for len(m.arrived) > 0 {
		<-m.arrived
	}
	sent := time.Now()
	writeLine(t, m.conn, line)
	match := positionAt(lat, lon)
	timeout := time.After(within)
	for {
		select {
		case p := <-m.arrived:
			if match(p) {
				d := time.Since(sent)
				m.worst, m.n = max(m.worst, d), m.n+1
				return d
			}
		case <-timeout:
			t.Fatalf("the modem's fix %d did not reach MQTT within %s", m.k-1, within)
		}
	}
}

// minFlood is the shortest stretch of modem probing a flood test takes: the
// probe sends every 600 ms and check wants at least three fixes.
const minFlood = 3 * time.Second

// during sends a fix every 600 ms (the unit publish rate is 2/s) until stop
// is closed; each must arrive within modemLatency.
func (m *modemProbe) during(t *testing.T, stop <-chan struct{}) {
	t.Helper()
	for {
		select {
		case <-stop:
			return
		case <-time.After(600 * time.Millisecond):
		}
		m.took = append(m.took, m.fix(t, 5*time.Second))
	}
}

// check fails the test unless the fixes sent during the flood arrived in
// time; it returns a summary for the log.
func (m *modemProbe) check(t *testing.T) string {
	t.Helper()
	onTime := 0
	for _, d := range m.took {
		if d <= modemLatency {
			onTime++
		}
		if d > modemStall {
			t.Errorf("a modem fix took %s to reach MQTT during the flood", d.Round(time.Millisecond))
		}
	}
	if len(m.took) < 3 {
		t.Errorf("only %d modem fixes were sent during the flood; the flood was too short to tell", len(m.took))
		return ""
	}
	if float64(onTime) < modemOnTime*float64(len(m.took)) {
		t.Errorf("only %d of %d modem fixes reached MQTT within %s during the flood: %v", onTime, len(m.took), modemLatency, m.took)
	}
	return fmt.Sprintf("modem fixes during the flood: %d of %d within %s, worst %s", onTime, len(m.took), modemLatency,
		m.worst.Round(time.Millisecond))
}

// rawMQTT is a hand-built MQTT client: it sends exactly the packets an
// attacker would, including a will and an abrupt close.
type rawMQTT struct {
	net.Conn
	r *bufio.Reader
}

type connectOpts struct {
	user, pass, clientID string
	willTopic            string
	willPayload          string
	willRetain           bool
	version              byte   // 4 (3.1.1) or 5
	noKeepalive          bool   // keepalive 0: the broker never times the client out
	receiveMax           uint16 // MQTT 5 Receive Maximum; 0 leaves it out
}

// mqttDial sends a CONNECT and returns the CONNACK code (0 = accepted).
func mqttDial(t *testing.T, addr string, o connectOpts) (*rawMQTT, byte) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial broker: %v", err)
	}
	if o.version == 0 {
		o.version = 4
	}
	pk := packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Connect}, ProtocolVersion: o.version,
		Connect: packets.ConnectParams{ProtocolName: []byte("MQTT"), ClientIdentifier: o.clientID, Clean: true,
			Keepalive: map[bool]uint16{false: 30, true: 0}[o.noKeepalive], Username: []byte(o.user), UsernameFlag: o.user != "", Password: []byte(o.pass),
			PasswordFlag: o.pass != ""}}
	pk.Properties.ReceiveMaximum = o.receiveMax
	if o.willTopic != "" {
		pk.Connect.WillFlag, pk.Connect.WillTopic, pk.Connect.WillPayload = true, o.willTopic, []byte(o.willPayload)
		pk.Connect.WillRetain, pk.Connect.WillQos = o.willRetain, 1
	}
	var buf bytes.Buffer
	if err := pk.ConnectEncode(&buf); err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(buf.Bytes()); err != nil {
		t.Fatalf("send CONNECT: %v", err)
	}
	rm := &rawMQTT{Conn: c, r: bufio.NewReader(c)}
	typ, body, err := rm.packet()
	if err != nil {
		c.Close()
		return nil, 0xff // closed without CONNACK
	}
	if typ != packets.Connack || len(body) < 2 {
		t.Fatalf("answer to CONNECT: type %d body %x", typ, body)
	}
	c.SetDeadline(time.Time{})
	return rm, body[1]
}

// packet reads one MQTT packet: its type and body.
func (m *rawMQTT) packet() (byte, []byte, error) {
	h, err := m.r.ReadByte()
	if err != nil {
		return 0, nil, err
	}
	size, mult := 0, 1
	for i := 0; i < 4; i++ {
		b, err := m.r.ReadByte()
		if err != nil {
			return 0, nil, err
		}
		size += int(b&0x7f) * mult
		mult *= 128
		if b&0x80 == 0 {
			break
		}
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(m.r, body); err != nil {
		return 0, nil, err
	}
	return h >> 4, body, nil
}

func (m *rawMQTT) subscribe(t *testing.T, filter string, qos byte) {
	t.Helper()
	pk := packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Subscribe, Qos: 1}, PacketID: 1, ProtocolVersion: 4,
		Filters: packets.Subscriptions{{Filter: filter, Qos: qos}}}
	var buf bytes.Buffer
	if err := pk.SubscribeEncode(&buf); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Write(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
}

// brokerSite is a site whose embedded broker requires logins: "wall"
// (display) and "disp4" (dispatcher), with a console that can raise an
// emergency and a modem source for the probe.
type brokerSite struct {
	*site
	p           *testsvc.Process
	consolePort int
	modemPort   int
	wsPort      int
}

const (
	lsWallPass = "wall-9a8b7c6d5e"
	lsDispPass = "disp-1f2e3d4c5b"
	lsRead     = "read-0123abcd"
	lsWrite    = "write-4567efgh"
)

// startBrokerSite runs radiogw with the given broker and http settings
// (inserted into their blocks); env adds variables.
func startBrokerSite(t *testing.T, auth bool, brokerExtra, httpExtra string, env ...string) *brokerSite {
	t.Helper()
	return startBrokerSiteBin(t, binary, auth, brokerExtra, httpExtra, env...)
}

var (
	plainOnce sync.Once
	plainBin  string
	plainErr  error
)

// plainBinary is radiogw built without the race detector, as it ships: the
// flood tests measure latency and memory, which the race detector
// multiplies (its bookkeeping alone made a stalled subscriber's 8,192
// unacknowledged messages stall every publisher for seconds, where the
// production build takes milliseconds).
func plainBinary(t *testing.T) string {
	t.Helper()
	plainOnce.Do(func() {
		plainBin = binary + "-plain"
		out, err := exec.Command("go", "build", "-o", plainBin, ".").CombinedOutput()
		if err != nil {
			plainErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if plainErr != nil {
		t.Fatal(plainErr)
	}
	return plainBin
}

func startBrokerSiteBin(t *testing.T, bin string, auth bool, brokerExtra, httpExtra string, env ...string) *brokerSite {
	t.Helper()
	s := &brokerSite{site: newSite(t), consolePort: testsvc.FreeUDPPort(t), modemPort: testsvc.FreePort(t),
		wsPort: testsvc.FreePort(t)}
	s.mqttBlock = fmt.Sprintf(`broker {
  listen    = "127.0.0.1:%d"
  websocket = "127.0.0.1:%d"
  auth      = %t
%s
  user "wall" {
    password_env = "LS_WALL_PW"
    role         = "display"
  }

  user "disp4" {
    password_env = "LS_DISP_PW"
    role         = "dispatcher"
  }
}
`, s.mqttPort, s.wsPort, auth, brokerExtra)
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
%s`, s.consolePort, modemSource(s.modemPort))
	s.write(t)
	if httpExtra != "" {
		injectHCL(t, s.config, "http {\n", httpExtra)
	}
	env = append(env, "LS_WALL_PW="+lsWallPass, "LS_DISP_PW="+lsDispPass, "LS_READ="+lsRead, "LS_WRITE="+lsWrite)
	s.p = testsvc.Start(t, env, bin, "run", "-config", s.config)
	s.p.WaitOutput(t, "radiogw running", 20*time.Second)
	return s
}

func (s *brokerSite) mqttAddr() string { return fmt.Sprintf("127.0.0.1:%d", s.mqttPort) }
func (s *brokerSite) base() string     { return fmt.Sprintf("http://127.0.0.1:%d", s.httpPort) }

// get issues a GET with an optional bearer token and Host header.
func get(t *testing.T, url, token, host string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// scrapeWith reads /metrics with a bearer token.
func scrapeWith(t *testing.T, httpPort int, token string) metricSet {
	t.Helper()
	code, body := get(t, fmt.Sprintf("http://127.0.0.1:%d/metrics", httpPort), token, "")
	if code != http.StatusOK {
		t.Fatalf("/metrics: HTTP %d", code)
	}
	m := metricSet{}
	for _, line := range strings.Split(body, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		var v float64
		if _, err := fmt.Sscan(line[i+1:], &v); err == nil {
			m[line[:i]] = v
		}
	}
	return m
}

// raiseEmergency makes radio 1201 (unit 2A12) declare an emergency and
// returns its ID.
func (s *brokerSite) raiseEmergency(t *testing.T, token string) string {
	t.Helper()
	sendUDP(t, s.consolePort, "E1201")
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var ems []struct {
			ID      string `json:"id"`
			AckedBy string `json:"acked_by"`
		}
		_, body := get(t, s.base()+"/api/v1/emergencies", token, "")
		json.Unmarshal([]byte(body), &ems)
		if len(ems) > 0 {
			return ems[0].ID
		}
	}
	t.Fatal("no emergency raised")
	return ""
}

// Finding 1: a login may set a will only where it may publish. A display
// (read only) that sets a will on the command topic, on units/ or on
// status is refused at CONNECT, and when it drops its connection nothing is
// published; a dispatcher's will on units/ likewise. A dispatcher's will on
// the command topic is what it may publish, so it is accepted and delivered
// (the test can tell the difference).
func TestSecurityWillACL(t *testing.T) {
	s := startBrokerSite(t, true, "", "")
	em := s.raiseEmergency(t, "")
	watcher, err := mqttConnect(s.mqttAddr(), "disp4", lsDispPass, "ls-watch")
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Disconnect(0)
	seen := recordAll(watcher)
	before := scrape(t, s.httpPort)

	ackForged := fmt.Sprintf(`{"id":%q,"by":"FORGED-wall"}`, em)
	attempts := []connectOpts{
		{user: "wall", pass: lsWallPass, willTopic: "radiogw/test/commands/emergency_ack", willPayload: ackForged},
		{user: "wall", pass: lsWallPass, willTopic: "radiogw/test/commands/emergency_clear", willPayload: ackForged},
		{user: "wall", pass: lsWallPass, willTopic: "radiogw/test/units/FORGED1", willPayload: `{"class":"unit","v":1,"unit":"FORGED1"}`, willRetain: true},
		{user: "wall", pass: lsWallPass, willTopic: "radiogw/test/units/2A12", willPayload: `{"class":"unit","FORGED":true}`, willRetain: true},
		{user: "wall", pass: lsWallPass, willTopic: "radiogw/test/status", willPayload: "FORGED-offline", willRetain: true},
		{user: "wall", pass: lsWallPass, willTopic: "radiogw/test/units/FORGED5", willPayload: "FORGED", willRetain: true, version: 5},
		{user: "disp4", pass: lsDispPass, willTopic: "radiogw/test/units/FORGED2", willPayload: "FORGED", willRetain: true},
		{user: "disp4", pass: lsDispPass, willTopic: "radiogw/test/status", willPayload: "FORGED-offline", willRetain: true},
	}
	for i, a := range attempts {
		a.clientID = fmt.Sprintf("ls-will-%d", i)
		c, code := mqttDial(t, s.mqttAddr(), a)
		if c != nil {
			c.Close() // abrupt: no DISCONNECT, so a will would be published now
		}
		if code == 0 {
			t.Errorf("%s with a will on %s: CONNECT accepted", a.user, a.willTopic)
		}
	}
	// The positive control: a dispatcher's will on the command topic, for
	// an emergency that does not exist, reaches radiogw and is counted.
	ctl, code := mqttDial(t, s.mqttAddr(), connectOpts{user: "disp4", pass: lsDispPass, clientID: "ls-will-ok",
		willTopic: "radiogw/test/commands/emergency_ack", willPayload: `{"id":"e-9999-1","by":"disp4"}`})
	if code != 0 {
		t.Fatalf("a dispatcher's will on the command topic refused: CONNACK %#x", code)
	}
	ctl.Close()
	m := waitMetric(t, s.httpPort, 10*time.Second, "the dispatcher's will applied", func(m metricSet) bool {
		return m.get("radiogw_commands_total", `via="mqtt"`, `result="unknown_emergency"`) == 1
	})
	time.Sleep(time.Second)

	noForgery(t, "a will was published", seen())
	if got := m.get("radiogw_broker_events_total", `listener="tcp"`, `event="will_denied"`); got != float64(len(attempts)) {
		t.Errorf("will_denied counted %g, want %d", got, len(attempts))
	}
	if a, b := m.get("radiogw_commands_total", `via="mqtt"`, `result="ok"`), before.get("radiogw_commands_total", `via="mqtt"`, `result="ok"`); a != b {
		t.Errorf("a command was applied through a will: ok %g → %g", b, a)
	}
	_, body := get(t, s.base()+"/api/v1/emergencies", "", "")
	if strings.Contains(body, "FORGED") || strings.Contains(body, `"acked_by"`) {
		t.Errorf("the emergency was acknowledged through a will: %s", body)
	}
	_, units := get(t, s.base()+"/api/v1/units", "", "")
	if strings.Contains(units, "FORGED") {
		t.Errorf("a forged unit is tracked: %s", units)
	}
	if s.p.Exited() {
		t.Fatal("radiogw exited")
	}
}

// Finding 5 and finding 1's second half: with a read token every read but
// /healthz needs it, /readyz tells anyone only ready or not, and the wall
// map's /config.json hands out the display login only to a reader. The
// page itself stays public. A null ack body is an ack without "by".
func TestSecurityReadTokenAndDisplayLogin(t *testing.T) {
	s := startBrokerSite(t, true, "", "  read_token_env = \"LS_READ\"\n  token_env = \"LS_WRITE\"\n")
	b := s.base()
	refusals := 0
	for _, path := range []string{"/api/v1/units", "/api/v1/status", "/api/v1/emergencies", "/api/v1/channels",
		"/api/v1/units/2A12/track", "/api/v1/nearest?lat=33.7&lon=-117.8", "/metrics", "/config.json"} {
		for _, tok := range []string{"", "wrong", lsWallPass} {
			if code, body := get(t, b+path, tok, ""); code != http.StatusUnauthorized {
				t.Errorf("GET %s with token %q: HTTP %d %.80s, want 401", path, tok, code, body)
			}
			refusals++
		}
		for _, tok := range []string{lsRead, lsWrite} {
			if code, _ := get(t, b+path, tok, ""); code == http.StatusUnauthorized {
				t.Errorf("GET %s with a valid token: 401", path)
			}
		}
	}
	if code, body := get(t, b+"/healthz", "", ""); code != http.StatusOK || body != "ok\n" {
		t.Errorf("/healthz without a token: HTTP %d %q", code, body)
	}
	if code, body := get(t, b+"/readyz", "", ""); code != http.StatusOK || strings.Contains(body, "units") || !strings.Contains(body, `"ready": true`) {
		t.Errorf("/readyz without a token: HTTP %d %s; want 200 with only the verdict", code, body)
	}
	if _, body := get(t, b+"/readyz", lsRead, ""); !strings.Contains(body, `"units"`) {
		t.Errorf("/readyz for a reader: %s", body)
	}
	if code, body := get(t, b+"/", "", ""); code != http.StatusOK || !strings.Contains(body, "<html") {
		t.Errorf("the wall map page itself: HTTP %d", code)
	}
	_, cfg := get(t, b+"/config.json", lsRead, "")
	var pc struct{ Username, Password string }
	json.Unmarshal([]byte(cfg), &pc)
	if pc.Username != "wall" || pc.Password != lsWallPass {
		t.Errorf("config.json for a reader carries login %q/%q, want the display login", pc.Username, pc.Password)
	}

	// An ack body of null is an ack without "by": no panic, an unknown
	// emergency, counted as such.
	code, body := postAuth(t, b+"/api/v1/emergencies/e-1201-1/ack", "Bearer "+lsWrite, "null")
	if code != http.StatusNotFound {
		t.Errorf("ack with body null: HTTP %d %s, want 404 (no such emergency)", code, body)
	}
	disp, err := mqttConnect(s.mqttAddr(), "disp4", lsDispPass, "ls-disp")
	if err != nil {
		t.Fatal(err)
	}
	disp.Publish("radiogw/test/commands/emergency_ack", 1, false, "null").WaitTimeout(5 * time.Second)
	disp.Disconnect(50)
	m := waitMetric0(t, s.httpPort, lsRead, 10*time.Second, "null ack over MQTT counted", func(m metricSet) bool {
		return m.get("radiogw_commands_total", `via="mqtt"`, `result="bad_id"`) == 1
	})
	if got := m.get("radiogw_commands_total", `via="http"`, `result="unknown_emergency"`); got != 1 {
		t.Errorf("http unknown_emergency = %g, want 1", got)
	}
	if got := m.get("radiogw_commands_total", `result="rejected"`); got != 0 {
		t.Errorf("rejected = %g: refusals and unknown emergencies must have labels of their own", got)
	}
	if got := m.get("radiogw_http_events_total", `event="read_unauthorized"`); got != float64(refusals) {
		t.Errorf("read_unauthorized = %g, want %d", got, refusals)
	}
	// Every refusal label is present from the start.
	for _, want := range []string{
		`radiogw_commands_total{result="bad_by",via="http"}`, `radiogw_commands_total{result="unauthorized",via="http"}`,
		`radiogw_commands_total{result="unknown_emergency",via="mqtt"}`,
		`radiogw_broker_events_total{event="evicted_pending",listener="ws"}`,
		`radiogw_broker_events_total{event="connect_timeout",listener="tcp"}`,
		`radiogw_broker_events_total{event="accept_error",listener="tcp"}`,
		`radiogw_broker_dropped_total{reason="inflight_full"}`, `radiogw_broker_dropped_total{reason="writes_pending"}`,
		`radiogw_http_events_total{event="host_refused"}`, `radiogw_http_events_total{event="refused_per_addr"}`,
		`radiogw_http_events_total{event="pprof_refused"}`,
	} {
		if _, ok := m[want]; !ok {
			t.Errorf("%s missing from /metrics", want)
		}
	}
	if s.p.Exited() {
		t.Fatal("radiogw exited")
	}

	// `radiogw status` takes the read token from a file.
	tokFile := filepath.Join(t.TempDir(), "http-read.token")
	os.WriteFile(tokFile, []byte(lsRead+"\n"), 0o600)
	if out, code := runCLI(t, "status", "-addr", b, "-token-file", tokFile); code != 0 || !strings.Contains(out, "READY") {
		t.Errorf("radiogw status with the read token: exit %d\n%s", code, out)
	}
	if out, code := runCLI(t, "status", "-addr", b, "-token-file", ""); code != 1 || !strings.Contains(out, "read token") {
		t.Errorf("radiogw status without the read token: exit %d\n%s", code, out)
	}

	// Without a read token nobody is authorised, so nobody gets the login.
	open := startBrokerSite(t, true, "", "")
	_, cfg = get(t, open.base()+"/config.json", "", "")
	if strings.Contains(cfg, lsWallPass) || strings.Contains(cfg, "password") {
		t.Errorf("config.json without a read token configured hands out the display login: %s", cfg)
	}
	if !strings.Contains(open.p.Output(), "no display login without http.read_token_file") {
		t.Error("no warning that the wall map has no login")
	}
}

// waitMetric0 is waitMetric with a bearer token.
func waitMetric0(t *testing.T, httpPort int, token string, within time.Duration, what string, ok func(metricSet) bool) metricSet {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		m := scrapeWith(t, httpPort, token)
		if ok(m) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached within %s", what, within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// rawStatus sends a raw HTTP request and returns the status code.
func rawStatus(t *testing.T, addr, request string) int {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte(request)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("answer to %.40q: %v", request, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A DNS-rebinding page reaches radiogw's HTTP server and the broker's
// WebSocket listener under the attacker's host name: both refuse it
// (counted), while IP literals, localhost and the configured names pass and
// /healthz answers whatever the Host.
func TestSecurityHostRebinding(t *testing.T) {
	s := startBrokerSite(t, false, "", "  allowed_hosts = [\"wallmap.test\"]\n")
	b := s.base()
	port := s.httpPort
	for _, h := range []string{"evil.example", fmt.Sprintf("evil.example:%d", port), "wallmap.test.evil.example", "localhost.evil.example"} {
		if code, _ := get(t, b+"/api/v1/units", "", h); code != http.StatusMisdirectedRequest {
			t.Errorf("Host %q: HTTP %d, want 421", h, code)
		}
	}
	for _, h := range []string{fmt.Sprintf("wallmap.test:%d", port), "WALLMAP.TEST", fmt.Sprintf("localhost:%d", port), fmt.Sprintf("127.0.0.1:%d", port)} {
		if code, _ := get(t, b+"/api/v1/units", "", h); code != http.StatusOK {
			t.Errorf("Host %q: HTTP %d, want 200", h, code)
		}
	}
	if code, _ := get(t, b+"/healthz", "", "evil.example"); code != http.StatusOK {
		t.Errorf("/healthz under a foreign Host: HTTP %d, want 200", code)
	}
	ws := fmt.Sprintf("127.0.0.1:%d", s.wsPort)
	upgrade := func(host, origin string) string {
		return "GET / HTTP/1.1\r\nHost: " + host + "\r\nOrigin: " + origin + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n"
	}
	if code := rawStatus(t, ws, upgrade(fmt.Sprintf("evil.example:%d", s.wsPort), fmt.Sprintf("http://evil.example:%d", port))); code != http.StatusMisdirectedRequest {
		t.Errorf("WebSocket upgrade under a rebound name: HTTP %d, want 421", code)
	}
	if code := rawStatus(t, ws, upgrade(fmt.Sprintf("wallmap.test:%d", s.wsPort), fmt.Sprintf("http://wallmap.test:%d", port))); code != http.StatusSwitchingProtocols {
		t.Errorf("WebSocket upgrade from the configured name: HTTP %d, want 101", code)
	}
	if code := rawStatus(t, ws, upgrade(fmt.Sprintf("127.0.0.1:%d", s.wsPort), "http://evil.example")); code != http.StatusForbidden {
		t.Errorf("WebSocket upgrade from a foreign origin: HTTP %d, want 403", code)
	}
	m := scrape(t, port)
	if got := m.get("radiogw_http_events_total", `event="host_refused"`); got != 4 {
		t.Errorf("http host_refused = %g, want 4", got)
	}
	if got := m.get("radiogw_broker_events_total", `listener="ws"`, `event="host_refused"`); got != 1 {
		t.Errorf("ws host_refused = %g, want 1", got)
	}
	if got := m.get("radiogw_broker_events_total", `listener="ws"`, `event="origin_refused"`); got != 1 {
		t.Errorf("ws origin_refused = %g, want 1", got)
	}
}

// lanAddr is a non-loopback IPv4 address of this machine.
func lanAddr(t *testing.T) string {
	t.Helper()
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	t.Fatal("this test needs a non-loopback IPv4 address on the machine to reach pprof from off loopback")
	return ""
}

// pprof answers loopback peers only, even when the HTTP server listens on
// every address.
func TestSecurityPprofLoopbackOnly(t *testing.T) {
	s := newSite(t)
	s.write(t)
	body := strings.Replace(mustRead(t, s.config), fmt.Sprintf("listen = \"127.0.0.1:%d\"", s.httpPort),
		fmt.Sprintf("listen = \"0.0.0.0:%d\"\n  pprof  = true", s.httpPort), 1)
	os.WriteFile(s.config, []byte(body), 0o644)
	p := s.start(t)
	lan := lanAddr(t)
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/goroutine?debug=1"} {
		if code, _ := get(t, fmt.Sprintf("http://%s:%d%s", lan, s.httpPort, path), "", ""); code != http.StatusNotFound {
			t.Errorf("pprof %s from %s: HTTP %d, want 404", path, lan, code)
		}
	}
	if code, body := get(t, fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/", s.httpPort), "", ""); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Errorf("pprof from loopback: HTTP %d", code)
	}
	if got := scrape(t, s.httpPort).get("radiogw_http_events_total", `event="pprof_refused"`); got != 3 {
		t.Errorf("pprof_refused = %g, want 3", got)
	}
	if p.Exited() {
		t.Fatal("radiogw exited")
	}
}

// floodConns opens up to n connections to addr from rotating loopback
// source addresses and keeps them open, silent, until the returned stop is
// called; it returns how many were opened.
type flood struct {
	mu     sync.Mutex
	conns  []net.Conn
	opened atomic.Int64
	failed atomic.Int64
	done   chan struct{}
}

func startFlood(addr string, n, sources int, srcNet string, payload func(c net.Conn)) *flood {
	return startFloodFrom(addr, n, func(i int64) string { return fmt.Sprintf("%s.%d", srcNet, i%int64(sources)+1) }, payload)
}

// startFloodFrom is startFlood with the source address of the i-th
// connection chosen by src.
func startFloodFrom(addr string, n int, src func(i int64) string, payload func(c net.Conn)) *flood {
	f := &flood{done: make(chan struct{})}
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				d := net.Dialer{Timeout: 3 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(src(i))}}
				c, err := d.Dial("tcp", addr)
				if err != nil {
					f.failed.Add(1)
					continue
				}
				f.opened.Add(1)
				f.mu.Lock()
				f.conns = append(f.conns, c)
				f.mu.Unlock()
				if payload != nil {
					go payload(c)
				}
			}
		}()
	}
	go func() { wg.Wait(); close(f.done) }()
	return f
}

func (f *flood) close() {
	<-f.done
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.conns {
		c.Close()
	}
}

// floodSize is how many silent connections the test process can open: about
// 20,000, less what its file descriptor limit leaves.
func floodSize(t *testing.T) int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	n := min(20000, int(lim.Cur)-1500)
	if n < 2000 {
		t.Fatalf("the file descriptor limit (%d) leaves too few for the flood; raise it with ulimit -n", lim.Cur)
	}
	return n
}

// Finding 3: 20,000-ish silent connections to the embedded broker, half
// from one loopback address and half from 15 others. Each address holds at most max_conns_per_addr, the
// listener at most max_conns; at the cap the oldest silent connection makes
// room, so a well-behaved client still logs in; silent connections are
// closed after connect_timeout. radiogw's memory stays bounded, /healthz
// answers, the modem's fixes arrive within 100 ms, and every connection is
// accounted for on /metrics.
func TestSecurityBrokerSilentFlood(t *testing.T) {
	n := floodSize(t)
	s := startBrokerSiteBin(t, plainBinary(t), false, "  max_conns = 1000\n  max_conns_per_addr = 100\n  connect_timeout = \"2s\"\n", "")
	probe := newModemProbe(t, s.mqttAddr(), s.modemPort)
	pid := s.p.Cmd.Process.Pid
	rss0 := vmRSS(pid)
	start := time.Now()
	// Half the connections from one address (it meets max_conns_per_addr),
	// half spread over 15 (together they meet max_conns).
	f := startFloodFrom(s.mqttAddr(), n, func(i int64) string {
		if i%2 == 0 {
			return "127.0.10.1"
		}
		return fmt.Sprintf("127.0.9.%d", i%15+1)
	}, nil)
	stop := make(chan struct{})
	var probeWG sync.WaitGroup
	probeWG.Add(1)
	go func() { defer probeWG.Done(); probe.during(t, stop) }()
	var peak int64
	newcomers, refusedNewcomers := 0, 0
	// At least minFlood of probing, however fast this machine dials: the
	// silent connections stay until their CONNECT timeout.
	done := f.done
	for flooding := true; flooding || time.Since(start) < minFlood; {
		select {
		case <-done:
			flooding, done = false, nil
		case <-time.After(500 * time.Millisecond):
		}
		peak = max(peak, vmRSS(pid))
		if code, _ := get(t, s.base()+"/healthz", "", ""); code != http.StatusOK {
			t.Errorf("/healthz during the flood: HTTP %d", code)
		}
		c, err := mqttConnect(s.mqttAddr(), "", "", fmt.Sprintf("newcomer-%d", newcomers))
		newcomers++
		if err != nil {
			refusedNewcomers++
			t.Logf("a well-behaved client was refused during the flood: %v", err)
			continue
		}
		c.Disconnect(0)
	}
	dialled := time.Since(start)
	close(stop)
	probeWG.Wait()
	// Every silent connection is closed by radiogw within connect_timeout.
	m := waitMetric(t, s.httpPort, 60*time.Second, "every flood connection closed and counted", func(m metricSet) bool {
		return m.get("radiogw_broker_events_total", `listener="tcp"`) >= float64(f.opened.Load())
	})
	f.close()
	counted := m.get("radiogw_broker_events_total", `listener="tcp"`)
	t.Logf("%d silent connections opened in %s (%d failed to connect); radiogw RSS %d MiB before, peak %d MiB; "+
		"%d/%d newcomers logged in; %s; %s", f.opened.Load(), dialled.Round(time.Millisecond),
		f.failed.Load(), rss0>>20, peak>>20, newcomers-refusedNewcomers, newcomers, probe.check(t),
		strings.ReplaceAll(m.nonZero("radiogw_broker_events_total"), "\n", "; "))
	if refusedNewcomers > 0 {
		t.Errorf("%d of %d well-behaved clients could not log in during the flood", refusedNewcomers, newcomers)
	}
	if counted > float64(f.opened.Load()+f.failed.Load()+int64(newcomers)) {
		t.Errorf("counted %g events for %d connections (%d dials gave up)", counted, f.opened.Load(), f.failed.Load())
	}
	for _, e := range []string{"refused_per_addr", "evicted_pending", "connect_timeout"} {
		if m.get("radiogw_broker_events_total", `listener="tcp"`, `event="`+e+`"`) == 0 {
			t.Errorf("no %s counted", e)
		}
	}
	if peak-rss0 > 150<<20 {
		t.Errorf("radiogw grew by %d MiB under the flood (race build); the caps should bound it", (peak-rss0)>>20)
	}
	if s.p.Exited() {
		t.Fatal("radiogw exited under the flood")
	}
}

// Finding 3 on the WebSocket listener: thousands of connections that never
// send their upgrade request, half from one address. The same caps,
// eviction and timeout as on TCP: a browser-style client still logs in over
// WebSocket, and every connection is accounted for.
func TestSecurityBrokerWebSocketFlood(t *testing.T) {
	s := startBrokerSiteBin(t, plainBinary(t), false, "  max_conns = 300\n  max_conns_per_addr = 100\n  connect_timeout = \"2s\"\n", "")
	probe := newModemProbe(t, s.mqttAddr(), s.modemPort)
	ws := fmt.Sprintf("127.0.0.1:%d", s.wsPort)
	f := startFloodFrom(ws, 15000, func(i int64) string {
		if i%2 == 0 {
			return "127.0.11.1"
		}
		return fmt.Sprintf("127.0.12.%d", (i/2)%5+1)
	}, nil)
	stop := make(chan struct{})
	var probeWG sync.WaitGroup
	probeWG.Add(1)
	go func() { defer probeWG.Done(); probe.during(t, stop) }()
	newcomers, refused := 0, 0
	// At least minFlood of probing, however fast this machine dials: the
	// silent connections stay until their CONNECT timeout.
	floodStart := time.Now()
	done := f.done
	for flooding := true; flooding || newcomers < 3 || time.Since(floodStart) < minFlood; {
		select {
		case <-done:
			flooding, done = false, nil
		case <-time.After(500 * time.Millisecond):
		}
		newcomers++
		opts := paho.NewClientOptions().AddBroker(fmt.Sprintf("ws://127.0.0.1:%d/mqtt", s.wsPort)).
			SetClientID(fmt.Sprintf("ws-newcomer-%d", newcomers)).SetAutoReconnect(false).SetConnectTimeout(5 * time.Second)
		c := paho.NewClient(opts)
		if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			refused++
			t.Logf("a WebSocket client was refused during the flood: %v", tok.Error())
			continue
		}
		c.Disconnect(0)
	}
	close(stop)
	probeWG.Wait()
	m := waitMetric(t, s.httpPort, 60*time.Second, "every flood connection closed and counted", func(m metricSet) bool {
		return m.get("radiogw_broker_events_total", `listener="ws"`) >= float64(f.opened.Load())
	})
	f.close()
	t.Logf("%d silent WebSocket connections (%d dials gave up); %d/%d newcomers logged in; %s; %s", f.opened.Load(), f.failed.Load(), newcomers-refused, newcomers,
		probe.check(t), strings.ReplaceAll(m.nonZero("radiogw_broker_events_total"), "\n", "; "))
	if refused > 0 {
		t.Errorf("%d of %d WebSocket clients could not log in during the flood", refused, newcomers)
	}
	for _, e := range []string{"refused_per_addr", "evicted_pending", "connect_timeout"} {
		if m.get("radiogw_broker_events_total", `listener="ws"`, `event="`+e+`"`) == 0 {
			t.Errorf("no ws %s counted", e)
		}
	}
	// A dial the flood gave up on may still have been accepted later.
	if got, max := m.get("radiogw_broker_events_total", `listener="ws"`), float64(f.opened.Load()+f.failed.Load()+int64(newcomers)); got > max {
		t.Errorf("counted %g ws events for at most %g connections", got, max)
	}
}

// Finding 3: when radiogw runs out of file descriptors, the broker's accept
// loop keeps retrying (counted) instead of dying, /readyz says not ready
// while it fails, and once the silent connections time out the broker
// accepts again.
func TestSecurityBrokerAcceptEMFILE(t *testing.T) {
	if _, err := os.Stat("/usr/bin/prlimit"); err != nil {
		t.Fatal("this test needs prlimit (util-linux) to run radiogw with a small file descriptor limit")
	}
	s := &brokerSite{site: newSite(t), modemPort: testsvc.FreePort(t)}
	s.mqttBlock = fmt.Sprintf("broker {\n  listen = \"127.0.0.1:%d\"\n  websocket = \"\"\n  max_conns = 5000\n  max_conns_per_addr = 5000\n  connect_timeout = \"3s\"\n}\n", s.mqttPort)
	s.extra = modemSource(s.modemPort)
	s.write(t)
	s.p = testsvc.Start(t, nil, "/usr/bin/prlimit", "--nofile=160:160", binary, "run", "-config", s.config)
	s.p.WaitOutput(t, "radiogw running", 20*time.Second)
	probe := newModemProbe(t, s.mqttAddr(), s.modemPort)
	// One keep-alive HTTP connection, opened before the descriptors run out.
	keep := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1}, Timeout: 3 * time.Second}
	ready := func() (int, string) {
		resp, err := keep.Get(s.base() + "/readyz")
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := ready(); code != http.StatusOK {
		t.Fatalf("/readyz before the flood: %d %s", code, body)
	}
	f := startFlood(s.mqttAddr(), 400, 1, "127.0.0", nil)
	<-f.done
	var notReady bool
	var body string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !notReady; time.Sleep(100 * time.Millisecond) {
		var code int
		code, body = ready()
		notReady = code == http.StatusServiceUnavailable && strings.Contains(body, `"accepting": false`)
	}
	if !notReady {
		t.Errorf("/readyz while the broker cannot accept: %s", body)
	}
	if d := probe.fix(t, 5*time.Second); d > modemStall {
		t.Errorf("an established modem's fix took %s while descriptors were exhausted", d)
	}
	f.close()
	// The silent connections time out, the descriptors come back, and the
	// broker accepts again.
	var c paho.Client
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if c, err = mqttConnect(s.mqttAddr(), "", "", "after-emfile"); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("the broker does not accept after the descriptors came back: %v\n%s", err, lastLines(s.p.Output(), 20))
	}
	c.Disconnect(0)
	var m metricSet
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		code, _ := get(t, s.base()+"/readyz", "", "")
		m = scrape(t, s.httpPort)
		if code == http.StatusOK || time.Now().After(deadline) {
			if code != http.StatusOK {
				t.Errorf("/readyz after recovery: HTTP %d", code)
			}
			break
		}
	}
	errs := m.get("radiogw_broker_events_total", `listener="tcp"`, `event="accept_error"`)
	if errs == 0 {
		t.Error("no accept_error counted: the flood did not exhaust the descriptors")
	}
	if n := strings.Count(s.p.Output(), "accept failed; retrying"); n > 5 {
		t.Errorf("%d log lines for Accept errors; they must be rate-limited", n)
	}
	t.Logf("accept errors retried: %g; %s", errs, strings.ReplaceAll(m.nonZero("radiogw_broker_events_total", "radiogw_http_events_total"), "\n", "; "))
}

// Finding 5: slowloris. Hundreds of connections from five addresses (half
// of them from one) send
// their request headers a byte at a time. Each address holds at most
// max_conns_per_addr, the server at most max_conns, a trickled header is cut
// at ReadHeaderTimeout, and at the cap the oldest such connection makes
// room: /healthz and the API still answer, and the modem's fixes arrive.
func TestSecurityHTTPSlowloris(t *testing.T) {
	s := startBrokerSiteBin(t, plainBinary(t), false, "", "")
	probe := newModemProbe(t, s.mqttAddr(), s.modemPort)
	pid := s.p.Cmd.Process.Pid
	rss0 := vmRSS(pid)
	trickle := func(c net.Conn) {
		c.Write([]byte("GET /api/v1/units HTTP/1.1\r\nHost: 127.0.0.1\r\n"))
		for {
			time.Sleep(500 * time.Millisecond)
			if _, err := c.Write([]byte("X")); err != nil {
				return
			}
		}
	}
	addr := fmt.Sprintf("127.0.0.1:%d", s.httpPort)
	// Waves of 500 every 2 s for 12 s: the attacker reconnects as fast as
	// its connections are cut.
	var floods []*flood
	var floodMu sync.Mutex
	attackDone := make(chan struct{})
	go func() {
		defer close(attackDone)
		for wave := 0; wave < 6; wave++ {
			fl := startFloodFrom(addr, 500, func(i int64) string {
				if i%2 == 0 {
					return "127.0.8.1" // meets max_conns_per_addr
				}
				return fmt.Sprintf("127.0.8.%d", (i/2)%4+2)
			}, trickle)
			floodMu.Lock()
			floods = append(floods, fl)
			floodMu.Unlock()
			time.Sleep(2 * time.Second)
		}
	}()
	stop := make(chan struct{})
	var probeWG sync.WaitGroup
	probeWG.Add(1)
	go func() { defer probeWG.Done(); probe.during(t, stop) }()
	var worst time.Duration
	var peak int64
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	for end := time.Now().Add(12 * time.Second); time.Now().Before(end); time.Sleep(300 * time.Millisecond) {
		peak = max(peak, vmRSS(pid))
		for _, path := range []string{"/healthz", "/api/v1/units"} {
			t0 := time.Now()
			resp, err := client.Get(s.base() + path)
			if err != nil {
				t.Errorf("GET %s during slowloris: %v", path, err)
				continue
			}
			resp.Body.Close()
			worst = max(worst, time.Since(t0))
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s during slowloris: HTTP %d", path, resp.StatusCode)
			}
		}
	}
	close(stop)
	probeWG.Wait()
	<-attackDone
	// The last wave's survivors are cut at ReadHeaderTimeout.
	waitMetric(t, s.httpPort, 15*time.Second, "trickled headers timed out", func(m metricSet) bool {
		return m.get("radiogw_http_events_total", `event="header_timeout"`) > 0
	})
	opened := int64(0)
	for _, fl := range floods {
		fl.close()
		opened += fl.opened.Load()
	}
	m := scrape(t, s.httpPort)
	t.Logf("slowloris: %d connections from 5 addresses; slowest /healthz or API answer %s; RSS %d → peak %d MiB; %s; %s",
		opened, worst.Round(time.Millisecond), rss0>>20, peak>>20, probe.check(t),
		strings.ReplaceAll(m.nonZero("radiogw_http_events_total"), "\n", "; "))
	if worst > 2*time.Second {
		t.Errorf("an answer took %s during slowloris", worst)
	}
	for _, e := range []string{"refused_per_addr", "evicted_pending", "header_timeout"} {
		if m.get("radiogw_http_events_total", `event="`+e+`"`) == 0 {
			t.Errorf("no %s counted", e)
		}
	}
	if peak-rss0 > 100<<20 {
		t.Errorf("radiogw grew by %d MiB under slowloris", (peak-rss0)>>20)
	}
}

// Issue 21, broker side: subscribers too slow for their messages. One
// stops reading altogether: it is disconnected once MaxClientBacklog is
// queued for it, instead of blocking every publisher (mochi writes to a
// client while holding a lock every publisher needs). Another reads but never
// acknowledges: mochi drops its messages once 8,192 are unacknowledged. Both
// are counted on /metrics and logged a few times with a count, not once per
// message, and the modem's fixes still reach the other subscribers.
func TestSecuritySlowSubscriberDrops(t *testing.T) {
	s := startBrokerSiteBin(t, plainBinary(t), false, "", "")
	probe := newModemProbe(t, s.mqttAddr(), s.modemPort)
	stalled, code := mqttDial(t, s.mqttAddr(), connectOpts{clientID: "stalled-display", noKeepalive: true})
	if code != 0 {
		t.Fatalf("stalled subscriber refused: %#x", code)
	}
	defer stalled.Close()
	stalled.subscribe(t, "#", 1) // and never read again
	noAck, code := mqttDial(t, s.mqttAddr(), connectOpts{clientID: "never-acks", noKeepalive: true})
	if code != 0 {
		t.Fatalf("second subscriber refused: %#x", code)
	}
	defer noAck.Close()
	noAck.subscribe(t, "#", 1)
	go io.Copy(io.Discard, noAck.r) // reads everything, acknowledges nothing
	time.Sleep(200 * time.Millisecond)
	pub, err := mqttConnect(s.mqttAddr(), "", "", "flooder")
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Disconnect(0)
	stop := make(chan struct{})
	var probeWG sync.WaitGroup
	probeWG.Add(1)
	go func() { defer probeWG.Done(); probe.during(t, stop) }()
	const total = 10000
	pubStart := time.Now()
	payload := bytes.Repeat([]byte("x"), 2048)
	// 2,000 messages a second, a busy site's rate: the subject is the slow
	// subscribers, not a publish flood.
	var last paho.Token
	for i := 0; i < total; i++ {
		if i%200 == 199 {
			time.Sleep(100 * time.Millisecond)
		}
		last = pub.Publish("radiogw/test/junk", 1, false, payload)
		if i%1000 == 999 && !last.WaitTimeout(10*time.Second) {
			t.Fatalf("publish %d not acknowledged within 10 s: a slow subscriber blocks the broker", i)
		}
	}
	published := time.Since(pubStart)
	m := waitMetric(t, s.httpPort, 30*time.Second, "drops counted", func(m metricSet) bool {
		return m.get("radiogw_broker_dropped_total", `reason="inflight_full"`) > 0 &&
			m.get("radiogw_broker_events_total", `event="slow_consumer"`) == 1
	})
	time.Sleep(1200 * time.Millisecond)
	close(stop)
	probeWG.Wait()
	logged := strings.Count(s.p.Output(), "client store quota reached") + strings.Count(s.p.Output(), "packet ids exhausted")
	t.Logf("%d messages in %s past a stalled and a never-acknowledging subscriber: %s; %d log lines; %s", total,
		published.Round(time.Millisecond),
		strings.ReplaceAll(m.nonZero("radiogw_broker_dropped_total", "radiogw_broker_events_total"), "\n", "; "), logged, probe.check(t))
	if logged > 5 {
		t.Errorf("%d log lines for the drops; they must be rate-limited", logged)
	}
	if got := m.get("radiogw_sink_reconnects_total", `sink="mqtt"`); got != 1 {
		t.Errorf("radiogw's own broker connection was re-established %g times; a slow subscriber must not disturb it", got-1)
	}
	if s.p.Exited() {
		t.Fatal("radiogw exited")
	}
}

// The wall map as a dispatch center deploys it with the install example:
// broker logins and a read token. Chromium opens the page with the read
// token in the fragment: the page fetches /config.json with it, gets the
// display login, and goes live over the WebSocket listener; the token
// leaves the address bar. Opened without the token, the page says it needs
// one, and the display password never reaches it.
func TestSecurityWallMapReadToken(t *testing.T) {
	const chromium = "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("this test needs Debian's chromium at %s: apt-get install -y chromium (%v)", chromium, err)
	}
	s := startBrokerSite(t, true, "", "  read_token_env = \"LS_READ\"\n")
	run := func(url string, checks func(ctx context.Context)) {
		t.Helper()
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
			chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
			chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()))
		defer cancelAlloc()
		ctx, cancel := chromedp.NewContext(alloc)
		defer cancel()
		ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
		defer cancelT()
		if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
			t.Fatalf("load %s: %v", url, err)
		}
		checks(ctx)
	}
	poll := func(ctx context.Context, what, expr string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			conn, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("conn").textContent`))
			t.Fatalf("%s: %v (page says %q)", what, err, conn)
		}
	}
	run(s.base()+"/#token="+lsRead, func(ctx context.Context) {
		poll(ctx, "page live with the display login", `document.getElementById("conn").textContent === "live"`)
		href, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`))
		if strings.Contains(href, lsRead) {
			t.Errorf("the read token stayed in the address bar: %s", href)
		}
	})
	run(s.base()+"/", func(ctx context.Context) {
		poll(ctx, "page asks for the read token", `document.getElementById("conn").textContent.includes("read token")`)
	})
	m := scrapeWith(t, s.httpPort, lsRead)
	if got := m.get("radiogw_http_events_total", `event="read_unauthorized"`); got < 1 {
		t.Errorf("the page's unauthorised config.json fetch was not counted (%g)", got)
	}
}
