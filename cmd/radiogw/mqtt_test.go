package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/santhosh-tekuri/jsonschema/v6"

	mqttsink "radiogw/gateway/publish/mqtt"
	"radiogw/gateway/testsvc"
)

// consoleSource is HCL for a UDP console feeding app_rpt MDC-1200 strings
// into channel tac2.
func consoleSource(port int) string {
	return fmt.Sprintf(`
source "udp" "console" {
  listen  = "127.0.0.1:%d"
  codec   = "lines"
  profile = "mdc1200-app-rpt"
  channel = "tac2"
}

channel "tac2" {
  freq = 460125000
}
`, port)
}

// mqttPublisher connects a plain client as clientID, such as a feed that
// publishes into radiogw's source broker; it disconnects when the test ends.
func mqttPublisher(t *testing.T, addr, clientID string) paho.Client {
	t.Helper()
	c := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(clientID))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect %s as %s: %v", addr, clientID, tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(100) })
	return c
}

// mqttPublish sends one QoS 1 message and waits for the broker's ack.
func mqttPublish(t *testing.T, addr, topic string, payload []byte) {
	t.Helper()
	c := mqttPublisher(t, addr, fmt.Sprintf("console-%d", time.Now().UnixNano()))
	defer c.Disconnect(100) // one message, then gone, as a console's command is
	if tok := c.Publish(topic, 1, false, payload); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("publish %s: %v", topic, tok.Error())
	}
}

// persistentMosquitto starts a mosquitto that keeps sessions and retained
// messages on disk across its own restarts.
func persistentMosquitto(t *testing.T) *testsvc.Mosquitto {
	t.Helper()
	// mosquitto drops root to its own user: its database lives where it may write.
	dir, err := os.MkdirTemp("", "radiogw-mosquitto-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o777)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return testsvc.StartMosquitto(t, testsvc.MosquittoOptions{Extra: fmt.Sprintf(
		"persistence true\npersistence_location %s/\nautosave_on_changes true\nautosave_interval 1\n", dir)})
}

// persistentSession follows filter as a display or notifier with a
// persistent session does (QoS 1, ordered, reconnecting); every message
// arrives on the channel in order.
func persistentSession(t *testing.T, addr, clientID, filter string) <-chan paho.Message {
	t.Helper()
	co := paho.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(clientID).
		SetCleanSession(false).SetAutoReconnect(true).SetConnectRetry(true).SetOrderMatters(true).
		SetConnectRetryInterval(100 * time.Millisecond).SetMaxReconnectInterval(200 * time.Millisecond)
	msgs := make(chan paho.Message, 1000)
	co.SetOnConnectHandler(func(c paho.Client) {
		c.Subscribe(filter, 1, func(_ paho.Client, m paho.Message) { msgs <- m })
	})
	c := paho.NewClient(co)
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(100) })
	return msgs
}

// eventsOn lists the payloads received on one events topic.
func (s *subscriber) eventsOn(topic string) [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out [][]byte
	for _, m := range s.msgs {
		if m.Topic() == topic {
			out = append(out, m.Payload())
		}
	}
	return out
}

// checkCounts fails the test for every series on /metrics whose value is
// not exactly the one wanted.
func checkCounts(t *testing.T, port int, want map[string]float64) {
	t.Helper()
	for series, w := range want {
		if got := metricValue(t, port, series); got != w {
			t.Errorf("%s = %v, want %v", series, got, w)
		}
	}
}

// settleCounts waits up to within for every series to reach its wanted
// value (a source answers before it counts), then checks each is exact.
func settleCounts(t *testing.T, port int, within time.Duration, want map[string]float64) {
	t.Helper()
	reached := func() bool {
		for series, w := range want {
			if metricValue(t, port, series) < w {
				return false
			}
		}
		return true
	}
	for deadline := time.Now().Add(within); !reached() && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	checkCounts(t, port, want)
}

// metricValue reads one sample from /metrics, or -1.
func metricValue(t *testing.T, port int, series string) float64 {
	t.Helper()
	body := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			var f float64
			fmt.Sscan(v, &f)
			return f
		}
	}
	return -1
}

