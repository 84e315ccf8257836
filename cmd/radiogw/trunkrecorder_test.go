package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"radiogw/gateway/testsvc"
)

// trunk-recorder's documented MQTT messages, replayed through a real
// mosquitto, become channel activity on the configured talkgroup channels.
func TestTrunkRecorderOverMQTT(t *testing.T) {
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	s := newSite(t)
	s.mqttBlock = fmt.Sprintf("mqtt {\n  broker = \"tcp://%s\"\n}\n", m.Addr)
	s.extra = fmt.Sprintf(`
source "mqtt" "tr" {
  broker       = "tcp://%s"
  topic_prefix = "trunk-recorder"
  codec        = "trunk_recorder"
}

channel "metro-n" {
  talkgroup = 3029
  mode      = "p25"
}

channel "disp1" {
  talkgroup = 401
  mode      = "p25"
}
`, m.Addr)
	s.write(t)
	p := s.start(t)
	p.WaitOutput(t, `source up" source=tr`, 10*time.Second)
	sub := subscribe(t, m.Addr, "radiogw/test/#")

	pub := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + m.Addr).SetClientID("tr-replay"))
	if tok := pub.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	defer pub.Disconnect(100)
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
