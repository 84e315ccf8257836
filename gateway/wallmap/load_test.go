package wallmap

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	paho "github.com/eclipse/paho.mqtt.golang"
)

// TestWallMapTenThousandUnits loads the page with 10,000 units, each
// reporting twice a second through the embedded broker, and reads the
// page's own frame timing (requestAnimationFrame intervals). An emergency
// raised in the middle of the flood must reach the panel, and when the
// flood stops the page must show every unit's latest position, not work
// through a queue. make test runs it for RADIOGW_WALLMAP_LOAD (default 5s);
// make bench for 30 s with RADIOGW_WALLMAP_MIN_FPS=30, which then also
// fails below that rate.
func TestWallMapTenThousandUnits(t *testing.T) {
	const n = 10000
	const n0 = n
	minFPS := os.Getenv("RADIOGW_WALLMAP_MIN_FPS")
	bench := minFPS != ""
	dur := 5 * time.Second
	if s := os.Getenv("RADIOGW_WALLMAP_LOAD"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("RADIOGW_WALLMAP_LOAD: %v", err)
		}
		dur = d
	}
	cfg := testConfig()
	cfg.Basemap = demoPMTiles
	r, stop := newRig(t, cfg, 1920, 1080)
	defer stop()
	const root = "radiogw/test"
	r.publish(root+"/status", true, []byte("online"))
	pos := func(i, round int) (float64, float64) {
		// units spread over the city, each moving a few metres per round
		a := float64(i) * 2.39996
		rad := 0.03 * math.Sqrt(float64(i)/n)
		return 33.745 + rad*math.Sin(a) + float64(round)*1e-5, -117.825 + rad*math.Cos(a)*1.2 + float64(round)*1e-5
	}
	statuses := []string{"available", "enroute", "onscene", "busy", "oos"}
	topics := make([]string, n)
	for i := range topics {
		topics[i] = fmt.Sprintf("%s/units/U%05d", root, i)
	}
	payload := func(i int, lat, lon float64) []byte {
		return unitPayload(fmt.Sprintf("U%05d", i), statuses[i%len(statuses)], "fresh", lat, lon, i%97 == 0, "")
	}
	// confirmed publishes a round QoS 1, as radiogw publishes, and waits
	// until the broker has acknowledged every unit's state
	confirmed := func(what string, round int, within time.Duration) {
		toks := make([]paho.Token, n)
		for i := range toks {
			lat, lon := pos(i, round)
			toks[i] = r.client.Publish(topics[i], 1, true, payload(i, lat, lon))
		}
		for i, tok := range toks {
			if !tok.WaitTimeout(within) || tok.Error() != nil {
				t.Fatalf("%s, unit %d: not acknowledged by the broker (%v)", what, i, tok.Error())
			}
		}
	}
	fl := dialFlood(t, r.broker.Addr(), topics, payload)
	defer fl.close()
	send := func(round int) {
		for i := range n {
			lat, lon := pos(i, round)
			fl.publish(i, lat, lon)
		}
		fl.flush()
	}
	// the retained picture first
	confirmed("retained units", 0, 30*time.Second)
	// a second display beside the page: a Go client on the broker's TCP
	// listener, to tell the broker's delivery from the page's. It
	// subscribes once the flood's frames are counted (below), so the
	// broker's work for it does not fall on them.
	var beside sync.Map
	other := paho.NewClient(paho.NewClientOptions().AddBroker(r.broker.Addr()).SetClientID("beside-the-page"))
	if tok := other.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("second display: %v", tok.Error())
	}
	defer other.Disconnect(0)
	opened := time.Now()
	r.open("")
	// The display gets every retained unit, however slowly it reads: the
	// broker queues each unit's state once for it.
	r.wait("the retained units arriving", `wallmap.state.units.size > 0`)
	time.Sleep(3 * time.Second)
	initial, _ := chromedp.Run(r.ctx, chromedp.Evaluate[float64](`wallmap.state.units.size`))
	r.waitFor("all 10,000 retained units on the page", `wallmap.state.units.size === 10000`, 2*time.Minute)
	allRetained := time.Since(opened)

	r.eval(`wallmap.resetFrames(); wallmap.stats.renders = 0; wallmap.stats.liveRenders = 0; wallmap.stats.pushes = 0; wallmap.stats.longTasks = 0; wallmap.stats.longTaskMs = 0`)
	stopProfile := r.profilePage(t)
	start := time.Now()
	round, sent := 0, 0
	var emergencyAt time.Time
	emergencySeen := time.Duration(-1)
	for time.Since(start) < dur {
		round++
		tick := time.Now()
		send(round)
		sent += n
		if emergencyAt.IsZero() && time.Since(start) > dur/2 {
			emergencyAt = time.Now()
			r.publish(root+"/events/emergency", false, []byte(`{"class":"event","v":1,"id":"ev-e","kind":"emergency","time":"2026-11-23T22:15:00Z","unit":"U00042","emergency_id":"e-U00042-1","channel":"tac2"}`))
		}
		if !emergencyAt.IsZero() && emergencySeen < 0 {
			if ok, _ := chromedp.Run(r.ctx, chromedp.Evaluate[bool](`document.querySelector('#emergencies li[data-emergency="e-U00042-1"]') !== null`)); ok {
				emergencySeen = time.Since(emergencyAt)
			}
		}
		if d := 500*time.Millisecond - time.Since(tick); d > 0 {
			time.Sleep(d)
		}
	}
	elapsed := time.Since(start)
	stopProfile()
	fs, err := chromedp.Run(r.ctx, chromedp.Evaluate[map[string]float64](`wallmap.frameStats()`))
	if err != nil {
		t.Fatal(err)
	}
	stats, _ := chromedp.Run(r.ctx, chromedp.Evaluate[map[string]float64](`({messages: wallmap.stats.messages, applied: wallmap.stats.applied, pushes: wallmap.stats.pushes, renders: wallmap.stats.renders, liveRenders: wallmap.stats.liveRenders, pushCost: wallmap.stats.pushCost || 0, pushGap: wallmap.stats.pushGap || 250, longTasks: wallmap.stats.longTasks, longTaskMs: wallmap.stats.longTaskMs, labels: wallmap.state.labelsOn ? 1 : 0, zoom: wallmap.map.getZoom()})`))
	// The second display subscribes when no retained publish is in
	// flight: mochi v2.7.9 reads a topic's retained path, scanning for a
	// new subscription, without the lock a retained publish writes it
	// under, a data race (docs/DEPENDENCIES.md). A QoS 1 publish after the
	// flood's QoS 0 ones is acknowledged after they are processed, in
	// order; and the final round waits until this display has every
	// retained unit.
	fl.settle(root+"/status", []byte("online"))
	if tok := other.Subscribe(root+"/units/+", 0, func(_ paho.Client, m paho.Message) { beside.Store(m.Topic(), m.Payload()) }); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("second display: subscribe: %v", tok.Error())
	}
	besideCount := func() (n int) {
		beside.Range(func(any, any) bool { n++; return true })
		return n
	}
	for deadline := time.Now().Add(30 * time.Second); besideCount() < n; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("second display: %d of %d retained units after 30 s", besideCount(), n)
		}
	}
	r.wait("emergency raised during the flood is on the wall", `document.querySelector('#emergencies li[data-emergency="e-U00042-1"] button.ack') !== null`)
	if emergencySeen < 0 {
		emergencySeen = time.Since(emergencyAt)
	}
	// the page catches up to the latest state: once its backlog is read,
	// one more round (QoS 1, as radiogw publishes) must show as it is
	r.waitFor("the page has read its backlog", `(() => { const m = wallmap.stats.messages, same = window.lastCount === m; window.lastCount = m; return same && wallmap.state.pending.size === 0; })()`, 2*time.Minute)
	round++
	caught := time.Now()
	confirmed("final round", round, 60*time.Second)
	published := time.Since(caught)
	// count the units showing this last round's position (the same
	// formula as pos): every one must, since the broker keeps each unit's
	// newest state for a display that falls behind. The page keys a unit
	// "<site>/<unit>", the site being the configured one outside region
	// mode; a unit the page does not hold under that key is counted
	// missing, so a wrong key fails loudly instead of reading as "none
	// arrived".
	latest := fmt.Sprintf(`(() => { let n = 0, missing = 0; for (let i = 0; i < 10000; i++) {
		const u = wallmap.state.units.get(%q + "/U" + String(i).padStart(5, "0"));
		if (!u || !u.feature) { missing++; continue; }
		const a = i * 2.39996, rad = 0.03 * Math.sqrt(i / 10000);
		const lat = 33.745 + rad * Math.sin(a) + %d * 1e-5;
		if (Math.abs(u.feature.geometry.coordinates[1] - lat) < 1e-7) n++;
	} return [n, missing]; })()`, cfg.Site, round)
	besideLatest := func() int {
		n := 0
		for i := range n0 {
			lat, _ := pos(i, round)
			if p, ok := beside.Load(topics[i]); ok && strings.Contains(string(p.([]byte)), fmt.Sprintf(`"lat":%v`, lat)) {
				n++
			}
		}
		return n
	}
	var shown, missing float64
	for deadline, next := time.Now().Add(2*time.Minute), time.Now().Add(15*time.Second); ; time.Sleep(200 * time.Millisecond) {
		n, err := chromedp.Run(r.ctx, chromedp.Evaluate[[]float64](latest))
		if err != nil {
			t.Fatal(err)
		}
		shown, missing = n[0], n[1]
		if shown == 10000 || time.Now().After(deadline) {
			break
		}
		if time.Now().After(next) {
			next = time.Now().Add(15 * time.Second)
			st, _ := chromedp.Run(r.ctx, chromedp.Evaluate[string](`JSON.stringify({messages: wallmap.stats.messages, applied: wallmap.stats.applied, pending: wallmap.state.pending.size, feed: wallmap.state.feed.wallState, pushes: wallmap.stats.pushes, worker: wallmap.stats.feed})`))
			t.Logf("%s after the final round: %.0f units show it; page %s; broker events %d; the Go display beside the page has it for %d units", time.Since(caught).Round(time.Second), shown, st, r.brokerEvents.Load(), besideLatest())
		}
	}
	t.Logf("after the flood, units showing their latest position: %.0f of 10,000, %s after the last round was published (the broker acknowledged it in %s)",
		shown, time.Since(caught).Round(time.Millisecond), published.Round(time.Millisecond))
	conn, _ := chromedp.Run(r.ctx, chromedp.Evaluate[string](`wallmap.state.feed.wallState + " / " + wallmap.state.alerts.wallState`))
	d := r.broker.Dropped()
	t.Logf("connections (positions / alerts): %s; broker: %d unit states superseded by newer ones before they were sent, %d dropped (writes pending), %d (inflight full), %d refusals or disconnects",
		conn, d.Superseded, d.WritesPending, d.InflightFull, r.brokerEvents.Load())
	if shown < 10000 {
		t.Errorf("only %.0f of 10,000 units show their latest position 2 minutes after it was published (%.0f not on the page at all)", shown, missing)
	}
	if d.WritesPending != 0 || d.InflightFull != 0 {
		t.Errorf("the broker dropped unit states for the page: %+v", d)
	}
	t.Logf("retained units received 3 s after the page connected: %.0f of 10,000; all of them %s after it was opened", initial, allRetained.Round(time.Millisecond))
	t.Logf("repaints during the flood: base map %.1f/s, live map %.1f/s (%.1f a push); the live map indexed the last push of the unit layer in %.0f ms and pushed it every %.0f ms at the end; main-thread tasks over 50 ms: %.0f, %.0f ms in all (%.0f%% of the flood); zoom %.1f, call signs drawn: %v",
		stats["renders"]/elapsed.Seconds(), stats["liveRenders"]/elapsed.Seconds(), stats["liveRenders"]/max(stats["pushes"], 1), stats["pushCost"], stats["pushGap"], stats["longTasks"], stats["longTaskMs"], 100*stats["longTaskMs"]/float64(elapsed.Milliseconds()), stats["zoom"], stats["labels"] == 1)
	t.Logf("10,000 units, %d rounds in %s (%.0f unit messages/s offered): %.1f frames/s (median %.1f ms, p95 %.1f ms, max %.0f ms over %.0f frames); page received %.0f unit messages, applied %.0f (coalesced), %.0f map pushes; emergency on the panel %s after it was raised",
		round, elapsed.Round(time.Millisecond), float64(sent)/elapsed.Seconds(), fs["fps"], fs["median_ms"], fs["p95_ms"], fs["max_ms"], fs["frames"],
		stats["messages"], stats["applied"], stats["pushes"], emergencySeen.Round(time.Millisecond))
	// With make bench (30 s, nothing else running), a push costs the live
	// map two repaints: one when its last tile is back, one that places the
	// new tiles' labels. Slack: the emergency raised adds two, a push in
	// flight when the count began two. Under make test's parallel load a
	// push can take longer than HOLD_MAX_MS and repaint per tile, as it
	// should, so the short run only reports the figure.
	if most := 2.5*stats["pushes"] + 4; bench && stats["liveRenders"] > most {
		t.Errorf("the live map repainted %.0f times for %.0f pushes of the unit layer: want at most %.0f, about two a push", stats["liveRenders"], stats["pushes"], most)
	}
	if bench {
		min, _ := strconv.ParseFloat(minFPS, 64)
		if fs["fps"] < min {
			t.Errorf("%.1f frames/s with 10,000 units, want at least %s", fs["fps"], minFPS)
		}
	}
}
