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
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/chromedp/chromedp"

	"radiogw/gateway/broker"
)

const chromiumPath = "/usr/bin/chromium"

// onePixelPNG is a 1x1 grey PNG, the test's background tile.
var onePixelPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00:~\x9bU\x00\x00\x00\nIDATx\x9cc\x60\x00\x00\x00\x02\x00\x01H\xaf\xa4q\x00\x00\x00\x00IEND\xaeB`\x82")

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

// TestWallMapInBrowser drives the real page in headless Chromium against the
// embedded broker: retained unit state appears as markers, the emergency
// flashes, and Acknowledge publishes the command a dispatcher's click means.
func TestWallMapInBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("the wall map browser test needs Debian's chromium at %s: install it with `apt-get install -y chromium` (%v)", chromiumPath, err)
	}
	const root = "radiogw/test"
	wsAddr := freeAddr(t)
	b, err := broker.Start(broker.Options{Listen: freeAddr(t), WebSocket: wsAddr, TopicRoot: root})
	if err != nil {
		t.Fatalf("embedded broker: %v", err)
	}
	defer b.Close()

	opts := paho.NewClientOptions().AddBroker(b.Addr()).SetClientID("wallmap-test").SetOrderMatters(false)
	client := paho.NewClient(opts)
	if tok := client.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect to broker: %v", tok.Error())
	}
	defer client.Disconnect(100)
	acks := make(chan []byte, 4)
	if tok := client.Subscribe(root+"/commands/emergency_ack", 1, func(_ paho.Client, m paho.Message) {
		acks <- m.Payload()
	}); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	publish := func(topic string, retained bool, payload []byte) {
		t.Helper()
		if tok := client.Publish(topic, 1, retained, payload); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("publish %s: %v", topic, tok.Error())
		}
	}
	publish(root+"/status", true, []byte("online"))
	publish(root+"/units/2A12", true, unitPayload("2A12", "enroute", "fresh", 33.745, -117.84, false, "e-2A12-1763935200"))
	publish(root+"/units/2A13", true, unitPayload("2A13", "available", "fresh", 33.76, -117.82, true, ""))
	publish(root+"/units/2A14", true, unitPayload("2A14", "onscene", "stale", 33.73, -117.81, false, ""))
	publish(root+"/channels/tac2", true, []byte(`{"class":"channel","v":1,"channel":"tac2","busy":true,"talker":"2A13","talker_id":"1301","emergency":false}`))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/units/{unit}/track", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"class":"track","v":1,"unit":%q,"points":[{"lat":33.74,"lon":-117.85,"time":"2026-11-23T22:10:00Z"},{"lat":33.745,"lon":-117.845,"time":"2026-11-23T22:12:00Z"},{"lat":33.76,"lon":-117.82,"time":"2026-11-23T22:14:00Z"}]}`, r.PathValue("unit"))
	})
	var tiles atomic.Int64
	mux.HandleFunc("GET /tiles/{z}/{x}/{y}", func(w http.ResponseWriter, r *http.Request) {
		tiles.Add(1)
		w.Header().Set("Content-Type", "image/png")
		w.Write(onePixelPNG)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	cfg := testConfig()
	cfg.TopicRoot, cfg.WebSocketURL, cfg.Username, cfg.Password = root, "ws://"+wsAddr, "", ""
	cfg.TileURL = srv.URL + "/tiles/{z}/{x}/{y}"
	mux.Handle("/", Handler(cfg))

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1600, 900))
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()

	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatalf("load page: %v", err)
	}
	wait := func(what, expr string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
			state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("conn").textContent + " | " + document.getElementById("emergencies").textContent`))
			t.Fatalf("%s: %v (page says %q)", what, err, state)
		}
	}
	wait("three unit markers", `document.querySelectorAll("#units .unit:not([display=none])").length === 3`)
	wait("city boundary and two beats drawn", `document.querySelectorAll("#fences .fence-boundary").length === 1 && document.querySelectorAll("#fences .fence-beat").length === 2`)
	wait("emergency flashing on the map and listed", `document.querySelectorAll("#units .unit.emerg:not(.acked)").length === 1 && document.querySelector('#emergencies li.emergency[data-emergency="e-2A12-1763935200"] button.ack') !== null`)
	wait("talker highlighted", `document.querySelector('#units [data-unit="2A13"]').classList.contains("talking")`)
	wait("stale unit greyed", `document.querySelector('#units [data-unit="2A14"]').classList.contains("stale-stale")`)
	wait("channel busy with its talker", `(() => { const c = document.querySelector('#channels li[data-channel="tac2"]'); return c !== null && c.classList.contains("busy") && c.textContent.includes("2A13"); })()`)
	wait("connection shown live", `document.getElementById("conn").textContent === "live"`)
	wait("background tiles placed", `document.querySelectorAll("#tiles image").length > 0`)
	if tiles.Load() == 0 {
		t.Error("TileURL set but no tile was requested")
	}

	publish(root+"/status", true, []byte("offline"))
	wait("offline banner", `!document.getElementById("banner").hidden && document.getElementById("banner").textContent.includes("radiogw OFFLINE")`)
	publish(root+"/status", true, []byte("online"))
	wait("offline banner gone", `!document.getElementById("banner").textContent.includes("OFFLINE")`)

	publish(root+"/events/ptt_start", false, []byte(`{"class":"event","v":1,"id":"ev1","kind":"ptt_start","time":"2026-11-23T22:14:06Z","channel":"tac2","unit":"2A13","radio_id":"1301"}`))
	wait("event in the ticker", `document.getElementById("ticker").textContent.includes("2A13 keyed up on tac2")`)

	// The Acknowledge button must stay put while unit updates stream in, or
	// a dispatcher's click lands on a replaced element.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(window.ackButton = document.querySelector("#emergencies button.ack")) !== null &&
		(window.before = document.querySelector('#units [data-unit="2A13"]').getAttribute("transform")) !== null`)); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		publish(root+"/units/2A13", true, unitPayload("2A13", "available", "fresh", 33.76+float64(i)/1000, -117.82, true, ""))
	}
	wait("2A13 moved", `document.querySelector('#units [data-unit="2A13"]').getAttribute("transform") !== window.before`)
	wait("Acknowledge button untouched by unit updates", `window.ackButton.isConnected`)
	if err := chromedp.Do(ctx, chromedp.Click(`#emergencies button.ack`)); err != nil {
		t.Fatalf("click Acknowledge: %v", err)
	}
	select {
	case p := <-acks:
		var cmd struct{ ID, By string }
		if err := json.Unmarshal(p, &cmd); err != nil || cmd.ID != "e-2A12-1763935200" || cmd.By != "wallmap" {
			t.Fatalf("ack command %s, want id e-2A12-1763935200 by wallmap (%v)", p, err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Acknowledge published nothing to " + root + "/commands/emergency_ack")
	}
	// radiogw confirms by republishing the unit with acked_by
	acked := unitPayload("2A12", "enroute", "fresh", 33.745, -117.84, false, "")
	var m map[string]any
	json.Unmarshal(acked, &m)
	m["emergency"] = map[string]any{"id": "e-2A12-1763935200", "since": "2026-11-23T22:00:00Z", "acked_by": "wallmap", "acked_at": "2026-11-23T22:00:07Z"}
	acked, _ = json.Marshal(m)
	publish(root+"/units/2A12", true, acked)
	wait("emergency shown acknowledged", `document.querySelector("#emergencies li.emergency.acked") !== null && document.getElementById("emergencies").textContent.includes("acknowledged by wallmap") && document.querySelectorAll("#emergencies button.ack").length === 0`)

	// a click on a unit shows its breadcrumb trail
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('#units [data-unit="2A13"]').dispatchEvent(new MouseEvent("click", {bubbles: true}))`)); err != nil {
		t.Fatal(err)
	}
	wait("breadcrumb trail of 3 points", `document.querySelectorAll("#trails .trail-point").length === 3 && document.querySelector("#trails polyline") !== null`)
	wait("unit detail panel", `!document.getElementById("detail-panel").hidden && document.getElementById("detail").textContent.includes("2A13")`)

	// a deleted retained unit disappears
	publish(root+"/units/2A14", true, nil)
	wait("removed unit gone", `document.querySelectorAll("#units .unit").length === 2`)

	// Every colour a marker can take is explained in the legend: a marker
	// of each kind is drawn with the page's own styles and its fill and ring
	// colours are looked up among the legend's swatches.
	missing, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
	  const ns = "http://www.w3.org/2000/svg", host = document.getElementById("units"), legend = new Set();
	  for (const i of document.querySelectorAll("#legend i")) {
	    const s = getComputedStyle(i);
	    legend.add(s.backgroundColor); legend.add(s.borderTopColor);
	  }
	  const missing = [];
	  for (const cls of ["st-available", "st-enroute", "st-onscene", "st-busy", "st-oos", "st-unknown",
	      "st-enroute stale-stale", "st-onscene stale-lost", "st-available talking", "st-busy emerg acked"]) {
	    const g = document.createElementNS(ns, "g"), dot = document.createElementNS(ns, "circle"), ring = document.createElementNS(ns, "circle");
	    g.setAttribute("class", "unit " + cls); dot.setAttribute("class", "dot"); ring.setAttribute("class", "ring");
	    g.append(ring, dot); host.appendChild(g);
	    const fill = getComputedStyle(dot).fill, stroke = getComputedStyle(ring).stroke;
	    if (!legend.has(fill)) missing.push(cls + " fill " + fill);
	    if (stroke !== "none" && !legend.has(stroke)) missing.push(cls + " ring " + stroke);
	    g.remove();
	  }
	  return missing.join("; ");
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if missing != "" {
		t.Errorf("marker colours the legend does not explain: %s", missing)
	}

	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	out := filepath.Join(t.TempDir(), "wallmap.png")
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
	if p := os.Getenv("RADIOGW_SCREENSHOT"); p != "" {
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatalf("RADIOGW_SCREENSHOT: %v", err)
		}
		t.Logf("screenshot saved to %s", p)
	}
}