// An emergency raised on a console carries the unit's last position; an ack
// published by a dispatcher on the command topic produces one emergency_ack
// event (acking twice is a no-op), the unit state shows who acked, and every
// command is counted. Every payload the binary published on the way is checked
// against docs/schema.
func TestEmergencyAckOverMQTT(t *testing.T) {
	s := newSite(t)
	console := testsvc.FreeUDPPort(t)
	s.extra = consoleSource(console)
	s.write(t)
	s.start(t)
	addr := fmt.Sprintf("127.0.0.1:%d", s.mqttPort)
	sub := subscribe(t, addr, "radiogw/test/#")
	sub.waitTopic(t, "radiogw/test/status", 10*time.Second, func(b []byte) bool { return string(b) == "online" })

	sendUDP(t, s.udpPort, rmc("4521", time.Now(), 33.74562, -117.82311))
	sub.waitTopic(t, "radiogw/test/units/2A12", 10*time.Second, positionAt(33.74562, -117.82311))
	sendUDP(t, console, "E1201")

	var alarm struct {
		Unit        string `json:"unit"`
		RadioID     string `json:"radio_id"`
		EmergencyID string `json:"emergency_id"`
		Position    *struct{ Lat, Lon float64 }
	}
	b := sub.waitTopic(t, "radiogw/test/events/emergency", 10*time.Second, func([]byte) bool { return true })
	if err := json.Unmarshal(b, &alarm); err != nil {
		t.Fatal(err)
	}
	if alarm.Unit != "2A12" || alarm.RadioID != "1201" || alarm.EmergencyID == "" || alarm.Position == nil ||
		!near(alarm.Position.Lat, 33.74562) || !near(alarm.Position.Lon, -117.82311) {
		t.Fatalf("emergency event = %s; want unit 2A12 with its last position", b)
	}
	sub.waitTopic(t, "radiogw/test/units/2A12", 10*time.Second, func(b []byte) bool {
		return strings.Contains(string(b), `"id":"`+alarm.EmergencyID+`"`)
	})

	// Rejected commands are counted and change nothing.
	mqttPublish(t, addr, "radiogw/test/commands/emergency_ack", []byte(`{"id":"radiogw/#"}`))
	mqttPublish(t, addr, "radiogw/test/commands/emergency_ack", []byte(`{not json`))
	ack := []byte(fmt.Sprintf(`{"id":%q,"by":"disp4"}`, alarm.EmergencyID))
	mqttPublish(t, addr, "radiogw/test/commands/emergency_ack", ack)
	mqttPublish(t, addr, "radiogw/test/commands/emergency_ack", ack)

	sub.waitTopic(t, "radiogw/test/units/2A12", 10*time.Second, func(b []byte) bool {
		return strings.Contains(string(b), `"acked_by":"disp4"`) && strings.Contains(string(b), `"acked_at":"`)
	})
	sub.waitTopic(t, "radiogw/test/events/emergency_ack", 10*time.Second, func(b []byte) bool {
		return strings.Contains(string(b), `"by":"disp4"`) && strings.Contains(string(b), alarm.EmergencyID)
	})
	deadline := time.Now().Add(10 * time.Second)
	for metricValue(t, s.httpPort, `radiogw_commands_total{result="ok",via="mqtt"}`) < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // a second emergency_ack, if any, would be out by now
	if n := len(sub.eventsOn("radiogw/test/events/emergency_ack")); n != 1 {
		t.Errorf("%d emergency_ack events for two identical acks, want 1", n)
	}
	checkCounts(t, s.httpPort, map[string]float64{
		`radiogw_commands_total{result="ok",via="mqtt"}`:        2,
		`radiogw_commands_total{result="bad_id",via="mqtt"}`:    1,
		`radiogw_commands_total{result="malformed",via="mqtt"}`: 1,
	})

	// Clearing ends it: one emergency_clear, the unit state loses the alarm.
	mqttPublish(t, addr, "radiogw/test/commands/emergency_clear", ack)
	sub.waitTopic(t, "radiogw/test/events/emergency_clear", 10*time.Second, func([]byte) bool { return true })
	sub.waitTopic(t, "radiogw/test/units/2A12", 10*time.Second, func(b []byte) bool {
		return !strings.Contains(string(b), `"emergency"`)
	})

	checkPayloads(t, sub)
}

