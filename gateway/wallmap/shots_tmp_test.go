package wallmap

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestTmpDemoShots(t *testing.T) {
	ctx, cancel := browser(t, 1600, 900)
	defer cancel()
	ctx, c2 := context.WithTimeout(ctx, 8*time.Minute)
	defer c2()
	r := &rig{t: t, ctx: ctx}
	shot := func(name string) {
		time.Sleep(8 * time.Second)
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile("/tmp/w21shots/demo-"+name+".png", png, 0o644)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("http://127.0.0.1:18480/?theme=day")); err != nil {
		t.Fatal(err)
	}
	r.waitFor("ready", `document.body.dataset.ready === "true" && wallmap.state.units.size >= 10`, 2*time.Minute)
	r.waitFor("emergency", `document.querySelector("#emergencies li.emergency") !== null`, 4*time.Minute)
	r.eval(`wallmap.map.jumpTo({center: [-117.826, 33.742], zoom: 14.3}); const u = [...wallmap.state.units.keys()][3]; wallmap.select(u)`)
	shot("city")
	r.eval(`wallmap.select(null); wallmap.map.jumpTo({center: [-117.822, 33.740], zoom: 11.3})`)
	shot("region")
	r.eval(`wallmap.setTheme("night"); wallmap.map.jumpTo({center: [-117.83, 33.742], zoom: 13.6})`)
	shot("night")
}
