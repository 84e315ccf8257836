package main

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"radiogw/gateway/testsvc"
)

// Home Assistant's acceptance rules, written down from its source so the
// tests below judge radiogw's payloads the way Home Assistant does.

// haOwnTracksSee applies homeassistant/components/owntracks/messages.py
// (async_handle_message → async_handle_location_message →
// OwnTracksContext.async_valid_accuracy in owntracks/__init__.py →
// _parse_see_args → _parse_topic) to one MQTT message received under the
// subscription owntracks/#. It returns the device ID and the arguments
// Home Assistant would pass to device_tracker's see(), or why it ignores the
// message. maxGPSAccuracy < 0 is "not configured".
func haOwnTracksSee(topic string, payload []byte, maxGPSAccuracy float64) (devID string, see map[string]any, ignored string) {
	// async_handle_mqtt_message: json.loads, then message["topic"] = topic.
	var msg map[string]any
	if err := json.Unmarshal(payload, &msg); err != nil {
		return "", nil, "Unable to parse payload as JSON"
	}
	// HANDLERS.get(_type): location is handled; card (like lwt, cmd, ...)
	// is "valid but not implemented" and ignored quietly.
	switch msg["_type"] {
	case "location":
	case "card", "lwt", "configuration", "beacon", "cmd", "steps":
		return "", nil, "not implemented: " + msg["_type"].(string)
	default:
		return "", nil, fmt.Sprintf("unsupported message type %v", msg["_type"])
	}
	// async_valid_accuracy: acc must be present, float()-able, non-zero and
	// within max_gps_accuracy when configured.
	raw, ok := msg["acc"]
	if !ok || raw == nil {
		return "", nil, "no acc"
	}
	var acc float64
	switch v := raw.(type) {
	case float64:
		acc = v
	case string:
		if _, err := fmt.Sscan(v, &acc); err != nil {
			return "", nil, "acc is not a number"
		}
	default:
		return "", nil, "acc is not a number"
	}
	if acc == 0 {
		return "", nil, "GPS accuracy is zero"
	}
	if maxGPSAccuracy >= 0 && acc > maxGPSAccuracy {
		return "", nil, "expected GPS accuracy is not met"
	}
	// _parse_topic: the user and device are the two levels after the
	// subscription's '#' (owntracks/#: levels 1 and 2).
	levels := strings.Split(topic, "/")
	if len(levels) < 3 {
		return "", nil, "Can't parse topic"
	}
	user, device := levels[1], levels[2]
	// _parse_see_args: message["lat"] and message["lon"] are read directly
	// (a KeyError without them); gps_accuracy from acc, attributes from
	// vel/tid/cog.
	lat, okLat := msg["lat"]
	lon, okLon := msg["lon"]
	if !okLat || !okLon {
		return "", nil, "KeyError: lat/lon"
	}
	see = map[string]any{"host_name": user, "gps": [2]any{lat, lon}, "gps_accuracy": raw,
		"attributes": map[string]any{"velocity": msg["vel"], "tid": msg["tid"], "course": msg["cog"]}}
	return haSlugify(user + "_" + device), see, ""
}

// haSlugify approximates homeassistant.util.slugify for ASCII names:
// lower case, runs of anything else than [a-z0-9] become one '_'.
func haSlugify(s string) string {
	return strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(s), "_"), "_")
}

// haDiscoveryTopic is TOPIC_MATCHER of homeassistant/components/mqtt/discovery.py,
// under the default discovery prefix.
var haDiscoveryTopic = regexp.MustCompile(`^homeassistant/(?P<component>\w+)/(?:(?P<node_id>[a-zA-Z0-9_-]+)/)?(?P<object_id>[a-zA-Z0-9_-]+)/config$`)

// haAttributesBlocked is MQTT_ATTRIBUTES_BLOCKED of
// homeassistant/components/mqtt/entity.py: attributes Home Assistant drops.
var haAttributesBlocked = map[string]bool{"assumed_state": true, "available": true, "context_recent_time": true,
	"device_class": true, "device_info": true, "entity_category": true, "entity_picture": true,
	"entity_registry_enabled_default": true, "extra_state_attributes": true, "force_update": true, "icon": true,
	"friendly_name": true, "name": true, "should_poll": true, "state": true, "supported_features": true,
	"unique_id": true, "unit_of_measurement": true}