// Real NMEA (gpsd captures and modem sentences over IP) and console lines go
// through the binary; every retained and event payload it publishes matches
// its schema.
func TestRealInputPayloadsMatchSchemas(t *testing.T) {
	s := newSite(t)
	console := testsvc.FreeUDPPort(t)
	s.extra = consoleSource(console)
	s.mqttBlock = "" // embedded broker
	s.write(t)
	// OwnTracks needs an mqtt block: use mosquitto for this one.
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	s.mqttBlock = fmt.Sprintf("mqtt {\n  broker    = \"tcp://%s\"\n  owntracks = true\n  homeassistant = true\n}\n", m.Addr)
	s.write(t)
	s.start(t)
	sub := subscribe(t, m.Addr, "#")

	now := time.Now()
	sendUDP(t, s.udpPort, rmc("4521", now.Add(-2*time.Second), 33.74562, -117.82311))
	for _, line := range realNMEA(t) {
		sendUDP(t, s.udpPort, line)
	}
	sendUDP(t, console, "I1201", "S1201-3", "E1201", "I1202", "20261123221405 1999 I1203")
	sub.waitTopic(t, "radiogw/test/events/emergency", 10*time.Second, func([]byte) bool { return true })
	sub.waitTopic(t, "radiogw/test/map", 10*time.Second, func(b []byte) bool { return bytes.Contains(b, []byte(`"2A12"`)) })
	sub.waitTopic(t, "owntracks/test/2A12", 10*time.Second, func([]byte) bool { return true })
	time.Sleep(time.Second)
	checkPayloads(t, sub)
}

// realNMEA is every line of the modem capture plus the first 200
// lines of each gpsd log, one datagram each.
func realNMEA(t *testing.T) []string {
	t.Helper()
	data := filepath.Join("..", "..", "testdata", "captures", "nmea")
	files, _ := filepath.Glob(filepath.Join(data, "gpsd", "*.log"))
	files = append(files, filepath.Join(data, "ip-modems.txt"))
	var out []string
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatalf("real data: %v", err)
		}
		sc := bufio.NewScanner(fh)
		for n := 0; sc.Scan() && n < 200; n++ {
			if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
				out = append(out, l)
			}
		}
		fh.Close()
	}
	if len(out) < 50 {
		t.Fatalf("only %d lines of real NMEA found under %s", len(out), data)
	}
	return out
}

// schemaClass is the schema class (docs/schema/<class>.v1.json) of a topic,
// from the sink's topic table; "" for plain text and topics not radiogw's.
func schemaClass(topic string) string {
	f, _ := mqttsink.SchemaOf(mqttsink.Options{TopicRoot: "radiogw/test", Site: "test"}, topic)
	return strings.TrimSuffix(f, ".v1.json")
}

// checkPayloads validates every message the subscriber saw against
// docs/schema/<class>.v1.json (commands included: the accepted ones must match,
// the rejected ones must not).
func checkPayloads(t *testing.T, sub *subscriber) {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const base = "https://radiogw.invalid/schema/"
	files, _ := filepath.Glob(filepath.Join("..", "..", "docs", "schema", "*.v1.json"))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		c.AddResource(base+filepath.Base(f), doc)
	}
	seen := map[string]int{}
	sub.mu.Lock()
	msgs := append([]paho.Message(nil), sub.msgs...)
	sub.mu.Unlock()
	for _, m := range msgs {
		class := schemaClass(m.Topic())
		if class == "" || len(m.Payload()) == 0 {
			continue // status is plain text; an empty retained message deletes a topic
		}
		sch, err := c.Compile(base + class + ".v1.json")
		if err != nil {
			t.Fatalf("schema %s: %v", class, err)
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(m.Payload()))
		if err == nil {
			err = sch.Validate(v)
		}
		if class == "command" {
			continue // commands are input; the rejected ones are expected not to match
		}
		seen[class]++
		if err != nil {
			t.Errorf("%s on %s does not match %s.v1.json: %v\n%s", class, m.Topic(), class, err, m.Payload())
		}
	}
	t.Logf("validated payloads per class: %v", seen)
	for _, class := range []string{"unit", "channel", "event", "map"} {
		if seen[class] == 0 {
			t.Errorf("no %s payload was published", class)
		}
	}
}

