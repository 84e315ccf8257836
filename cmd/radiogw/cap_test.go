package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"radiogw/gateway/testsvc"
)

// capSchema is the OASIS CAP 1.2 schema (testdata/xsd/README.md).
var capSchema = filepath.Join("..", "..", "testdata", "xsd", "CAP-v1.2.xsd")

// capAlert is what the tests read back from a CAP document.
type capAlert struct {
	Identifier string `xml:"identifier"`
	Sender     string `xml:"sender"`
	Sent       string `xml:"sent"`
	MsgType    string `xml:"msgType"`
	References string `xml:"references"`
	Incidents  string `xml:"incidents"`
	Info       []struct {
		Headline  string `xml:"headline"`
		Parameter []struct {
			Name  string `xml:"valueName"`
			Value string `xml:"value"`
		} `xml:"parameter"`
		Area []struct {
			Circle []string `xml:"circle"`
		} `xml:"area"`
	} `xml:"info"`
}

func (a *capAlert) param(name string) string {
	for _, p := range a.Info[0].Parameter {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

// capDoc validates doc against the CAP 1.2 schema with xmllint and decodes it.
func capDoc(t *testing.T, doc []byte) capAlert {
	t.Helper()
	if err := xmllint(t, doc, capSchema); err != nil {
		t.Fatalf("CAP document does not validate: %v\n%s", err, doc)
	}
	var a capAlert
	if err := xml.Unmarshal(doc, &a); err != nil || len(a.Info) != 1 {
		t.Fatalf("CAP document: %v\n%s", err, doc)
	}
	return a
}

// capFeed fetches GET /api/v1/cap.atom, checks it is well-formed (xmllint)
// and holds what RFC 4287 requires (feed id, title, updated, author; entry
// id, title, updated, content carrying one CAP alert), validates each
// alert, and returns them.
func capFeed(t *testing.T, httpPort int) []capAlert {
	t.Helper()
	code, body, ctype := httpGetStatus(t, fmt.Sprintf("http://127.0.0.1:%d/api/v1/cap.atom", httpPort))
	if code != 200 || !strings.HasPrefix(ctype, "application/atom+xml") {
		t.Fatalf("cap.atom: HTTP %d %s\n%s", code, ctype, body)
	}
	if err := xmllint(t, body, ""); err != nil {
		t.Fatalf("feed: %v", err)
	}
	var f struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		ID      []string `xml:"id"`
		Title   []string `xml:"title"`
		Updated []string `xml:"updated"`
		Author  []string `xml:"author>name"`
		Entry   []struct {
			ID      []string `xml:"id"`
			Title   []string `xml:"title"`
			Updated []string `xml:"updated"`
			Content []struct {
				Type  string `xml:"type,attr"`
				Inner string `xml:",innerxml"`
			} `xml:"content"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(body, &f); err != nil {
		t.Fatalf("feed: %v\n%s", err, body)
	}
	if len(f.ID) != 1 || len(f.Title) != 1 || len(f.Updated) != 1 || len(f.Author) != 1 {
		t.Fatalf("feed lacks id, title, updated or author:\n%s", body)
	}
	var out []capAlert
	for _, e := range f.Entry {
		if len(e.ID) != 1 || len(e.Title) != 1 || len(e.Updated) != 1 || len(e.Content) != 1 ||
			e.Content[0].Type != "application/cap+xml" {
			t.Fatalf("entry lacks id, title, updated or CAP content:\n%s", body)
		}
		if _, err := time.Parse(time.RFC3339, e.Updated[0]); err != nil {
			t.Errorf("entry updated: %v", err)
		}
		out = append(out, capDoc(t, []byte(xml.Header+strings.TrimSpace(e.Content[0].Inner))))
	}
	return out
}

// newCAPTopic waits for a CAP document on a <root>/cap/ topic not in seen
// and returns the topic and the document.
func newCAPTopic(t *testing.T, sub *subscriber, within time.Duration, seen ...string) (string, []byte) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		sub.mu.Lock()
		for _, m := range sub.msgs {
			if strings.HasPrefix(m.Topic(), "radiogw/test/cap/") && !slices.Contains(seen, m.Topic()) && len(m.Payload()) > 0 {
				sub.mu.Unlock()
				return m.Topic(), m.Payload()
			}
		}
		sub.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no CAP document on a new topic within %s", within)
	return "", nil
}

const capBlock = `
cap {
  sender          = "dispatch@test.example.org"
  sender_name     = "Test PD <Dispatch> & Co"
  fields          = ["unit", "radio_id", "channel", "by"]
  critical_events = ["stuck_mic"]
}

source "udp" "rogue" {
  listen  = "127.0.0.1:%d"
  codec   = "lines"
  profile = "freeform"
  channel = "tac2"
}

profile "freeform" {
  pattern {
    kind  = "emergency"
    regex = "^EMERG (?P<unit>.+)$"
  }
}
`

// An emergency becomes a CAP 1.2 Alert on <root>/cap/<id>, retained for a
// notifier that subscribes later; the acknowledgement an Update and the
// clear a Cancel, each referencing what went before, after which the
// retained alert is gone. Every document validates against the OASIS
// schema, hostile names stay text, no position goes out until a reload
// includes it, the Atom feed follows, and every message is counted.
func TestCAPAlertsThroughTheBinary(t *testing.T) {
	s := newSite(t)
	console, rogue := testsvc.FreeUDPPort(t), testsvc.FreeUDPPort(t)
	s.extra = consoleSource(console) + fmt.Sprintf(capBlock, rogue)
	s.write(t)
	tokenFile := filepath.Join(s.dir, "http.token")
	os.WriteFile(tokenFile, []byte("s3cret-token\n"), 0o600)
	os.WriteFile(s.config, []byte(strings.Replace(mustRead(t, s.config), "http {\n",
		fmt.Sprintf("http {\n  token_file = %q\n", tokenFile), 1)), 0o644)
	p := s.start(t)
	addr := fmt.Sprintf("127.0.0.1:%d", s.mqttPort)
	sub := subscribe(t, addr, "radiogw/test/#")
	sub.waitTopic(t, "radiogw/test/status", 10*time.Second, func(b []byte) bool { return string(b) == "online" })

	for _, series := range []string{`radiogw_cap_messages_total{msg_type="Alert",result="published"}`,
		`radiogw_cap_messages_total{msg_type="Update",result="failed"}`,
		`radiogw_cap_messages_total{msg_type="clear",result="published"}`} {
		if v := metricValue(t, s.httpPort, series); v != 0 {
			t.Errorf("%s = %v at start, want present at 0", series, v)
		}
	}
	if n := len(capFeed(t, s.httpPort)); n != 0 {
		t.Errorf("feed has %d entries before any alert", n)
	}

	sendUDP(t, s.udpPort, rmc("4521", time.Now(), 33.74562, -117.82311))
	sub.waitTopic(t, "radiogw/test/units/2A12", 10*time.Second, positionAt(33.74562, -117.82311))
	sendUDP(t, console, "E1201")
	var ev struct {
		Emerg string `json:"emergency_id"`
	}
	b := sub.waitTopic(t, "radiogw/test/events/emergency", 10*time.Second, func([]byte) bool { return true })
	if json.Unmarshal(b, &ev); ev.Emerg == "" {
		t.Fatalf("emergency event %s", b)
	}
	topic, doc := newCAPTopic(t, sub, 10*time.Second)
	alert := capDoc(t, doc)
	if alert.MsgType != "Alert" || alert.param("unit") != "2A12" || alert.param("radio_id") != "1201" ||
		alert.param("emergency_id") != ev.Emerg || alert.param("channel") != "tac2" ||
		topic != "radiogw/test/cap/"+alert.Incidents || alert.Sender != "dispatch@test.example.org" {
		t.Fatalf("alert: %+v", alert)
	}

	// A notifier that subscribes now still gets the alert: it is retained.
	late := subscribe(t, addr, "radiogw/test/cap/#")
	late.waitTopic(t, topic, 10*time.Second, func(b []byte) bool { return strings.Contains(string(b), "<msgType>Alert<") })

	// The dispatcher's name is untrusted text too.
	hostileBy := `<b>disp&amp;4]]></alert>"'`
	ackURL := fmt.Sprintf("http://127.0.0.1:%d/api/v1/emergencies/%s/ack", s.httpPort, ev.Emerg)
	byJSON, _ := json.Marshal(map[string]string{"by": hostileBy})
	if code := post(t, ackURL, "s3cret-token", string(byJSON)); code != 200 {
		t.Fatalf("ack: HTTP %d", code)
	}
	upd := capDoc(t, sub.waitTopic(t, topic, 10*time.Second, func(b []byte) bool { return strings.Contains(string(b), "<msgType>Update<") }))
	alertRef := alert.Sender + "," + alert.Identifier + "," + alert.Sent
	if upd.param("by") != hostileBy || upd.References != alertRef || upd.Identifier == alert.Identifier {
		t.Errorf("update: by %q, references %q (want %q)", upd.param("by"), upd.References, alertRef)
	}
	feed := capFeed(t, s.httpPort)
	if len(feed) != 1 || feed[0].MsgType != "Update" || feed[0].Identifier != upd.Identifier {
		t.Errorf("feed after the ack: %+v", feed)
	}

	// Cleared over the command topic: a Cancel, then the retained alert goes.
	mqttPublish(t, addr, "radiogw/test/commands/emergency_clear", []byte(fmt.Sprintf(`{"id":%q,"by":"disp4"}`, ev.Emerg)))
	sub.waitTopic(t, topic, 10*time.Second, func(b []byte) bool { return len(b) == 0 })
	var cancel capAlert
	msgs := sub.eventsOn(topic)
	for _, m := range msgs {
		if strings.Contains(string(m), "<msgType>Cancel<") {
			cancel = capDoc(t, m)
		}
	}
	if cancel.MsgType != "Cancel" || !strings.Contains(cancel.References, alertRef) ||
		!strings.Contains(cancel.References, upd.Identifier) {
		t.Fatalf("cancel: %+v", cancel)
	}
	if len(msgs) != 4 {
		t.Errorf("%d messages on %s, want Alert, Update, Cancel and the empty retained clear", len(msgs), topic)
	}
	after := subscribe(t, addr, "radiogw/test/cap/#")
	time.Sleep(time.Second)
	if n := after.count("radiogw/test/cap/"); n != 0 {
		t.Errorf("a subscriber after the clear still got %d retained CAP messages", n)
	}
	if feed := capFeed(t, s.httpPort); len(feed) != 1 || feed[0].MsgType != "Cancel" {
		t.Errorf("feed after the clear: %+v", feed)
	}

	// A radio ID off the wire, built to break XML, stays text.
	hostileRadio := `7&amp;]]>"'<`
	sendUDP(t, rogue, "EMERG "+hostileRadio)
	rogueTopic, rogueDoc := newCAPTopic(t, sub, 10*time.Second, topic)
	if a := capDoc(t, rogueDoc); a.param("radio_id") != hostileRadio {
		t.Errorf("hostile radio ID came back as %q\n%s\n%q", a.param("radio_id"), rogueDoc, sub.eventsOn("radiogw/test/events/emergency"))
	}

	// Nothing so far carried the unit's position.
	sub.mu.Lock()
	for _, m := range sub.msgs {
		if strings.HasPrefix(m.Topic(), "radiogw/test/cap/") && (strings.Contains(string(m.Payload()), "33.74") ||
			strings.Contains(string(m.Payload()), "<area>")) {
			t.Errorf("a position went out without include_position:\n%s", m.Payload())
		}
	}
	sub.mu.Unlock()

	// A reload that includes positions: the next alert carries a circle
	// around the unit's last fix.
	os.WriteFile(s.config, []byte(strings.Replace(mustRead(t, s.config), `critical_events = ["stuck_mic"]`,
		"critical_events = [\"stuck_mic\"]\n  include_position = true", 1)), 0o644)
	p.Cmd.Process.Signal(syscall.SIGHUP)
	p.WaitOutput(t, "configuration reloaded", 10*time.Second)
	sendUDP(t, console, "E1201")
	b = sub.waitTopic(t, "radiogw/test/events/emergency", 10*time.Second, func(b []byte) bool {
		return !strings.Contains(string(b), ev.Emerg) && strings.Contains(string(b), `"radio_id":"1201"`)
	})
	json.Unmarshal(b, &ev)
	_, doc = newCAPTopic(t, sub, 10*time.Second, topic, rogueTopic)
	withPos := capDoc(t, doc)
	if len(withPos.Info[0].Area) != 1 || withPos.Info[0].Area[0].Circle[0] != "33.74562,-117.82311 0.1" {
		t.Errorf("area with include_position: %+v", withPos.Info[0].Area)
	}

	checkCounts(t, s.httpPort, map[string]float64{
		`radiogw_cap_messages_total{msg_type="Alert",result="published"}`:  3,
		`radiogw_cap_messages_total{msg_type="Update",result="published"}`: 1,
		`radiogw_cap_messages_total{msg_type="Cancel",result="published"}`: 1,
		`radiogw_cap_messages_total{msg_type="clear",result="published"}`:  1,
		`radiogw_cap_messages_total{msg_type="Alert",result="failed"}`:     0,
	})
}

// The example of docs/cap.md is a configuration radiogw accepts.
func TestCAPDocExampleChecks(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "docs", "cap.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := hclBlock.FindAllSubmatch(raw, -1)
	if len(blocks) == 0 {
		t.Fatal("docs/cap.md has no hcl example")
	}
	cfg := filepath.Join(t.TempDir(), "radiogw.hcl")
	os.WriteFile(cfg, blocks[0][1], 0o644)
	if out, err := exec.Command(binary, "check", "-config", cfg).CombinedOutput(); err != nil {
		t.Errorf("radiogw check docs/cap.md example: %v\n%s", err, out)
	}
}

// A 35 s broker outage and a restart of radiogw in the middle of an
// emergency lose nothing: the acknowledgement's Update and the clear's
// Cancel wait in the outbox and reach a notifier with a persistent session
// in order after the broker is back, and the Cancel still references the
// Alert sent before the restart (the saved book). Afterwards the broker
// retains no alert.
func TestCAPThroughBrokerOutageAndRestart(t *testing.T) {
	m := persistentMosquitto(t)
	s := newSite(t)
	console := testsvc.FreeUDPPort(t)
	s.extra = consoleSource(console) + `
cap {
  sender = "dispatch@test.example.org"
}
`
	s.mqttBlock = mqttBrokerBlock(m.Addr)
	s.write(t)
	tokenFile := filepath.Join(s.dir, "http.token")
	os.WriteFile(tokenFile, []byte("s3cret-token\n"), 0o600)
	os.WriteFile(s.config, []byte(strings.Replace(mustRead(t, s.config), "http {\n",
		fmt.Sprintf("http {\n  token_file = %q\n", tokenFile), 1)), 0o644)

	msgs := persistentSession(t, m.Addr, "alert-notifier", "radiogw/test/cap/#")
	// next is the notifier's next new message: like a real one it skips a
	// CAP message whose identifier it has seen (a resubscription brings
	// the retained alert again).
	seen := map[string]bool{}
	next := func(within time.Duration) paho.Message {
		t.Helper()
		deadline := time.After(within)
		for {
			select {
			case msg := <-msgs:
				var a capAlert
				if len(msg.Payload()) > 0 && xml.Unmarshal(msg.Payload(), &a) == nil {
					if seen[a.Identifier] {
						continue
					}
					seen[a.Identifier] = true
				}
				return msg
			case <-deadline:
				t.Fatalf("no new CAP message within %s", within)
				return nil
			}
		}
	}

	p := s.start(t)
	events := subscribe(t, m.Addr, "radiogw/test/events/emergency")
	sendUDP(t, console, "E1201")
	alertMsg := next(10 * time.Second)
	alert := capDoc(t, alertMsg.Payload())
	if alert.MsgType != "Alert" || alertMsg.Topic() != "radiogw/test/cap/"+alert.Incidents {
		t.Fatalf("alert on %s: %+v", alertMsg.Topic(), alert)
	}
	var ev struct {
		ID string `json:"emergency_id"`
	}
	json.Unmarshal(events.waitTopic(t, "radiogw/test/events/emergency", 10*time.Second, func([]byte) bool { return true }), &ev)
	id := ev.ID

	outage := time.Now()
	m.Stop()
	api := fmt.Sprintf("http://127.0.0.1:%d/api/v1/emergencies/%s/", s.httpPort, id)
	if code := post(t, api+"ack", "s3cret-token", `{"by":"disp4"}`); code != 200 {
		t.Fatalf("ack: HTTP %d", code)
	}
	time.Sleep(500 * time.Millisecond) // the Update is in the outbox
	stopClean(t, p, 30*time.Second)
	p = s.start(t)
	if code := post(t, api+"clear", "s3cret-token", `{"by":"disp4"}`); code != 200 {
		t.Fatalf("clear: HTTP %d", code)
	}
	time.Sleep(35*time.Second - time.Since(outage))
	m.Restart()

	upd := capDoc(t, next(60*time.Second).Payload())
	cancelMsg := next(10 * time.Second)
	cancel := capDoc(t, cancelMsg.Payload())
	if del := next(10 * time.Second); len(del.Payload()) != 0 || del.Topic() != alertMsg.Topic() {
		t.Errorf("after the Cancel: %s %q, want the empty retained clear", del.Topic(), del.Payload())
	}
	alertRef := alert.Sender + "," + alert.Identifier + "," + alert.Sent
	if upd.MsgType != "Update" || upd.References != alertRef {
		t.Errorf("update: %+v", upd)
	}
	if cancel.MsgType != "Cancel" || !strings.Contains(cancel.References, alertRef) ||
		!strings.Contains(cancel.References, upd.Identifier) {
		t.Errorf("cancel after a restart: %+v", cancel)
	}
	fresh := subscribe(t, m.Addr, "radiogw/test/cap/#")
	time.Sleep(time.Second)
	if n := fresh.count("radiogw/test/cap/"); n != 0 {
		t.Errorf("the broker still retains %d CAP alerts after the clear", n)
	}
}
