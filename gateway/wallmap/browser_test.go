package wallmap

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"radiogw/gateway/broker"
	"radiogw/hcl"
)

const chromiumPath = "/usr/bin/chromium"

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func unitPayload(unit, status, stale string, lat, lon float64, talking bool, emergency string) []byte {
	p := map[string]any{
		"class": "unit", "v": 1, "site": "test", "unit": unit, "radio_ids": []string{"1201"},
		"position": map[string]any{"lat": lat, "lon": lon, "fix_time": "2026-11-23T22:14:05Z",
			"speed_kmh": 42.5, "heading": 270, "source": "avl-udp"},
		"stale": stale, "status": status, "channel": "tac2", "talking": talking, "updated": "2026-11-23T22:14:05Z",
	}
	if emergency != "" {
		p["emergency"] = map[string]any{"id": emergency, "since": "2026-11-23T22:00:00Z"}
	}
	b, _ := json.Marshal(p)
	return b
}

// browser starts headless Chromium with software WebGL (SwiftShader through
// ANGLE), as a kiosk without a GPU runs it.
func browser(t *testing.T, w, h int) (context.Context, context.CancelFunc) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("the wall map browser test needs Debian's chromium at %s: install it with `apt-get install -y chromium` (%v)", chromiumPath, err)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox,
		chromedp.Flag("use-angle", "swiftshader"), chromedp.Flag("enable-unsafe-swiftshader", true),
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-background-timer-throttling", true), chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(w, h))
	ctx, cancel := chromedp.NewContext(allocCtx)
	return ctx, func() { cancel(); cancelAlloc() }
}

type rig struct {
	t      *testing.T
	ctx    context.Context
	client paho.Client
	broker *broker.Broker
	// brokerEvents counts the broker's refusals and disconnects (a slow
	// consumer cut off, a connection refused)
	brokerEvents atomic.Int64
	srv          *httptest.Server
	acks         chan []byte
	ranges       atomic.Int64
	nearest      atomic.Value // last /api/v1/nearest query
}

func (r *rig) publish(topic string, retained bool, payload []byte) {
	r.t.Helper()
	if tok := r.client.Publish(topic, 1, retained, payload); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		r.t.Fatalf("publish %s: %v", topic, tok.Error())
	}
}

func (r *rig) wait(what, expr string) {
	r.t.Helper()
	r.waitFor(what, expr, 30*time.Second)
}

func (r *rig) waitFor(what, expr string, timeout time.Duration) {
	r.t.Helper()
	if _, err := chromedp.Run(r.ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		state, _ := chromedp.Run(r.ctx, chromedp.Evaluate[string](`document.getElementById("conn").textContent + " | " + document.getElementById("emergencies").textContent + " | " + (() => { try { return JSON.stringify({units: wallmap.state.units.size, rendered: wallmap.renderedUnits(), emerg: wallmap.live.querySourceFeatures("emerg").length, zoom: wallmap.map.getZoom(), loaded: wallmap.map.loaded(), pushes: wallmap.stats.pushes, fps: wallmap.frameStats()}); } catch (e) { return String(e); } })()`))
		r.t.Fatalf("%s: %v (page says %q)", what, err, state)
	}
}

func (r *rig) eval(expr string) {
	r.t.Helper()
	if _, err := chromedp.Run(r.ctx, chromedp.Evaluate[bool]("(() => { "+expr+"; return true; })()")); err != nil {
		r.t.Fatalf("%s: %v", expr, err)
	}
}

func (r *rig) screenshot(name string) {
	r.t.Helper()
	png, err := chromedp.Run(r.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		r.t.Fatalf("screenshot: %v", err)
	}
	os.WriteFile(filepath.Join(r.t.TempDir(), name+".png"), png, 0o644)
	if dir := os.Getenv("RADIOGW_SCREENSHOTS"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			r.t.Fatalf("RADIOGW_SCREENSHOTS: %v", err)
		}
	}
}

const demoPMTiles = "../../hcl/examples/demo/geo/demo.pmtiles"

