package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"radiogw/gateway/testsvc"
)

const osmandToken = "cert-phones-4b1d0c"

// startPhoneSite writes s, starts radiogw with the phones' token in
// OSMAND_TOKEN and follows everything the site publishes.
func startPhoneSite(t *testing.T, s *site) (*testsvc.Process, *subscriber) {
	t.Helper()
	s.write(t)
	p := s.startEnv(t, []string{"OSMAND_TOKEN=" + osmandToken})
	return p, subscribe(t, fmt.Sprintf("127.0.0.1:%d", s.mqttPort), "radiogw/test/#")
}

// The Traccar Client / OsmAnd protocol through the binary: an HTTP client
// posts reports as the phone app does (GET with parameters, POST with a form
// body); the phone shows up as its roster unit with speed converted from
// knots, heading, altitude and accuracy. Without the token, or from an
// address outside the allow-list, nothing is taken and the refusal is
// counted; a malformed report is answered 200 (so the phone does not retry
// it forever) and counted as a decode error.
func TestOsmAndSource(t *testing.T) {
	s := newSite(t)
	port, closedPort := testsvc.FreePort(t), testsvc.FreePort(t)
	s.extra = fmt.Sprintf(`
source "http" "phones" {
  listen    = "127.0.0.1:%d"
  codec     = "osmand"
  allow     = ["127.0.0.0/8"]
  token_env = "OSMAND_TOKEN"
}

source "http" "closed" {
  listen = "127.0.0.1:%d"
  codec  = "osmand"
  allow  = ["10.0.0.0/8"]
}

unit "CERT1" {
  alpha_tag = "CERT volunteer 1"
  avl_ids   = ["862123045"]
}
`, port, closedPort)
	p, sub := startPhoneSite(t, s)
	base := fmt.Sprintf("http://127.0.0.1:%d/", port)

	status := func(req *http.Request) int {
		t.Helper()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	report := func(lat, lon float64, at time.Time) url.Values {
		return url.Values{"id": {"862123045"}, "lat": {fmt.Sprint(lat)}, "lon": {fmt.Sprint(lon)},
			"timestamp": {fmt.Sprint(at.Unix())}, "speed": {"10"}, "bearing": {"91.5"}, "altitude": {"52"},
			"accuracy": {"8"}, "batt": {"87"}}
	}

	// GET, token as a parameter (the app can only set a URL).
	q := report(33.71, -117.81, time.Now().Add(-3*time.Second))
	q.Set("token", osmandToken)
	get, _ := http.NewRequest(http.MethodGet, base+"?"+q.Encode(), nil)
	if code := status(get); code != 200 {
		t.Fatalf("GET report: %d, want 200", code)
	}
	b := sub.waitTopic(t, "radiogw/test/units/CERT1", 10*time.Second, positionAt(33.71, -117.81))
	var u struct {
		Position struct {
			SpeedKmh  float64 `json:"speed_kmh"`
			Heading   float64 `json:"heading"`
			AltitudeM float64 `json:"altitude_m"`
			Source    string  `json:"source"`
		} `json:"position"`
		AlphaTag string `json:"unit_alpha_tag"`
	}
	json.Unmarshal(b, &u)
	if !near(u.Position.SpeedKmh, 18.5) || u.Position.Heading != 91.5 || u.Position.AltitudeM != 52 ||
		u.Position.Source != "phones" || u.AlphaTag != "CERT volunteer 1" {
		t.Errorf("unit state %s: want 10 kn = 18.5 km/h (rounded to a tenth), heading 91.5, altitude 52, source phones", b)
	}

	// POST with a form body and a bearer token.
	post, _ := http.NewRequest(http.MethodPost, base, strings.NewReader(report(33.7102, -117.8101, time.Now().Add(-time.Second)).Encode()))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	post.Header.Set("Authorization", "Bearer "+osmandToken)
	if code := status(post); code != 200 {
		t.Fatalf("POST report: %d, want 200", code)
	}
	sub.waitTopic(t, "radiogw/test/units/CERT1", 10*time.Second, positionAt(33.7102, -117.8101))

	// Traccar Client 9 and later: a JSON body, speed in m/s, the token in
	// the URL.
	body := fmt.Sprintf(`{"location":{"timestamp":%q,"coords":{"latitude":33.7104,"longitude":-117.8103,`+
		`"accuracy":4.3,"speed":5,"heading":180,"altitude":50},"is_moving":true,"battery":{"level":0.8}},`+
		`"device_id":"862123045"}`, time.Now().Add(-500*time.Millisecond).UTC().Format(time.RFC3339Nano))
	js, _ := http.NewRequest(http.MethodPost, base+"?token="+osmandToken, strings.NewReader(body))
	js.Header.Set("Content-Type", "application/json")
	if code := status(js); code != 200 {
		t.Fatalf("JSON report: %d, want 200", code)
	}
	b = sub.waitTopic(t, "radiogw/test/units/CERT1", 10*time.Second, positionAt(33.7104, -117.8103))
	json.Unmarshal(b, &u)
	if !near(u.Position.SpeedKmh, 18) || u.Position.Heading != 180 {
		t.Errorf("unit state %s: want 5 m/s = 18 km/h, heading 180", b)
	}

	// Refusals: no token, a wrong token, a wrong method, an address not
	// allowed, a report too large. None moves the unit.
	noTok, _ := http.NewRequest(http.MethodGet, base+"?"+report(10, 10, time.Now()).Encode(), nil)
	wrong := report(10, 10, time.Now())
	wrong.Set("token", "guess")
	wrongTok, _ := http.NewRequest(http.MethodGet, base+"?"+wrong.Encode(), nil)
	del, _ := http.NewRequest(http.MethodDelete, base, nil)
	closed, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/?%s", closedPort, report(10, 10, time.Now()).Encode()), nil)
	big, _ := http.NewRequest(http.MethodPost, base+"?token="+osmandToken, strings.NewReader("id=862123045&pad="+strings.Repeat("x", 5000)))
	big.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range []struct {
		req  *http.Request
		want int
	}{{noTok, 401}, {wrongTok, 401}, {del, 405}, {closed, 403}, {big, 413}} {
		if code := status(c.req); code != c.want {
			t.Errorf("%s %s: %d, want %d", c.req.Method, c.req.URL.Host, code, c.want)
		}
	}
	// Malformed: accepted by HTTP, refused by the codec, counted.
	bad := url.Values{"id": {"862123045"}, "lat": {"north"}, "lon": {"-117.8"}, "token": {osmandToken}}
	badReq, _ := http.NewRequest(http.MethodGet, base+"?"+bad.Encode(), nil)
	if code := status(badReq); code != 200 {
		t.Errorf("malformed report: %d, want 200", code)
	}
	settleCounts(t, s.httpPort, 10*time.Second, map[string]float64{
		`radiogw_source_events_total{event="unauthorized",source="phones"}`: 2,
		`radiogw_source_events_total{event="denied",source="closed"}`:       1,
		`radiogw_source_events_total{event="bad_request",source="phones"}`:  1,
		`radiogw_source_events_total{event="oversize",source="phones"}`:     1,
		`radiogw_decode_errors_total{reason="invalid",source="phones"}`:     1,
		`radiogw_frames_total{source="phones"}`:                             4,
	})
	sub.mu.Lock()
	last := sub.last["radiogw/test/units/CERT1"]
	sub.mu.Unlock()
	if !positionAt(33.7104, -117.8103)(last) {
		t.Errorf("a refused report moved the unit: %s", last)
	}
	if strings.Contains(p.Output(), osmandToken) {
		t.Error("the token appears in the log")
	}
}

// A Traccar server's JSON position forwarder (forward.type = json, with a
// bearer header) posts to an http source with the traccar codec: the device
// appears as its roster unit; without the header the post is refused.
func TestTraccarForwarder(t *testing.T) {
	s := newSite(t)
	port := testsvc.FreePort(t)
	s.extra = fmt.Sprintf(`
source "http" "traccar" {
  listen    = "127.0.0.1:%d"
  codec     = "traccar"
  token_env = "OSMAND_TOKEN"
}

unit "E5" {
  alpha_tag = "Engine 5"
  avl_ids   = ["862123045"]
}
`, port)
	_, sub := startPhoneSite(t, s)
	fix := time.Now().Add(-2 * time.Second).UTC().Format("2006-01-02T15:04:05.000+00:00")
	body := `{"position":{"id":1,"deviceId":7,"protocol":"gt06","fixTime":"` + fix + `","valid":true,
"latitude":33.74562,"longitude":-117.82311,"altitude":52.0,"speed":10.0,"course":270.0,"accuracy":0.0,
"attributes":{"hdop":0.9}},"device":{"id":7,"name":"Engine 5","uniqueId":"862123045"}}`
	forward := fmt.Sprintf("http://127.0.0.1:%d/", port)
	if code := post(t, forward, "", body); code != 401 {
		t.Errorf("forward without the token: %d, want 401", code)
	}
	if code := post(t, forward, osmandToken, body); code != 200 {
		t.Fatalf("forward: %d, want 200", code)
	}
	b := sub.waitTopic(t, "radiogw/test/units/E5", 10*time.Second, positionAt(33.74562, -117.82311))
	if !strings.Contains(string(b), `"speed_kmh":18.5`) || !strings.Contains(string(b), `"hdop":0.9`) {
		t.Errorf("unit state %s: want 10 kn as 18.5 km/h and hdop 0.9", b)
	}
	if v := metricValue(t, s.httpPort, `radiogw_source_events_total{event="unauthorized",source="traccar"}`); v != 1 {
		t.Errorf("unauthorized forwards counted %v, want 1", v)
	}
}

// Traccar Client 9 and later POST a JSON body (Content-Type:
// application/json) shaped as Traccar's OsmAndProtocolDecoder.decodeJson
// reads it. Through the binary: the phone appears as its roster unit with
// speed converted from m/s; a mock location is refused by the tracker
// (counted as invalid), a report without coords and a malformed body are
// answered 200 and counted; without the token nothing is taken.
func TestOsmAndJSONSource(t *testing.T) {
	s := newSite(t)
	port := testsvc.FreePort(t)
	s.extra = fmt.Sprintf(`
source "http" "phones" {
  listen    = "127.0.0.1:%d"
  codec     = "osmand"
  allow     = ["127.0.0.0/8"]
  token_env = "OSMAND_TOKEN"
}

unit "CERT2" {
  alpha_tag = "CERT volunteer 2"
  avl_ids   = ["5f3c9a1e-phone"]
}
`, port)
	_, sub := startPhoneSite(t, s)

	report := func(lat, lon float64, at time.Time, extra string) string {
		return fmt.Sprintf(`{"device_id":"5f3c9a1e-phone","location":{"timestamp":%q,%s
"coords":{"latitude":%v,"longitude":%v,"accuracy":6.5,"speed":5,"heading":181.5,"altitude":48.2},
"is_moving":true,"odometer":5120,"event":"motionchange","activity":{"type":"in_vehicle"},
"battery":{"level":0.74,"is_charging":false},"extras":{}}}`, at.UTC().Format("2006-01-02T15:04:05.000Z"), extra, lat, lon)
	}
	post := func(body, query, bearer string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("http://127.0.0.1:%d/%s", port, query), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	if code := post(report(33.72, -117.82, time.Now().Add(-3*time.Second), ""), "", osmandToken); code != 200 {
		t.Fatalf("JSON report: %d, want 200", code)
	}
	b := sub.waitTopic(t, "radiogw/test/units/CERT2", 10*time.Second, positionAt(33.72, -117.82))
	var u struct {
		Position struct {
			SpeedKmh  float64 `json:"speed_kmh"`
			Heading   float64 `json:"heading"`
			AltitudeM float64 `json:"altitude_m"`
			Source    string  `json:"source"`
		} `json:"position"`
	}
	json.Unmarshal(b, &u)
	if u.Position.SpeedKmh != 18 || u.Position.Heading != 181.5 || u.Position.AltitudeM != 48.2 || u.Position.Source != "phones" {
		t.Errorf("unit state %s: want 5 m/s = 18 km/h, heading 181.5, altitude 48.2, source phones", b)
	}
	// The token as a URL parameter works too (the app's server URL can carry it).
	if code := post(report(33.7205, -117.8205, time.Now().Add(-2*time.Second), ""), "?token="+osmandToken, ""); code != 200 {
		t.Fatalf("JSON report with token parameter: %d, want 200", code)
	}
	sub.waitTopic(t, "radiogw/test/units/CERT2", 10*time.Second, positionAt(33.7205, -117.8205))

	// Refused or not used: no token (401); a mock location; a heartbeat
	// without coords; a body that is not JSON. None moves the unit.
	if code := post(report(10, 10, time.Now(), ""), "", ""); code != 401 {
		t.Errorf("JSON report without token: %d, want 401", code)
	}
	for _, body := range []string{
		report(34.0, -118.0, time.Now().Add(-time.Second), `"mock":true,`),
		`{"device_id":"5f3c9a1e-phone","location":{"timestamp":"` + time.Now().UTC().Format(time.RFC3339) + `","battery":{"level":0.7}}}`,
		`{"device_id":"5f3c9a1e-phone","location":{"coords":{"latitude":"north"}}}`,
	} {
		if code := post(body, "", osmandToken); code != 200 {
			t.Errorf("report %.60s: %d, want 200 (a client retries anything else)", body, code)
		}
	}
	settleCounts(t, s.httpPort, 10*time.Second, map[string]float64{
		`radiogw_source_events_total{event="unauthorized",source="phones"}`: 1,
		`radiogw_fix_rejections_total{reason="invalid",source="phones"}`:    1,
		`radiogw_decode_errors_total{reason="invalid",source="phones"}`:     1,
		`radiogw_decode_errors_total{reason="syntax",source="phones"}`:      1,
	})
	sub.mu.Lock()
	last := sub.last["radiogw/test/units/CERT2"]
	sub.mu.Unlock()
	if !positionAt(33.7205, -117.8205)(last) {
		t.Errorf("a refused report moved the unit: %s", last)
	}
}

// A Traccar server's MQTT position forwarder (forward.type = mqtt,
// forward.topic = "traccar/positions/${device.uniqueId}") publishes the same
// PositionData JSON as the HTTP forwarder. Through a real mosquitto into a
// source "mqtt" with codec = "traccar": the roster unit moves; a position
// Traccar marks invalid is refused by the tracker and counted; a device ID
// that cannot be a topic level is refused and counted, not tracked.
func TestTraccarMQTTForwarder(t *testing.T) {
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	s := newSite(t)
	s.extra = fmt.Sprintf(`
source "mqtt" "traccar" {
  broker = "tcp://%s"
  codec  = "traccar"
  topics = ["traccar/positions/+"]
}

unit "E5" {
  alpha_tag = "Engine 5"
  avl_ids   = ["862123045"]
}
`, m.Addr)
	s.write(t)
	p := s.start(t)
	p.WaitOutput(t, `source up" source=traccar`, 10*time.Second)
	sub := subscribe(t, fmt.Sprintf("127.0.0.1:%d", s.mqttPort), "radiogw/test/#")

	pub := mqttPublisher(t, m.Addr, "traccar-server")
	// Shaped as Traccar's ObjectMapper writes PositionData: every Position
	// field, null where unset, dates as ISO 8601 with offset.
	position := func(uniqueID string, lat, lon float64, at time.Time, valid bool) string {
		ts := at.UTC().Format("2006-01-02T15:04:05.000+00:00")
		return fmt.Sprintf(`{"position":{"id":0,"attributes":{"hdop":0.8,"sat":9,"ignition":true,"distance":12.5,
"totalDistance":40211.3,"motion":true},"deviceId":12,"protocol":"teltonika","serverTime":%q,"deviceTime":%q,
"fixTime":%q,"outdated":false,"valid":%v,"latitude":%v,"longitude":%v,"altitude":61.0,"speed":20.0,
"course":94.0,"address":null,"accuracy":0.0,"network":null,"geofenceIds":null},
"device":{"id":12,"attributes":{},"groupId":0,"calendarId":0,"name":"Engine 5","uniqueId":%q,"status":"online",
"lastUpdate":%q,"positionId":0,"phone":null,"model":"FMB920","contact":null,"category":"truck","disabled":false,
"expirationTime":null}}`, ts, ts, ts, valid, lat, lon, uniqueID, ts)
	}
	send := func(topic, payload string) {
		t.Helper()
		if tok := pub.Publish(topic, 1, false, payload); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			t.Fatalf("publish: %v", tok.Error())
		}
	}
	send("traccar/positions/862123045", position("862123045", 33.7456, -117.8231, time.Now().Add(-2*time.Second), true))
	b := sub.waitTopic(t, "radiogw/test/units/E5", 10*time.Second, positionAt(33.7456, -117.8231))
	if !strings.Contains(string(b), `"speed_kmh":37`) || !strings.Contains(string(b), `"hdop":0.8`) ||
		!strings.Contains(string(b), `"source":"traccar"`) {
		t.Errorf("unit state %s: want 20 kn as 37 km/h, hdop 0.8, source traccar", b)
	}
	send("traccar/positions/862123045", position("862123045", 34.1, -118.1, time.Now().Add(-time.Second), false))
	send("traccar/positions/x", position("bad/+id", 33.7, -117.8, time.Now(), true))
	deadline := time.Now().Add(10 * time.Second)
	for metricValue(t, s.httpPort, `radiogw_fix_rejections_total{reason="invalid",source="traccar"}`) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the invalid position was not counted as radiogw_fix_rejections_total{reason=\"invalid\"}")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if v := metricValue(t, s.httpPort, `radiogw_decode_errors_total{reason="invalid",source="traccar"}`); v != 1 {
		t.Errorf("a device ID that cannot be a topic level: decode errors %v, want 1", v)
	}
	sub.mu.Lock()
	last := sub.last["radiogw/test/units/E5"]
	_, forged := sub.last["radiogw/test/units/bad"]
	sub.mu.Unlock()
	if !positionAt(33.7456, -117.8231)(last) || forged {
		t.Errorf("an invalid position moved the unit or a bad ID was tracked: %s", last)
	}
}
