package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"radiogw/gateway/testsvc"
)

// trunk-recorder's documented MQTT messages, replayed through a real
// mosquitto, become channel activity on the configured talkgroup channels.
func TestTrunkRecorderOverMQTT(t *testing.T) {
	s, m := trunkRecorderSite(t, `
channel "metro-n" {
  talkgroup = 3029
  mode      = "p25"
}

channel "disp1" {
  talkgroup = 401
  mode      = "p25"
}
`)
	s.write(t)
	p := s.start(t)
	p.WaitOutput(t, `source up" source=tr`, 10*time.Second)
	sub := subscribe(t, m.Addr, "radiogw/test/#")

	pub := mqttPublisher(t, m.Addr, "tr-replay")
	sent := 0
	for _, msg := range trunkRecorderMessages(t) {
		topic := strings.Replace(strings.Replace(msg.topic, "unit_topic/shortname", "trunk-recorder/units/east", 1),
			"topic/", "trunk-recorder/feeds/", 1)
		tok := pub.Publish(topic, 0, false, msg.payload)
		tok.WaitTimeout(5 * time.Second)
		sent++
	}
	if sent < 20 {
		t.Fatalf("only %d messages in the capture", sent)
	}

	b := sub.waitAny(t, "radiogw/test/events/ptt_start", 10*time.Second, func(b []byte) bool {
		return strings.Contains(string(b), `"channel":"metro-n"`)
	})
	var ev struct {
		Kind, Channel string
		RadioID       string `json:"radio_id"`
	}
	json.Unmarshal(b, &ev)
	if ev.RadioID != "849183" {
		t.Errorf("ptt_start radio_id = %q, want trunk-recorder's decimal unit 849183: %s", ev.RadioID, b)
	}
	sub.waitTopic(t, "radiogw/test/channels/metro-n", 10*time.Second, func(b []byte) bool {
		return strings.Contains(string(b), `"talker_id":"849183"`)
	})
	// The unit end on talkgroup 401 is a ptt_end for that channel.
	sub.waitAny(t, "radiogw/test/events/ptt_end", 10*time.Second, func(b []byte) bool {
		return strings.Contains(string(b), `"channel":"disp1"`) && strings.Contains(string(b), `"radio_id":"129262"`)
	})
}

// trunkRecorderSite is a site that publishes to a mosquitto of its own and
// reads trunk-recorder's MQTT plugin there (source "tr", prefix
// "trunk-recorder"); extra is more HCL (channels, units).
func trunkRecorderSite(t *testing.T, extra string) (*site, *testsvc.Mosquitto) {
	t.Helper()
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	s := newSite(t)
	s.mqttBlock = mqttBrokerBlock(m.Addr)
	s.extra = fmt.Sprintf(`
source "mqtt" "tr" {
  broker       = "tcp://%s"
  topic_prefix = "trunk-recorder"
  codec        = "trunk_recorder"
}
`, m.Addr) + extra
	return s, m
}

type trMessage struct {
	topic   string
	payload []byte
}

func trunkRecorderMessages(t *testing.T) []trMessage {
	t.Helper()
	f, err := os.Open("../../testdata/captures/trunk-recorder/messages.jsonl")
	if err != nil {
		t.Fatalf("trunk-recorder capture: %v", err)
	}
	defer f.Close()
	var out []trMessage
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line struct {
			Topic   string          `json:"topic_pattern"`
			Payload json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil || line.Topic == "" {
			continue
		}
		out = append(out, trMessage{topic: line.Topic, payload: line.Payload})
	}
	return out
}