// newRig starts the embedded broker with a WebSocket listener, a paho
// client, and an HTTP server with the page (basemap from the demo's
// PMTiles file) and radiogw's track and nearest APIs answered from what the
// test published.
func newRig(t *testing.T, cfg Config, w, h int) (*rig, func()) {
	const root = "radiogw/test"
	wsAddr := freeAddr(t)
	r := &rig{t: t, acks: make(chan []byte, 4)}
	b, err := broker.Start(broker.Options{Listen: freeAddr(t), WebSocket: wsAddr, TopicRoot: root,
		OnEvent: func(listener, event string) {
			r.brokerEvents.Add(1)
			t.Logf("broker: %s %s", listener, event)
		}})
	if err != nil {
		t.Fatalf("embedded broker: %v", err)
	}
	r.broker = b
	opts := paho.NewClientOptions().AddBroker(b.Addr()).SetClientID("wallmap-test").SetOrderMatters(false)
	r.client = paho.NewClient(opts)
	if tok := r.client.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect to broker: %v", tok.Error())
	}
	if tok := r.client.Subscribe("radiogw/+/commands/emergency_ack", 1, func(_ paho.Client, m paho.Message) {
		r.acks <- m.Payload()
	}); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/units/{unit}/track", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"class":"track","v":1,"unit":%q,"points":[{"lat":33.74,"lon":-117.85,"time":"2026-11-23T22:10:00Z"},{"lat":33.745,"lon":-117.845,"time":"2026-11-23T22:12:00Z"},{"lat":33.76,"lon":-117.82,"time":"2026-11-23T22:14:00Z"}]}`, r.PathValue("unit"))
	})
	mux.HandleFunc("GET /api/v1/nearest", func(w http.ResponseWriter, req *http.Request) {
		r.nearest.Store(req.URL.RawQuery)
		// 2A13 is the one available unit of the test's site
		fmt.Fprint(w, `{"class":"nearest","v":1,"units":[{"unit":"2A13","status":"available","distance_m":1234.5,"fix_age_s":2,"lat":33.76,"lon":-117.82,"stale":"fresh"}]}`)
	})
	cfg.TopicRoot, cfg.WebSocketURL, cfg.Username, cfg.Password = root, "ws://"+wsAddr, "", ""
	page := Handler(cfg)
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/basemap.pmtiles" && req.Header.Get("Range") != "" {
			r.ranges.Add(1)
		}
		page.ServeHTTP(w, req)
	}))
	r.srv = httptest.NewServer(mux)
	ctx, cancelBrowser := browser(t, w, h)
	ctx, cancelT := context.WithTimeout(ctx, 9*time.Minute)
	r.ctx = ctx
	return r, func() {
		cancelT()
		cancelBrowser()
		r.srv.Close()
		r.client.Disconnect(100)
		b.Close()
	}
}

func (r *rig) open(query string) {
	r.t.Helper()
	if err := chromedp.Do(r.ctx, chromedp.Navigate(r.srv.URL+"/"+query)); err != nil {
		r.t.Fatalf("load page: %v", err)
	}
	r.wait("page ready", `document.body.dataset.ready === "true"`)
}

// unitOnLiveMapAt is true once the live map's tiles hold unit at latitude
// lat or north of it: drawn, not only received. Tiles round coordinates,
// so lat sits a little short of the position published.
func unitOnLiveMapAt(unit string, lat float64) string {
	return fmt.Sprintf(`wallmap.live.querySourceFeatures("units").some((f) => f.properties.id === %q && f.geometry.coordinates[1] >= %v)`, unit, lat)
}

