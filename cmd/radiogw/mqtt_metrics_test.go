package main

import (
	"fmt"
	"testing"
	"time"

	mqttsink "radiogw/gateway/publish/mqtt"
	"radiogw/gateway/testsvc"
)

// The MQTT sink reports through callbacks that the runtime wires to its
// Prometheus collectors: every label set the sink can report is on /metrics
// at zero from the start, and what the broker confirmed, what failed and
// what was refused show up under the sink's names.
func TestMQTTSinkMetricsWired(t *testing.T) {
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	s := newSite(t)
	s.mqttBlock = fmt.Sprintf("mqtt {\n  broker    = \"tcp://%s\"\n  owntracks = true\n  homeassistant = true\n}\n", m.Addr)
	s.write(t)
	s.start(t)
	sub := subscribe(t, m.Addr, "#")

	var met metricSet
	waitUntil(t, 10*time.Second, "connected", func() bool {
		met = scrape(t, s.httpPort)
		return met.get("radiogw_sink_connected", `sink="mqtt"`) == 1
	})
	zero := []string{}
	for _, k := range mqttsink.PublishedKinds() {
		zero = append(zero, fmt.Sprintf(`radiogw_sink_published_total{kind=%q,sink="mqtt"}`, k))
	}
	for _, r := range mqttsink.FailureReasons {
		zero = append(zero, fmt.Sprintf(`radiogw_sink_failures_total{reason=%q,sink="mqtt"}`, r))
	}
	for _, r := range mqttsink.DropReasons {
		zero = append(zero, fmt.Sprintf(`radiogw_drops_total{reason=%q,stage="sink_mqtt"}`, r))
	}
	for _, k := range zero {
		if _, ok := met[k]; !ok {
			t.Errorf("/metrics lacks %s", k)
		}
	}
	if met.get("radiogw_sink_reconnects_total", `sink="mqtt"`) != 1 {
		t.Errorf("reconnects %v, want 1", met.get("radiogw_sink_reconnects_total", `sink="mqtt"`))
	}

	sendUDP(t, s.udpPort, rmc("4521", time.Now().Add(-time.Second), 33.74562, -117.82311))
	sub.waitTopic(t, "radiogw/test/units/2A12", 10*time.Second, func([]byte) bool { return true })
	// A command the sink refuses is counted by its reason.
	if tok := sub.c.Publish("radiogw/test/commands/emergency_ack", 1, false, `{"id":"radiogw/#"}`); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("publish command: %v", tok.Error())
	}
	waitUntil(t, 10*time.Second, "publishes and the refusal counted", func() bool {
		met = scrape(t, s.httpPort)
		for _, k := range []string{"unit", "owntracks", "homeassistant", "tracker", "map"} {
			if met.get("radiogw_sink_published_total", `sink="mqtt"`, fmt.Sprintf(`kind=%q`, k)) < 1 {
				return false
			}
		}
		return met.get("radiogw_commands_total", `via="mqtt"`, `result="bad_id"`) == 1 &&
			met.get("radiogw_publish_latency_seconds_count", `sink="mqtt"`) >= 1
	})
}

func waitUntil(t *testing.T, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