// One trunk-recorder instance following two systems, through a real
// mosquitto and the binary: talkgroup 100 on "north" and on "south" are two
// channels; talkgroup 100 on a third system is "east:100", not either of
// them. The over-the-air alias becomes the alpha tag of a unit whose roster
// entry sets none, never of one that does. Units' on/off registrations are
// their radio_power in MQTT and the API, and an older registration never
// rolls a newer one back. A system name that cannot be a topic level drops
// the message; an alias with a bidi override is dropped alone; both counted.
// A channel with a talkgroup but no system beside named ones fails check.
func TestTrunkRecorderSystems(t *testing.T) {
	s, m := trunkRecorderSite(t, `
channel "north-disp" {
  system    = "north"
  talkgroup = 100
  mode      = "p25"
}

channel "south-disp" {
  system    = "south"
  talkgroup = 100
  mode      = "p25"
}

unit "N7" {
  radio_ids = ["7001"]
}

unit "S9" {
  alpha_tag = "South Engine 9"
  radio_ids = ["9001"]
}
`)
	s.write(t)

	// The same channels, one without its system: refused by check.
	bad := strings.Replace(s.extra, "  system    = \"south\"\n", "", 1)
	badDir := t.TempDir()
	os.WriteFile(badDir+"/radiogw.hcl", []byte("site = \"test\"\n"+bad), 0o600)
	out, err := exec.Command(binary, "check", "-config", badDir+"/radiogw.hcl").CombinedOutput()
	if err == nil || !strings.Contains(string(out), `channel "south-disp" has talkgroup 100 but no system`) {
		t.Errorf("check of a system-less talkgroup channel beside named ones: %v\n%s", err, out)
	}

	p := s.start(t)
	p.WaitOutput(t, `source up" source=tr`, 10*time.Second)
	sub := subscribe(t, m.Addr, "radiogw/test/#")
	pub := mqttPublisher(t, m.Addr, "tr-systems")
	send := func(topic string, msg map[string]any) {
		t.Helper()
		b, _ := json.Marshal(msg)
		if tok := pub.Publish(topic, 1, false, b); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			t.Fatalf("publish: %v", tok.Error())
		}
	}
	now := time.Now().Unix()
	call := func(sys string, num, unit, tg int, alias string, at int64) map[string]any {
		return map[string]any{"type": "call_start", "call": map[string]any{"id": fmt.Sprintf("%d_%d_%d", num, tg, at),
			"call_num": 51684, "sys_num": num, "sys_name": sys, "freq": 770331250, "unit": unit, "unit_alpha_tag": alias,
			"talkgroup": tg, "talkgroup_alpha_tag": "Dispatch", "emergency": false, "encrypted": false,
			"start_time": at, "elapsed": 0}, "timestamp": at, "instance_id": "east-antenna"}
	}
	unitMsg := func(kind, sys string, num, unit int, alias string, at int64) map[string]any {
		return map[string]any{"type": kind, kind: map[string]any{"sys_num": num, "sys_name": sys, "unit": unit,
			"unit_alpha_tag": alias}, "timestamp": at, "instance_id": "east-antenna"}
	}

	send("trunk-recorder/feeds/call_start", call("north", 0, 7001, 100, "Car 7 OTA", now-5))
	sub.waitTopic(t, "radiogw/test/channels/north-disp", 10*time.Second, func(b []byte) bool {
		return strings.Contains(string(b), `"talker_id":"7001"`) && strings.Contains(string(b), `"sys_name":"north"`)
	})
	send("trunk-recorder/feeds/call_start", call("south", 1, 9001, 100, "Forged Name", now-4))
	sub.waitTopic(t, "radiogw/test/channels/south-disp", 10*time.Second, func(b []byte) bool {
		return strings.Contains(string(b), `"talker_id":"9001"`)
	})
	sub.mu.Lock()
	north := string(sub.last["radiogw/test/channels/north-disp"])
	sub.mu.Unlock()
	if !strings.Contains(north, `"talker_id":"7001"`) {
		t.Errorf("south's talkgroup 100 changed north's channel: %s", north)
	}
	send("trunk-recorder/feeds/call_start", call("east", 2, 5150, 100, "", now-3))
	sub.waitAny(t, "radiogw/test/events/ptt_start", 10*time.Second, func(b []byte) bool {
		return strings.Contains(string(b), `"channel":"east:100"`) && strings.Contains(string(b), `"radio_id":"5150"`)
	})
	sub.waitTopic(t, "radiogw/test/units/N7", 10*time.Second, func(b []byte) bool {
		return strings.Contains(string(b), `"unit_alpha_tag":"Car 7 OTA"`) && strings.Contains(string(b), `"radio_alias":"Car 7 OTA"`)
	})

	// Power: off, then an older "on" (late in a queue) that must not roll
	// it back, then a newer "on".
	send("trunk-recorder/units/north/off", unitMsg("off", "north", 0, 7001, "Car 7 OTA", now-2))
	sub.waitTopic(t, "radiogw/test/units/N7", 10*time.Second, func(b []byte) bool {
		return strings.Contains(string(b), `"radio_power":"off"`)
	})
	sub.waitAny(t, "radiogw/test/events/radio_off", 10*time.Second, func(b []byte) bool {
		return strings.Contains(string(b), `"unit":"N7"`)
	})
	send("trunk-recorder/units/north/on", unitMsg("on", "north", 0, 7001, "", now-10))
	send("trunk-recorder/units/south/on", unitMsg("on", "south", 1, 9001, "Forged Again", now-1))
	sub.waitTopic(t, "radiogw/test/units/S9", 10*time.Second, func(b []byte) bool {
		return strings.Contains(string(b), `"radio_power":"on"`)
	})
	var n7 struct {
		Power    string `json:"radio_power"`
		AlphaTag string `json:"unit_alpha_tag"`
	}
	if err := json.Unmarshal([]byte(httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/api/v1/units/N7", s.httpPort))), &n7); err != nil ||
		n7.Power != "off" || n7.AlphaTag != "Car 7 OTA" {
		t.Errorf("API unit N7 after an older on: %+v %v, want radio_power off and the alias as alpha tag", n7, err)
	}
	var s9 struct {
		AlphaTag string `json:"unit_alpha_tag"`
		Alias    string `json:"radio_alias"`
	}
	json.Unmarshal([]byte(httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/api/v1/units/S9", s.httpPort))), &s9)
	if s9.AlphaTag != "South Engine 9" || s9.Alias != "Forged Again" {
		t.Errorf("S9: %+v, want the roster's alpha tag kept and the alias shown apart", s9)
	}
	send("trunk-recorder/units/north/on", unitMsg("on", "north", 0, 7001, "", now))
	sub.waitTopic(t, "radiogw/test/units/N7", 10*time.Second, func(b []byte) bool {
		return strings.Contains(string(b), `"radio_power":"on"`)
	})

	// Untrusted names: a system that cannot be a topic level drops the
	// message; a bidi-override alias is dropped, the message kept.
	send("trunk-recorder/feeds/call_start", call("no/rth", 0, 7001, 100, "", now+1))
	send("trunk-recorder/units/north/join", map[string]any{"type": "join", "join": map[string]any{"sys_num": 0,
		"sys_name": "north", "unit": 6006, "unit_alpha_tag": "\u202eKCAB", "talkgroup": 100}, "timestamp": now + 1})
	sub.waitTopic(t, "radiogw/test/units/6006", 10*time.Second, func(b []byte) bool {
		return strings.Contains(string(b), `"channel":"north-disp"`)
	})
	checkCounts(t, s.httpPort, map[string]float64{
		`radiogw_names_rejected_total{reason="separator",source="tr"}`: 1,
		`radiogw_names_rejected_total{reason="format",source="tr"}`:    1,
	})
	sub.mu.Lock()
	u6006 := string(sub.last["radiogw/test/units/6006"])
	sub.mu.Unlock()
	if strings.Contains(u6006, "KCAB") || strings.Contains(u6006, "radio_alias") {
		t.Errorf("a bidi alias reached the unit: %s", u6006)
	}
	// Both refusals share the source's rate-limited log line: the first
	// one is logged, whichever arrives first.
	if !strings.Contains(p.Output(), "no/rth") && !strings.Contains(p.Output(), `\u202eKCAB`) {
		t.Error("neither refusal was logged")
	}
}