// A daemon stopped while the broker is down keeps its unsent events in the
// outbox; started again (broker still down), it delivers them, and the ones
// raised since, once the broker is back. The display's persistent session
// receives every event exactly as raised, after de-duplication by ID.
func TestDaemonRestartWhileBrokerDown(t *testing.T) {
	m := persistentMosquitto(t)
	s := newSite(t)
	console := testsvc.FreeUDPPort(t)
	s.extra = consoleSource(console)
	s.mqttBlock = mqttBrokerBlock(m.Addr)
	s.write(t)

	events := map[string]bool{}
	var order []string
	msgs := persistentSession(t, m.Addr, "wallmap-restart", "radiogw/test/events/ptt_start")

	p := s.start(t)
	radios := []string{"1201", "1202", "1203", "1204", "1205", "1206"}
	sendUDP(t, console, "I"+radios[0])
	collect := func(want int, within time.Duration) {
		t.Helper()
		deadline := time.After(within)
		for len(order) < want {
			select {
			case m := <-msgs:
				var e struct {
					ID      string `json:"id"`
					RadioID string `json:"radio_id"`
				}
				json.Unmarshal(m.Payload(), &e)
				if !events[e.ID] {
					events[e.ID] = true
					order = append(order, e.RadioID)
				}
			case <-deadline:
				t.Fatalf("got ptt_start from %v, want %d radios in order %v", order, want, radios[:want])
			}
		}
	}
	collect(1, 10*time.Second)

	m.Stop()
	time.Sleep(300 * time.Millisecond)
	sendUDP(t, console, "I"+radios[1])
	time.Sleep(200 * time.Millisecond)
	sendUDP(t, console, "I"+radios[2])
	time.Sleep(500 * time.Millisecond) // the tracker turned; the events are in the outbox
	stopClean(t, p, 30*time.Second)
	p = s.start(t)
	sendUDP(t, console, "I"+radios[3])
	time.Sleep(200 * time.Millisecond)
	sendUDP(t, console, "I"+radios[4])
	time.Sleep(500 * time.Millisecond)
	m.Restart()
	sendUDP(t, console, "I"+radios[5])
	collect(len(radios), 60*time.Second)
	if strings.Join(order, ",") != strings.Join(radios, ",") {
		t.Errorf("ptt_start events arrived for %v, want %v in that order", order, radios)
	}
}

// loginClient connects with a login over url and optionally subscribes.
func loginClient(t *testing.T, url, user, pass, filter string) (*subscriber, error) {
	t.Helper()
	s := &subscriber{last: map[string][]byte{}}
	o := paho.NewClientOptions().AddBroker(url).SetClientID(fmt.Sprintf("%s-%d", user, time.Now().UnixNano())).
		SetUsername(user).SetPassword(pass).SetConnectTimeout(5 * time.Second)
	s.c = paho.NewClient(o)
	if tok := s.c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		return nil, fmt.Errorf("connect as %q: %v", user, tok.Error())
	}
	t.Cleanup(func() { s.c.Disconnect(50) })
	if filter != "" {
		tok := s.c.Subscribe(filter, 1, func(_ paho.Client, m paho.Message) {
			s.mu.Lock()
			s.msgs = append(s.msgs, m)
			s.last[m.Topic()] = m.Payload()
			s.mu.Unlock()
		})
		if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			return nil, fmt.Errorf("subscribe as %q: %v", user, tok.Error())
		}
	}
	return s, nil
}