// haTracker is what a discovered MQTT device_tracker holds.
type haTracker struct {
	attributesTopic, availabilityTopic string
	available, unavailable             string
}

// haDiscover applies Home Assistant's MQTT discovery to one config message:
// the topic must match TOPIC_MATCHER for a device_tracker; the payload a JSON
// object passing device_tracker.py's DISCOVERY_SCHEMA (valid_config: a
// state_topic or a json_attributes_topic; source_type one of SourceType;
// subscribe topics without wildcards in the wrong place) and the shared
// entity schema (a device needs identifiers or connections; availability
// payloads default to online/offline).
func haDiscover(topic string, payload []byte) (haTracker, error) {
	m := haDiscoveryTopic.FindStringSubmatch(topic)
	if m == nil || m[1] != "device_tracker" {
		return haTracker{}, fmt.Errorf("topic %q is not a device_tracker discovery topic", topic)
	}
	var cfg map[string]any
	if err := json.Unmarshal(payload, &cfg); err != nil {
		return haTracker{}, fmt.Errorf("discovery payload: %v", err)
	}
	str := func(k, def string) string {
		if v, ok := cfg[k].(string); ok {
			return v
		}
		return def
	}
	tr := haTracker{attributesTopic: str("json_attributes_topic", ""), availabilityTopic: str("availability_topic", ""),
		available: str("payload_available", "online"), unavailable: str("payload_not_available", "offline")}
	if _, ok := cfg["state_topic"]; !ok && tr.attributesTopic == "" {
		return tr, fmt.Errorf("invalid device tracker config, missing state_topic or json_attributes_topic")
	}
	for _, t := range []string{tr.attributesTopic, tr.availabilityTopic} {
		if strings.ContainsAny(t, "+#") {
			return tr, fmt.Errorf("topic %q is not a valid subscribe topic", t)
		}
	}
	if st := str("source_type", "gps"); st != "gps" && st != "router" && st != "bluetooth" && st != "bluetooth_le" {
		return tr, fmt.Errorf("source_type %q", st)
	}
	if dev, ok := cfg["device"].(map[string]any); ok {
		if ids, _ := dev["identifiers"].([]any); len(ids) == 0 && dev["connections"] == nil {
			return tr, fmt.Errorf("device without identifiers or connections")
		}
	}
	return tr, nil
}

// haLocation applies MqttDeviceTracker._process_update_extra_state_attributes
// (homeassistant/components/mqtt/device_tracker.py) to an attributes payload:
// latitude and longitude must both be numbers, gps_accuracy a number (else 0).
func haLocation(payload []byte) (lat, lon, acc float64, attrs map[string]any, err error) {
	if err := json.Unmarshal(payload, &attrs); err != nil {
		return 0, 0, 0, nil, fmt.Errorf("attributes are not a JSON object: %v", err)
	}
	la, ok1 := attrs["latitude"].(float64)
	lo, ok2 := attrs["longitude"].(float64)
	if !ok1 || !ok2 {
		return 0, 0, 0, attrs, fmt.Errorf("invalid or incomplete location info: %s", payload)
	}
	a, ok := attrs["gps_accuracy"].(float64)
	if !ok {
		return la, lo, 0, attrs, fmt.Errorf("invalid GPS accuracy setting, gps_accuracy set to 0: %s", payload)
	}
	return la, lo, a, attrs, nil
}

// gga builds a $GPGGA sentence with an HDOP, prefixed with a modem ID.
func gga(id string, at time.Time, lat, lon, hdop float64) string {
	latDeg, lonDeg := int(lat), int(math.Abs(lon))
	body := fmt.Sprintf("GPGGA,%s,%02d%07.4f,N,%03d%07.4f,W,1,08,%.1f,45.0,M,-32.0,M,,",
		at.UTC().Format("150405.00"), latDeg, (lat-float64(latDeg))*60, lonDeg, (math.Abs(lon)-float64(lonDeg))*60, hdop)
	var sum byte
	for i := 0; i < len(body); i++ {
		sum ^= body[i]
	}
	return fmt.Sprintf("%s,$%s*%02X", id, body, sum)
}

const haSecondUnit = `
unit "2B7" {
  avl_ids = ["4600"]
}
`

