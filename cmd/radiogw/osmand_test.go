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
	s.write(t)
	p := testsvc.Start(t, []string{"OSMAND_TOKEN=" + osmandToken}, binary, "run", "-config", s.config)
	p.WaitOutput(t, "radiogw running", 20*time.Second)
	sub := subscribe(t, fmt.Sprintf("127.0.0.1:%d", s.mqttPort), "radiogw/test/#")
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
	time.Sleep(300 * time.Millisecond)
	for series, want := range map[string]float64{
		`radiogw_source_events_total{event="unauthorized",source="phones"}`: 2,
		`radiogw_source_events_total{event="denied",source="closed"}`:       1,
		`radiogw_source_events_total{event="bad_request",source="phones"}`:  1,
		`radiogw_source_events_total{event="oversize",source="phones"}`:     1,
		`radiogw_decode_errors_total{reason="invalid",source="phones"}`:     1,
		`radiogw_frames_total{source="phones"}`:                             4,
	} {
		if got := metricValue(t, s.httpPort, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
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
	s.write(t)
	p := testsvc.Start(t, []string{"OSMAND_TOKEN=" + osmandToken}, binary, "run", "-config", s.config)
	p.WaitOutput(t, "radiogw running", 20*time.Second)
	sub := subscribe(t, fmt.Sprintf("127.0.0.1:%d", s.mqttPort), "radiogw/test/#")
	fix := time.Now().Add(-2 * time.Second).UTC().Format("2006-01-02T15:04:05.000+00:00")
	body := `{"position":{"id":1,"deviceId":7,"protocol":"gt06","fixTime":"` + fix + `","valid":true,
"latitude":33.74562,"longitude":-117.82311,"altitude":52.0,"speed":10.0,"course":270.0,"accuracy":0.0,
"attributes":{"hdop":0.9}},"device":{"id":7,"name":"Engine 5","uniqueId":"862123045"}}`
	post := func(auth string) int {
		req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("http://127.0.0.1:%d/", port), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(""); code != 401 {
		t.Errorf("forward without the token: %d, want 401", code)
	}
	if code := post(osmandToken); code != 200 {
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