// TestWallMapInBrowser drives the real page in headless Chromium against the
// embedded broker: the basemap from a local PMTiles file, retained unit
// state on the map, the emergency flashing and acknowledged, pan and zoom,
// search and follow, nearest units from a click, two sites, clusters,
// themes and the kiosk.
func TestWallMapInBrowser(t *testing.T) {
	cfg := testConfig()
	cfg.Basemap = demoPMTiles
	cfg.Region = true
	cfg.Overlays = []Overlay{{Name: "hydrants", Color: "#e04040", Width: 3, Label: "name",
		Data: []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"H-1"},"geometry":{"type":"Point","coordinates":[-117.835,33.75]}}]}`)}}
	r, stop := newRig(t, cfg, 1600, 900)
	defer stop()
	const root = "radiogw/test"
	r.publish(root+"/status", true, []byte("online"))
	r.publish(root+"/units/2A12", true, unitPayload("2A12", "enroute", "fresh", 33.745, -117.84, false, "e-2A12-1763935200"))
	r.publish(root+"/units/2A13", true, unitPayload("2A13", "available", "fresh", 33.76, -117.82, true, ""))
	r.publish(root+"/units/2A14", true, unitPayload("2A14", "onscene", "stale", 33.73, -117.81, false, ""))
	r.publish(root+"/channels/tac2", true, []byte(`{"class":"channel","v":1,"channel":"tac2","busy":true,"talker":"2A13","talker_id":"1301","emergency":false}`))
	r.open("")

	unitProp := func(unit, prop string) string {
		return fmt.Sprintf(`(wallmap.live.querySourceFeatures("units").concat(wallmap.live.querySourceFeatures("emerg")).find((f) => f.properties.id === %q) || {properties: {}}).properties.%s`, unit, prop)
	}
	r.wait("connection shown live", `document.getElementById("conn").textContent === "live"`)
	r.wait("two units on the map and the emergency on its own layer", `wallmap.renderedUnits() === 2 && wallmap.renderedUnits("emerg") === 1`)
	r.wait("basemap streets drawn from the PMTiles file", `wallmap.map.isSourceLoaded("protomaps") && wallmap.map.queryRenderedFeatures({layers: ["roads_minor", "roads_major"]}).length > 0`)
	if r.ranges.Load() == 0 {
		t.Error("the basemap was not read with range requests")
	}
	r.wait("street names labelled from the vendored glyphs", `wallmap.map.queryRenderedFeatures({layers: ["roads_labels_minor", "roads_labels_major"]}).length > 0`)
	r.wait("city boundary and two beats drawn", `wallmap.map.querySourceFeatures("fences").filter((f) => f.properties.kind === "boundary").length >= 1 && new Set(wallmap.map.querySourceFeatures("fences").filter((f) => f.properties.kind === "beat").map((f) => f.properties._name)).size === 2`)
	r.wait("overlay drawn", `wallmap.map.queryRenderedFeatures({layers: ["overlay-0-point"]}).length === 1`)
	r.wait("emergency listed with Acknowledge", `document.querySelector('#emergencies li.emergency[data-emergency="e-2A12-1763935200"] button.ack') !== null && document.getElementById("banner").textContent.includes("EMERGENCY")`)
	r.wait("talker ringed", unitProp("2A13", "talk")+` === true && wallmap.live.queryRenderedFeatures({layers: ["unit-ring"]}).length === 1`)
	r.wait("stale unit greyed", unitProp("2A14", "stale")+` === "stale"`)
	r.wait("status colours", unitProp("2A13", "st")+` === "available" && `+unitProp("2A14", "st")+` === "onscene"`)
	r.wait("channel busy with its talker", `(() => { const c = document.querySelector('#channels li[data-channel="tac2"]'); return c !== null && c.classList.contains("busy") && c.textContent.includes("2A13"); })()`)
	r.wait("legend explains every marker", `["available","en route","on scene","busy / other","out of service","no status","stale","talking","emergency","several units"].every((w) => document.getElementById("legend").textContent.includes(w))`)
	r.screenshot("wallmap-city")

	r.publish(root+"/status", true, []byte("offline"))
	r.wait("offline banner", `!document.getElementById("banner").hidden && document.getElementById("banner").textContent.includes("radiogw OFFLINE")`)
	r.publish(root+"/status", true, []byte("online"))
	r.wait("offline banner gone", `!document.getElementById("banner").textContent.includes("OFFLINE")`)

	r.publish(root+"/events/ptt_start", false, []byte(`{"class":"event","v":1,"id":"ev1","kind":"ptt_start","time":"2026-11-23T22:14:06Z","channel":"tac2","unit":"2A13","radio_id":"1301"}`))
	r.wait("event in the ticker", `document.getElementById("ticker").textContent.includes("2A13 keyed up on tac2")`)

	// The Acknowledge button must stay put while unit updates stream in, or
	// a dispatcher's click lands on a replaced element.
	r.eval(`window.ackButton = document.querySelector("#emergencies button.ack")`)
	for i := range 5 {
		r.publish(root+"/units/2A13", true, unitPayload("2A13", "available", "fresh", 33.76+float64(i)/1000, -117.82, true, ""))
	}
	r.wait("2A13 moved", `Math.abs(wallmap.state.units.get("test/2A13").feature.geometry.coordinates[1] - 33.764) < 1e-9`)
	r.wait("Acknowledge button untouched by unit updates", `window.ackButton.isConnected`)
	if err := chromedp.Do(r.ctx, chromedp.Click(`#emergencies button.ack`)); err != nil {
		t.Fatalf("click Acknowledge: %v", err)
	}
	select {
	case p := <-r.acks:
		var cmd struct{ ID, By string }
		if err := json.Unmarshal(p, &cmd); err != nil || cmd.ID != "e-2A12-1763935200" || cmd.By != "wallmap" {
			t.Fatalf("ack command %s, want id e-2A12-1763935200 by wallmap (%v)", p, err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Acknowledge published nothing to " + root + "/commands/emergency_ack")
	}
	// radiogw confirms with an emergency_ack event, then the unit state
	r.publish(root+"/events/emergency_ack", false, []byte(`{"class":"event","v":1,"id":"a1","kind":"emergency_ack","time":"2026-11-23T22:00:07Z","unit":"2A12","emergency_id":"e-2A12-1763935200","by":"wallmap"}`))
	r.wait("emergency shown acknowledged", `document.querySelector("#emergencies li.emergency.acked") !== null && document.getElementById("emergencies").textContent.includes("acknowledged by wallmap") && document.querySelectorAll("#emergencies button.ack").length === 0`)

	// an emergency raised while the unit's state is elsewhere in a queue
	// shows from its event alone, at the position the event carries
	r.publish(root+"/events/emergency", false, []byte(`{"class":"event","v":1,"id":"e2","kind":"emergency","time":"2026-11-23T22:15:00Z","unit":"2B99","emergency_id":"e-2B99-1","channel":"tac2","position":{"lat":33.75,"lon":-117.83}}`))
	r.wait("emergency from its event", `document.querySelector('#emergencies li.emergency[data-emergency="e-2B99-1"] button.ack') !== null && wallmap.live.querySourceFeatures("emerg").some((f) => f.properties.id === "2B99")`)
	r.publish(root+"/events/emergency_clear", false, []byte(`{"class":"event","v":1,"id":"e3","kind":"emergency_clear","time":"2026-11-23T22:16:00Z","unit":"2B99","emergency_id":"e-2B99-1","by":"disp4"}`))
	r.wait("cleared emergency gone", `document.querySelector('#emergencies li[data-emergency="e-2B99-1"]') === null`)

	// pan and zoom with the keyboard, as on a wall with no mouse
	r.eval(`window.before = {z: wallmap.map.getZoom(), c: wallmap.map.getCenter()}; wallmap.map.getCanvas().focus()`)
	if err := chromedp.Do(r.ctx, chromedp.KeyEvent("=")); err != nil {
		t.Fatal(err)
	}
	r.wait("zoomed in", `!wallmap.map.isMoving() && wallmap.map.getZoom() > window.before.z + 0.5`)
	if err := chromedp.Do(r.ctx, chromedp.KeyEvent(kb.ArrowRight)); err != nil {
		t.Fatal(err)
	}
	r.wait("panned east", `!wallmap.map.isMoving() && wallmap.map.getCenter().lng > window.before.c.lng`)
	if err := chromedp.Do(r.ctx, chromedp.Click(`#fit`)); err != nil {
		t.Fatal(err)
	}
	r.wait("fit all shows every unit", `!wallmap.map.isMoving() && [[-117.84,33.745],[-117.82,33.764],[-117.81,33.73]].every((p) => wallmap.map.getBounds().contains(p))`)

	// search a call sign and follow it
	if err := chromedp.Do(r.ctx, chromedp.SendKeys(`#search`, "2a14\r")); err != nil {
		t.Fatal(err)
	}
	r.wait("found and following 2A14", `wallmap.state.selected === "test/2A14" && wallmap.state.following && !document.getElementById("detail-panel").hidden && document.getElementById("detail").textContent.includes("2A14")`)
	r.wait("fix age from the published stale level", `document.getElementById("detail").textContent.includes("(stale, ") && !document.getElementById("detail").textContent.includes("fresh")`)
	r.publish(root+"/units/2A14", true, unitPayload("2A14", "onscene", "stale", 33.7, -117.79, false, ""))
	r.wait("the map follows 2A14", `!wallmap.map.isMoving() && Math.abs(wallmap.map.getCenter().lat - 33.7) < 0.001 && Math.abs(wallmap.map.getCenter().lng + 117.79) < 0.001`)
	r.wait("breadcrumb trail of 3 points", `wallmap.stats.trailPoints === 3 && wallmap.state.trail.features.length === 4`)
	r.eval(`document.dispatchEvent(new KeyboardEvent("keydown", {key: "Escape"}))`)
	r.wait("Esc stops following", `!wallmap.state.following`)

	// click an empty point: the nearest available units, with distance
	r.eval(`wallmap.select(null); wallmap.map.jumpTo({center: [-117.83, 33.75], zoom: 14})`)
	if err := chromedp.Do(r.ctx, chromedp.MouseClickXY(400, 500)); err != nil {
		t.Fatal(err)
	}
	r.wait("nearest units listed with distance", `!document.getElementById("nearest-panel").hidden && document.querySelector('#nearest li[data-unit="2A13"]') !== null && document.getElementById("nearest").textContent.includes("1.2 km")`)
	q, _ := r.nearest.Load().(string)
	if !strings.Contains(q, "status=available") || !strings.Contains(q, "lat=33.7") || !strings.Contains(q, "lon=-117.8") {
		t.Errorf("nearest query %q: want the clicked point and status=available", q)
	}

	// click a unit: the base map takes the click and asks the live map
	// over it what is under the pointer (a unit, not an empty point)
	r.eval(`document.getElementById("close-nearest").click()`)
	r.wait("nearest closed", `document.getElementById("nearest-panel").hidden`)
	r.eval(`wallmap.map.jumpTo({center: [...wallmap.state.units.values()].find((u) => u.id === "2A13").feature.geometry.coordinates, zoom: 15})`)
	r.wait("2A13 drawn at the centre of the live map", `(() => { const c = wallmap.live.getCanvas(); return wallmap.live.queryRenderedFeatures([c.clientWidth / 2, c.clientHeight / 2], {layers: ["unit-dot"]}).some((f) => f.properties.id === "2A13"); })()`)
	at, err := chromedp.Run(r.ctx, chromedp.Evaluate[[]float64](`(() => { const b = wallmap.map.getContainer().getBoundingClientRect(); return [b.left + b.width / 2, b.top + b.height / 2]; })()`))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(r.ctx, chromedp.MouseClickXY(at[0], at[1])); err != nil {
		t.Fatal(err)
	}
	r.wait("the clicked unit selected", `wallmap.state.selected !== null && wallmap.state.selected.endsWith("/2A13") && !document.getElementById("detail-panel").hidden && document.getElementById("nearest-panel").hidden`)
	r.eval(`wallmap.select(null)`)

	// a second site, online then offline, and its clusters
	const north = "radiogw/north"
	r.publish(north+"/status", true, []byte("online"))
	for i := range 60 {
		r.publish(fmt.Sprintf("%s/units/N%02d", north, i), true, unitPayload(fmt.Sprintf("N%02d", i), "available", "fresh",
			33.90+float64(i%8)/2000, -117.95+float64(i/8)/2000, false, ""))
	}
	r.wait("two sites shown online", `(() => { const t = document.querySelector('#sites li[data-site="test"]'), n = document.querySelector('#sites li[data-site="north"]'); return t !== null && n !== null && t.classList.contains("site-online") && n.textContent.includes("north online"); })()`)
	r.eval(`wallmap.fitAll(false); wallmap.map.jumpTo({zoom: 10})`)
	r.wait("units clustered at region zoom", `(() => { const c = wallmap.live.queryRenderedFeatures({layers: ["clusters"]}); return c.length >= 1 && c.reduce((n, f) => n + f.properties.point_count, 0) >= 60; })()`)
	r.screenshot("wallmap-region")
	r.publish(north+"/status", true, []byte("offline"))
	r.wait("the offline site named", `document.querySelector('#sites li[data-site="north"]').classList.contains("site-offline") && document.getElementById("banner").textContent.includes("OFFLINE (north)")`)
	if _, err := chromedp.Run(r.ctx, chromedp.SetValue(`#site-filter`, "north")); err != nil {
		t.Fatal(err)
	}
	r.eval(`document.getElementById("site-filter").dispatchEvent(new Event("change"))`)
	r.wait("site filter shows only north", `wallmap.live.querySourceFeatures("units").every((f) => f.properties.cluster || f.properties.site === "north") && wallmap.renderedUnits("emerg") === 0`)
	r.eval(`document.getElementById("site-filter").value = ""; document.getElementById("site-filter").dispatchEvent(new Event("change"))`)

	// a deleted retained unit disappears
	r.publish(root+"/units/2A14", true, nil)
	r.wait("removed unit gone", `!wallmap.state.units.has("test/2A14") && wallmap.renderedUnits() === 1`)

	// night and day
	r.eval(`wallmap.select("test/2A13"); wallmap.map.jumpTo({center: [-117.83, 33.752], zoom: 13.6})`)
	if err := chromedp.Do(r.ctx, chromedp.Click(`#theme`)); err != nil {
		t.Fatal(err)
	}
	r.wait("theme button switched to day", `document.body.dataset.theme === "day" && document.getElementById("theme").textContent === "Night"`)
	r.eval(`wallmap.setTheme("night")`)
	r.wait("night basemap with units back on it", `document.body.dataset.theme === "night" && wallmap.map.isStyleLoaded() && wallmap.live.isStyleLoaded() && wallmap.live.getSource("units") && wallmap.renderedUnits() >= 1`)
	r.screenshot("wallmap-night")
	r.eval(`wallmap.setTheme("day")`)
	r.wait("day basemap", `document.body.dataset.theme === "day" && wallmap.map.getStyle().layers.some((l) => l.id === "roads_minor")`)
	r.screenshot("wallmap-day")

	// the kiosk: no controls
	r.open("?kiosk=1")
	r.wait("kiosk hides the controls", `getComputedStyle(document.getElementById("controls")).display === "none" && document.querySelector(".maplibregl-ctrl-zoom-in") === null`)
}

// The status tables' categories colour the units: with the APCO preset,
// "on_duty" (10-41) is available and "emergency" (10-33) has its own
// colour, though the page's own guess from the words would say busy; a
// site's override ("at_station" = available) wins the same way; a word no
// table names is still guessed; the legend shows the emergency status.
func TestWallMapStatusCategories(t *testing.T) {
	cfg := testConfig()
	cfg.StatusCategories = hcl.StatusPresets()["apco"].Categories
	cfg.StatusCategories["at_station"] = "available"
	r, stop := newRig(t, cfg, 1000, 700)
	defer stop()
	const root = "radiogw/test"
	r.publish(root+"/status", true, []byte("online"))
	for unit, status := range map[string]string{"3A1": "on_duty", "3A2": "emergency", "3A3": "at_station",
		"3A4": "out_of_service", "3A5": "enroute", "3A6": "lunch"} {
		r.publish(root+"/units/"+unit, true, unitPayload(unit, status, "fresh", 33.75, -117.83, false, ""))
	}
	r.open("")
	st := func(unit string) string {
		return fmt.Sprintf(`([...wallmap.state.units.values()].find((u) => u.id === %q && u.feature) || {feature: {properties: {}}}).feature.properties.st`, unit)
	}
	r.wait("six units", `wallmap.state.units.size === 6`)
	r.wait("categories from the status tables", st("3A1")+` === "available" && `+st("3A2")+` === "emergency" && `+
		st("3A3")+` === "available" && `+st("3A4")+` === "oos" && `+st("3A5")+` === "enroute" && `+st("3A6")+` === "busy"`)
	r.wait("legend shows the emergency status", `document.getElementById("legend").textContent.includes("emergency status")`)
}

// A calm wall does not repaint: on a kiosk without a GPU a repaint of a
// 1920×1080 map costs 130 ms or more, and of the live map over it 65 ms
// (docs/BENCHMARKS.md), so the page repaints when something changed, not
// on a timer, and only the map that changed. A talker's ring is steady; an
// unacknowledged emergency flashes as a marker, repainting neither map;
// and once it is cleared the wall is still again.
func TestWallMapRepaintsOnlyForChange(t *testing.T) {
	r, stop := newRig(t, testConfig(), 1000, 700)
	defer stop()
	const root = "radiogw/test"
	r.publish(root+"/status", true, []byte("online"))
	r.publish(root+"/units/4A1", true, unitPayload("4A1", "available", "fresh", 33.75, -117.83, false, ""))
	r.publish(root+"/units/4A2", true, unitPayload("4A2", "enroute", "fresh", 33.74, -117.82, false, ""))
	r.open("")
	r.wait("two units drawn", `wallmap.renderedUnits() === 2`)
	// repaints of the base map (basemap, beats) and of the live map over
	// it (units, emergencies) while over passes
	counted := func() (base, live float64) {
		n, err := chromedp.Run(r.ctx, chromedp.Evaluate[[]float64](`[wallmap.stats.renders, wallmap.stats.liveRenders]`))
		if err != nil {
			t.Fatal(err)
		}
		return n[0], n[1]
	}
	renders := func(over time.Duration) (base, live float64) {
		time.Sleep(time.Second) // what the last change started has been drawn
		r.eval(`wallmap.stats.renders = 0; wallmap.stats.liveRenders = 0`)
		time.Sleep(over)
		return counted()
	}
	// one repaint of slack, for a tile that lands late
	calm, calmLive := renders(3 * time.Second)
	if calm > 1 || calmLive > 1 {
		t.Errorf("a calm wall repainted %g times in 3 s (live map %g)", calm, calmLive)
	}
	// units moving with no emergency open: their pushes repaint the live
	// map and only it; the flash changes nothing and so adds no repaint
	r.eval(`wallmap.stats.renders = 0; wallmap.stats.liveRenders = 0`)
	for i := range 3 {
		r.publish(root+"/units/4A1", true, unitPayload("4A1", "available", "fresh", 33.75+float64(i+1)*1e-3, -117.83, false, ""))
		time.Sleep(700 * time.Millisecond)
	}
	r.wait("4A1 moved on the live map", unitOnLiveMapAt("4A1", 33.7525))
	moving, movingLive := counted()
	if moving > 1 || movingLive < 1 {
		t.Errorf("a unit moving repainted the base map %g times and the live map %g times: want the live map only", moving, movingLive)
	}
	if n, _ := chromedp.Run(r.ctx, chromedp.Evaluate[float64](`wallmap.stats.flashes`)); n != 0 {
		t.Errorf("the flash changed %g times with no emergency open, a repaint each", n)
	}
	r.publish(root+"/units/4A1", true, unitPayload("4A1", "available", "fresh", 33.75, -117.83, true, ""))
	r.wait("talker ringed", `wallmap.live.queryRenderedFeatures({layers: ["unit-ring"]}).length === 1`)
	talker, talkerLive := renders(3 * time.Second)
	if talker > 1 || talkerLive > 1 {
		t.Errorf("a talker's steady ring repainted %g times in 3 s (live map %g)", talker, talkerLive)
	}
	r.publish(root+"/units/4A1", true, unitPayload("4A1", "available", "fresh", 33.75, -117.83, false, ""))
	r.publish(root+"/units/4A2", true, unitPayload("4A2", "emergency", "fresh", 33.74, -117.82, false, "e-4A2-1"))
	r.wait("emergency on its own layer", `wallmap.renderedUnits("emerg") === 1 && wallmap.live.queryRenderedFeatures({layers: ["unit-ring"]}).length === 0`)
	r.wait("the emergency's flash marker over 4A2", `document.querySelectorAll("#gl-live .emerg-flash").length === 1 && document.querySelector("#gl-live .emerg-flash").dataset.unit.endsWith("/4A2")`)
	r.eval(`wallmap.stats.flashes = 0`)
	emergency, emergencyLive := renders(3 * time.Second)
	flashes, err := chromedp.Run(r.ctx, chromedp.Evaluate[float64](`wallmap.stats.flashes`))
	if err != nil {
		t.Fatal(err)
	}
	// lit and dark every 500 ms: 8 changes in 4 s, allowing for timers
	if flashes < 6 {
		t.Errorf("an unacknowledged emergency's flash changed %g times in 4 s: it does not flash", flashes)
	}
	if emergency > 1 || emergencyLive > 1 {
		t.Errorf("the flash repainted the base map %g times and the live map %g times in 3 s: it is a marker, and should repaint neither", emergency, emergencyLive)
	}
	r.publish(root+"/units/4A2", true, unitPayload("4A2", "enroute", "fresh", 33.74, -117.82, false, ""))
	r.wait("emergency cleared, its flash gone", `wallmap.renderedUnits("emerg") === 0 && wallmap.state.emergencies.size === 0 && document.querySelectorAll("#gl-live .emerg-flash").length === 0`)
	after, afterLive := renders(3 * time.Second)
	t.Logf("repaints in 3 s, base map / live map: calm %g/%g, moving units %g/%g (until drawn), a talker %g/%g, an emergency %g/%g (its flash changing %g times), calm again %g/%g",
		calm, calmLive, moving, movingLive, talker, talkerLive, emergency, emergencyLive, flashes, after, afterLive)
	if after > 1 || afterLive > 1 {
		t.Errorf("the wall repainted %g times in 3 s once nothing blinked (live map %g)", after, afterLive)
	}
}