// Through the binary and a real mosquitto: every unit's OwnTracks location
// passes Home Assistant's OwnTracks rules (acc present and non-zero: from
// the configured default for an RMC without HDOP, from HDOP × 5 m for a
// GGA), its card names it by call sign, and Home Assistant's MQTT discovery
// accepts a device_tracker for it whose attributes give the location and
// accuracy and whose availability follows <root>/status. A unit removed from
// the roster loses its entity, card and location; an orderly stop makes the
// entities unavailable.
func TestHomeAssistantAcceptsUnits(t *testing.T) {
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	s := newSite(t)
	s.mqttBlock = fmt.Sprintf("mqtt {\n  broker             = \"tcp://%s\"\n  owntracks          = true\n  homeassistant      = true\n  default_accuracy_m = 30\n}\n", m.Addr)
	console := testsvc.FreeUDPPort(t)
	s.extra = consoleSource(console)
	s.write(t)
	p := s.start(t)
	sub := subscribe(t, m.Addr, "#")

	// 2A12 reports RMC (no HDOP); modem 4600, not in the roster yet, GGA
	// with an HDOP of 1.3.
	now := time.Now()
	sendUDP(t, s.udpPort, rmc("4521", now.Add(-time.Second), 33.74562, -117.82311), gga("4600", now.Add(-time.Second), 33.70001, -117.80002, 1.3))
	sendUDP(t, console, "I1201")

	any := func([]byte) bool { return true }
	for _, u := range []struct {
		id      string
		lat     float64
		acc     float64
		tid     string
		devName string
	}{{"2A12", 33.74562, 30, "12", "2A12 Patrol"}, {"4600", 33.70001, 7, "00", "4600"}} {
		// OwnTracks: the location is seen, with acc; the card is accepted
		// quietly and names the unit.
		topic := "owntracks/test/" + u.id
		loc := sub.waitTopic(t, topic, 10*time.Second, any)
		devID, see, ignored := haOwnTracksSee(topic, loc, -1)
		if ignored != "" {
			t.Fatalf("Home Assistant's OwnTracks integration ignores %s: %s\n%s", topic, ignored, loc)
		}
		if want := haSlugify("test_" + u.id); devID != want || see["gps_accuracy"] != u.acc {
			t.Errorf("%s: device %q gps_accuracy %v; want %q, %v", topic, devID, see["gps_accuracy"], want, u.acc)
		}
		if _, _, ig := haOwnTracksSee(topic, loc, 5); ig == "" {
			t.Errorf("%s: a max_gps_accuracy of 5 m should drop acc %v", topic, u.acc)
		}
		card := sub.waitTopic(t, topic+"/info", 10*time.Second, any)
		var c struct{ Type, Name, Tid string }
		json.Unmarshal(card, &struct {
			Type *string `json:"_type"`
			Name *string `json:"name"`
			Tid  *string `json:"tid"`
		}{&c.Type, &c.Name, &c.Tid})
		if c.Type != "card" || c.Name != u.id || c.Tid != u.tid {
			t.Errorf("card on %s/info = %s; want _type card, name %q, tid %q", topic, card, u.id, u.tid)
		}
		if _, _, ig := haOwnTracksSee(topic+"/info", card, -1); !strings.HasPrefix(ig, "not implemented") {
			t.Errorf("Home Assistant would not take the card quietly: %q", ig)
		}

		// Discovery: a device_tracker whose attributes carry the location.
		cfgTopic := "homeassistant/device_tracker/radiogw_test_" + u.id + "/config"
		cfgPayload := sub.waitTopic(t, cfgTopic, 10*time.Second, any)
		tr, err := haDiscover(cfgTopic, cfgPayload)
		if err != nil {
			t.Fatalf("Home Assistant's MQTT discovery refuses %s: %v", cfgTopic, err)
		}
		if tr.availabilityTopic != "radiogw/test/status" || tr.available != "online" || tr.unavailable != "offline" {
			t.Errorf("%s: availability %+v; want radiogw/test/status online/offline", cfgTopic, tr)
		}
		if !strings.Contains(string(cfgPayload), `"name":"`+u.devName+`"`) {
			t.Errorf("%s: device not named %q: %s", cfgTopic, u.devName, cfgPayload)
		}
		lat, _, acc, attrs, err := haLocation(sub.waitTopic(t, tr.attributesTopic, 10*time.Second, any))
		if err != nil {
			t.Fatalf("%s: %v", tr.attributesTopic, err)
		}
		if !near(lat, u.lat) || acc != u.acc {
			t.Errorf("%s: latitude %v gps_accuracy %v; want %v, %v", tr.attributesTopic, lat, acc, u.lat, u.acc)
		}
		for k := range attrs {
			if haAttributesBlocked[k] {
				t.Errorf("%s: attribute %q is dropped by Home Assistant", tr.attributesTopic, k)
			}
		}
	}
	if got := string(sub.waitTopic(t, "radiogw/test/status", 10*time.Second, any)); got != "online" {
		t.Errorf("status = %q, want online", got)
	}
	checkPayloads(t, sub)

	// Forget: the roster learns modem 4600 as unit 2B7, so the unit tracked
	// under the raw ID 4600 is forgotten: its entity, card and location are
	// deleted at the broker (empty retained messages), and 2B7 is
	// discovered in its place.
	s.extra = consoleSource(console) + haSecondUnit
	s.write(t)
	p.Cmd.Process.Signal(syscall.SIGHUP)
	p.WaitOutput(t, "configuration reloaded", 10*time.Second)
	empty := func(b []byte) bool { return len(b) == 0 }
	for _, topic := range []string{"homeassistant/device_tracker/radiogw_test_4600/config", "radiogw/test/tracker/4600",
		"owntracks/test/4600", "owntracks/test/4600/info"} {
		sub.waitTopic(t, topic, 10*time.Second, empty)
	}
	tr, err := haDiscover("homeassistant/device_tracker/radiogw_test_2B7/config",
		sub.waitTopic(t, "homeassistant/device_tracker/radiogw_test_2B7/config", 10*time.Second, any))
	if err != nil {
		t.Fatal(err)
	}
	if lat, _, _, _, err := haLocation(sub.waitTopic(t, tr.attributesTopic, 10*time.Second, any)); err != nil || !near(lat, 33.70001) {
		t.Errorf("2B7 after the merge: latitude %v, %v", lat, err)
	}
	fresh := subscribe(t, m.Addr, "#") // what a Home Assistant starting now would see
	fresh.waitTopic(t, "homeassistant/device_tracker/radiogw_test_2B7/config", 10*time.Second, any)
	time.Sleep(500 * time.Millisecond)
	fresh.mu.Lock()
	for topic, b := range fresh.last {
		if strings.Contains(topic, "4600") && len(b) > 0 {
			t.Errorf("forgotten unit still retained on %s: %s", topic, b)
		}
	}
	fresh.mu.Unlock()

	// An orderly stop says offline on the availability topic: Home
	// Assistant marks every radiogw entity unavailable.
	p.Cmd.Process.Signal(syscall.SIGTERM)
	p.Wait(t, 30*time.Second)
	sub.waitTopic(t, "radiogw/test/status", 10*time.Second, func(b []byte) bool { return string(b) == "offline" })
}