// The embedded broker with auth = true, configured in HCL with passwords
// from the environment: anonymous clients are refused; a display (TCP or
// WebSocket) sees the map but its ack does not reach radiogw; a dispatcher's
// ack does.
func TestEmbeddedBrokerAuthRoles(t *testing.T) {
	t.Setenv("RADIOGW_TEST_WALLMAP_PW", "map-secret")
	t.Setenv("RADIOGW_TEST_DISP_PW", "disp-secret")
	s := newSite(t)
	console := testsvc.FreeUDPPort(t)
	s.extra = consoleSource(console)
	s.wsPort = testsvc.FreePort(t)
	s.mqttBlock = fmt.Sprintf(`broker {
  listen    = "127.0.0.1:%d"
  websocket = "127.0.0.1:%d"
  auth      = true
  user "wallmap" {
    password_env = "RADIOGW_TEST_WALLMAP_PW"
    role         = "display"
  }
  user "disp4" {
    password_env = "RADIOGW_TEST_DISP_PW"
    role         = "dispatcher"
  }
}
`, s.mqttPort, s.wsPort)
	s.write(t)
	s.start(t)
	tcp := fmt.Sprintf("tcp://127.0.0.1:%d", s.mqttPort)
	ws := fmt.Sprintf("ws://127.0.0.1:%d/mqtt", s.wsPort)

	if _, err := loginClient(t, tcp, "", "", ""); err == nil {
		t.Errorf("anonymous client accepted with auth = true")
	}
	if _, err := loginClient(t, tcp, "wallmap", "wrong", ""); err == nil {
		t.Errorf("wrong password accepted")
	}
	display, err := loginClient(t, tcp, "wallmap", "map-secret", "radiogw/test/#")
	if err != nil {
		t.Fatal(err)
	}
	browser, err := loginClient(t, ws, "wallmap", "map-secret", "radiogw/test/units/#")
	if err != nil {
		t.Fatal(err)
	}

	sendUDP(t, s.udpPort, rmc("4521", time.Now(), 33.74562, -117.82311))
	display.waitTopic(t, "radiogw/test/units/2A12", 10*time.Second, positionAt(33.74562, -117.82311))
	browser.waitTopic(t, "radiogw/test/units/2A12", 10*time.Second, positionAt(33.74562, -117.82311))
	sendUDP(t, console, "E1201")
	b := display.waitTopic(t, "radiogw/test/events/emergency", 10*time.Second, func([]byte) bool { return true })
	var alarm struct {
		EmergencyID string `json:"emergency_id"`
	}
	json.Unmarshal(b, &alarm)
	ack := []byte(fmt.Sprintf(`{"id":%q,"by":"wallmap"}`, alarm.EmergencyID))

	// A display's ack (and a forged unit state) never arrive.
	forger, err := loginClient(t, tcp, "wallmap", "map-secret", "")
	if err != nil {
		t.Fatal(err)
	}
	forger.c.Publish("radiogw/test/commands/emergency_ack", 1, false, ack).WaitTimeout(2 * time.Second)
	forger2, err := loginClient(t, tcp, "wallmap", "map-secret", "")
	if err != nil {
		t.Fatal(err)
	}
	forger2.c.Publish("radiogw/test/units/2A12", 1, true, []byte(`{"class":"unit","v":1,"unit":"2A12"}`)).WaitTimeout(2 * time.Second)
	time.Sleep(time.Second)
	display.mu.Lock()
	last := string(display.last["radiogw/test/units/2A12"])
	display.mu.Unlock()
	if strings.Contains(last, "acked_by") || !positionAt(33.74562, -117.82311)([]byte(last)) {
		t.Fatalf("a display changed the unit state: %s", last)
	}
	if n := display.count("radiogw/test/events/emergency_ack"); n != 0 {
		t.Fatalf("%d emergency_ack events after a display's ack", n)
	}

	disp, err := loginClient(t, tcp, "disp4", "disp-secret", "")
	if err != nil {
		t.Fatal(err)
	}
	ack = []byte(fmt.Sprintf(`{"id":%q,"by":"disp4"}`, alarm.EmergencyID))
	if tok := disp.c.Publish("radiogw/test/commands/emergency_ack", 1, false, ack); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("dispatcher's ack: %v", tok.Error())
	}
	display.waitTopic(t, "radiogw/test/units/2A12", 10*time.Second, func(b []byte) bool {
		return strings.Contains(string(b), `"acked_by":"disp4"`)
	})
	browser.waitTopic(t, "radiogw/test/units/2A12", 10*time.Second, func(b []byte) bool {
		return strings.Contains(string(b), `"acked_by":"disp4"`)
	})
}
