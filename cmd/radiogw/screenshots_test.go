//go:build screenshots

package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestWallMapScreenshots makes the pictures in docs/wallmap.md and the
// README from `make run`'s demo in headless Chromium (software WebGL):
// city zoom by day, region zoom with clusters, and night. `make
// screenshots` writes them to docs/img; RADIOGW_SCREENSHOTS names another
// directory. Each picture is taken only once the page shows what its
// caption says: the units, an emergency waiting for acknowledgement, the
// clusters.
// cityView centres the map on the first emergency at street zoom.
const cityView = `(() => { const u = [...wallmap.state.units.values()].find((u) => u.data.emergency && u.feature);
	const e = [...wallmap.state.emergencies.values()].find((e) => e.position);
	const at = u ? u.feature.geometry.coordinates : e ? [e.position.lon, e.position.lat] : null;
	if (!at) return false;
	wallmap.map.jumpTo({center: at, zoom: 14.05}); return true; })()`

func TestWallMapScreenshots(t *testing.T) {
	dir := os.Getenv("RADIOGW_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	_, out, _ := startDemo(t, "")
	m := waitFor(t, out, regexp.MustCompile(`wall map: +(http://127\.0\.0\.1:\d+/)`), 90*time.Second)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath("/usr/bin/chromium"), chromedp.Headless, chromedp.NoSandbox,
		chromedp.Flag("use-angle", "swiftshader"), chromedp.Flag("enable-unsafe-swiftshader", true),
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1600, 900))
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 6*time.Minute)
	defer cancelT()
	if err := chromedp.Do(ctx, chromedp.Navigate(m[1]+"?theme=day")); err != nil {
		t.Fatal(err)
	}
	wait := func(what, expr string, within time.Duration) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(within), chromedp.WithPollingInterval(250*time.Millisecond))); err != nil {
			state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({units: wallmap.state.units.size, emergencies: [...wallmap.state.emergencies.values()], zoom: wallmap.map.getZoom()})`))
			t.Fatalf("%s: %v (page: %s)", what, err, state)
		}
	}
	shot := func(name string) {
		t.Helper()
		time.Sleep(1500 * time.Millisecond) // the emergency's flash and the labels settle
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", filepath.Join(dir, name))
	}
	wait("page live", `document.body.dataset.ready === "true" && document.getElementById("conn").textContent === "live"`, 60*time.Second)
	wait("the demo's 12 units", `wallmap.state.units.size >= 12`, 60*time.Second)
	// the demo raises an emergency every 2 minutes
	wait("an emergency waiting for acknowledgement", `document.querySelector("#emergencies button.ack") !== null`, 150*time.Second)
	// city zoom around the emergency, where call signs and street names show
	wait("city zoom on the emergency", cityView, 30*time.Second)
	wait("the map drawn", `wallmap.map.isSourceLoaded("protomaps") && wallmap.live.isSourceLoaded("units") && !wallmap.map.isMoving()`, 30*time.Second)
	wait("streets and labelled units drawn", `wallmap.live.queryRenderedFeatures({layers: ["emerg-label"]}).length >= 1 && wallmap.map.queryRenderedFeatures({layers: ["roads_minor", "roads_major"].filter((l) => wallmap.map.getLayer(l))}).length > 0`, 30*time.Second)
	shot("wallmap.png")

	wait("region zoom with clusters", `(() => { const c = wallmap.map.getCenter(); wallmap.map.jumpTo({center: c, zoom: 11.2}); return wallmap.map.isSourceLoaded("protomaps") && wallmap.live.isSourceLoaded("units") && wallmap.live.queryRenderedFeatures({layers: ["clusters"]}).length >= 1; })()`, 30*time.Second)
	shot("wallmap-region.png")

	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { wallmap.setTheme("night"); return true; })()`)); err != nil {
		t.Fatal(err)
	}
	wait("night basemap with the units back", `document.body.dataset.theme === "night" && wallmap.map.isStyleLoaded() && wallmap.live.isStyleLoaded() && wallmap.renderedUnits() >= 1`, 30*time.Second)
	wait("city zoom at night", cityView, 30*time.Second)
	wait("labelled units drawn at night", `wallmap.map.isSourceLoaded("protomaps") && wallmap.live.isSourceLoaded("units") && wallmap.live.queryRenderedFeatures({layers: ["emerg-label"]}).length >= 1`, 30*time.Second)
	shot("wallmap-night.png")
}