// An mqtt block without a broker keeps the embedded broker and applies its
// options: the demo's way of turning Home Assistant discovery on.
func TestHomeAssistantOnEmbeddedBroker(t *testing.T) {
	s := newSite(t)
	s.mqttBlock = fmt.Sprintf("broker {\n  listen    = \"127.0.0.1:%d\"\n  websocket = \"\"\n}\n\nmqtt {\n  homeassistant = true\n}\n", s.mqttPort)
	s.write(t)
	s.start(t)
	sub := subscribe(t, fmt.Sprintf("127.0.0.1:%d", s.mqttPort), "#")
	sendUDP(t, s.udpPort, rmc("4521", time.Now(), 33.74562, -117.82311))
	const topic = "homeassistant/device_tracker/radiogw_test_2A12/config"
	tr, err := haDiscover(topic, sub.waitTopic(t, topic, 10*time.Second, func([]byte) bool { return true }))
	if err != nil {
		t.Fatal(err)
	}
	_, _, acc, _, err := haLocation(sub.waitTopic(t, tr.attributesTopic, 10*time.Second, func([]byte) bool { return true }))
	if err != nil || acc != 50 {
		t.Errorf("tracker on the embedded broker: gps_accuracy %v (want the default 50), %v", acc, err)
	}
	if sub.count("owntracks/") != 0 {
		t.Error("OwnTracks mirror published although not enabled")
	}
}
