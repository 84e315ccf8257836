package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"radiogw/gateway/testsvc"
)

// binary is the radiogw built once for every test in this package: the tests
// exercise the real binary, its flags, signals and exit codes.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "radiogw-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "radiogw")
	out, err := exec.Command("go", "build", "-race", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build radiogw: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// site is one test's configuration and the ports it uses.
type site struct {
	dir, config      string
	mqttPort, wsPort int
	httpPort         int
	udpPort          int
	extra            string // more HCL
	mqttBlock        string // replaces the embedded broker
	snapshotEvery    string // storage's snapshot_every; default 1s
}

func newSite(t *testing.T) *site {
	t.Helper()
	dir := t.TempDir()
	return &site{dir: dir, config: filepath.Join(dir, "radiogw.hcl"), mqttPort: testsvc.FreePort(t),
		httpPort: testsvc.FreePort(t), udpPort: testsvc.FreeUDPPort(t)}
}

// udpSource is HCL for a UDP source on loopback port read with codec.
func udpSource(name, codec string, port int) string {
	return fmt.Sprintf("\nsource \"udp\" %q {\n  listen = \"127.0.0.1:%d\"\n  codec  = %q\n}\n", name, port, codec)
}

// mqttBrokerBlock is HCL that makes radiogw publish to the broker at addr
// (a mosquitto) in place of its embedded one.
func mqttBrokerBlock(addr string) string {
	return fmt.Sprintf("mqtt {\n  broker = \"tcp://%s\"\n}\n", addr)
}

func (s *site) write(t *testing.T) {
	t.Helper()
	broker := fmt.Sprintf("broker {\n  listen    = \"127.0.0.1:%d\"\n  websocket = \"\"\n}\n", s.mqttPort)
	if s.mqttBlock != "" {
		broker = s.mqttBlock
	}
	snapEvery := "1s"
	if s.snapshotEvery != "" {
		snapEvery = s.snapshotEvery
	}
	body := fmt.Sprintf(`site = "test"

storage {
  dir            = %q
  snapshot_every = %q
}

http {
  listen = "127.0.0.1:%d"
}

%s
source "udp" "avl" {
  listen = "127.0.0.1:%d"
  codec  = "nmea"
}

unit "2A12" {
  alpha_tag = "2A12 Patrol"
  radio_ids = ["1201"]
  avl_ids   = ["4521"]
}
%s`, filepath.Join(s.dir, "data"), snapEvery, s.httpPort, broker, s.udpPort, s.extra)
	if err := os.WriteFile(s.config, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (s *site) start(t *testing.T) *testsvc.Process {
	t.Helper()
	return s.startEnv(t, nil)
}

// startEnv runs the binary on the site's config with env (secrets passed
// by token_env and the like) and more flags, and waits until it is running.
func (s *site) startEnv(t *testing.T, env []string, flags ...string) *testsvc.Process {
	t.Helper()
	p := testsvc.Start(t, env, binary, append([]string{"run", "-config", s.config}, flags...)...)
	p.WaitOutput(t, "radiogw running", 20*time.Second)
	return p
}

// stopClean sends SIGTERM and fails the test unless radiogw exits 0 within.
func stopClean(t *testing.T, p *testsvc.Process, within time.Duration) {
	t.Helper()
	p.Cmd.Process.Signal(syscall.SIGTERM)
	if code := p.Wait(t, within); code != 0 {
		t.Fatalf("exit code %d after SIGTERM", code)
	}
}

// exportAll runs `radiogw export` on config and fails the test unless it
// exits 0; it returns what export wrote.
func exportAll(t *testing.T, config string) string {
	t.Helper()
	out, code := runCLI(t, "export", "-config", config)
	if code != 0 {
		t.Fatalf("export exit %d: %s", code, out)
	}
	return out
}

// rmc builds a valid $GPRMC sentence for now, prefixed with a modem ID as
// vehicle modems send it over IP.
func rmc(id string, at time.Time, lat, lon float64) string {
	ns, ew := 'N', 'E'
	if lat < 0 {
		ns, lat = 'S', -lat
	}
	if lon < 0 {
		ew, lon = 'W', -lon
	}
	latDeg, lonDeg := int(lat), int(lon)
	body := fmt.Sprintf("GPRMC,%s,A,%02d%07.4f,%c,%03d%07.4f,%c,12.5,270.0,%s,,,A",
		at.UTC().Format("150405.00"), latDeg, (lat-float64(latDeg))*60, ns, lonDeg, (lon-float64(lonDeg))*60, ew,
		at.UTC().Format("020106"))
	var sum byte
	for i := 0; i < len(body); i++ {
		sum ^= body[i]
	}
	return fmt.Sprintf("%s,$%s*%02X", id, body, sum)
}

func sendUDP(t *testing.T, port int, lines ...string) {
	t.Helper()
	c, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, l := range lines {
		if _, err := c.Write([]byte(l)); err != nil {
			t.Fatal(err)
		}
	}
}

// subscriber records every message on a topic filter.
type subscriber struct {
	mu   sync.Mutex
	msgs []paho.Message
	last map[string][]byte
	c    paho.Client
}

func subscribe(t *testing.T, addr, filter string) *subscriber {
	t.Helper()
	s := &subscriber{last: map[string][]byte{}}
	opts := paho.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(fmt.Sprintf("test-%d", time.Now().UnixNano())).
		SetAutoReconnect(true).SetConnectRetry(true).SetConnectRetryInterval(100 * time.Millisecond).
		SetOnConnectHandler(func(c paho.Client) {
			c.Subscribe(filter, 1, func(_ paho.Client, m paho.Message) {
				s.mu.Lock()
				s.msgs = append(s.msgs, m)
				s.last[m.Topic()] = m.Payload()
				s.mu.Unlock()
			})
		})
	s.c = paho.NewClient(opts)
	if tok := s.c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscriber connect to %s: %v", addr, tok.Error())
	}
	t.Cleanup(func() { s.c.Disconnect(100) })
	return s
}

// waitTopic waits for a message on topic for which ok returns true.
func (s *subscriber) waitTopic(t *testing.T, topic string, within time.Duration, ok func([]byte) bool) []byte {
	t.Helper()
	if b, found := s.await(topic, within, ok); found {
		return b
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t.Fatalf("no acceptable message on %s within %s; last: %s", topic, within, s.last[topic])
	return nil
}

// arrives is waitTopic without failing the test.
func (s *subscriber) arrives(topic string, within time.Duration, ok func([]byte) bool) bool {
	_, found := s.await(topic, within, ok)
	return found
}

// await polls the last message on topic until ok accepts it or within ends.
func (s *subscriber) await(topic string, within time.Duration, ok func([]byte) bool) ([]byte, bool) {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		b, seen := s.last[topic]
		s.mu.Unlock()
		if seen && ok(b) {
			return b, true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil, false
}

func (s *subscriber) count(prefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, m := range s.msgs {
		if strings.HasPrefix(m.Topic(), prefix) {
			n++
		}
	}
	return n
}

type unitState struct {
	Class    string `json:"class"`
	V        int    `json:"v"`
	Unit     string `json:"unit"`
	AlphaTag string `json:"unit_alpha_tag"`
	Position *struct {
		Lat, Lon float64
		FixTime  time.Time `json:"fix_time"`
		Speed    float64   `json:"speed_kmh"`
	} `json:"position"`
	Stale string `json:"stale"`
}

func decodeUnit(t *testing.T, b []byte) unitState {
	t.Helper()
	var u unitState
	if err := json.Unmarshal(b, &u); err != nil {
		t.Fatalf("unit payload %s: %v", b, err)
	}
	return u
}

// near compares degrees to the precision of 4-decimal NMEA minutes.
func near(a, b float64) bool { return a-b < 1e-5 && b-a < 1e-5 }

func positionAt(lat, lon float64) func([]byte) bool {
	return func(b []byte) bool {
		var u unitState
		return json.Unmarshal(b, &u) == nil && u.Position != nil && near(u.Position.Lat, lat) && near(u.Position.Lon, lon)
	}
}

// post sends a JSON body with an optional bearer token and returns the status.
func post(t *testing.T, url, token, body string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func getStatus(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
