package wallmap

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"slices"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/profiler"
	"github.com/chromedp/chromedp"
)

// profilePage records the page's main-thread JavaScript CPU profile from
// now until the returned stop is called, when RADIOGW_WALLMAP_PROFILE names
// a file (make bench sets it): the profile is written there (DevTools'
// Performance panel opens it) and its top functions by self time are
// logged. Without the variable it does nothing.
func (r *rig) profilePage(t *testing.T) (stop func()) {
	file := os.Getenv("RADIOGW_WALLMAP_PROFILE")
	if file == "" {
		return func() {}
	}
	if _, err := chromedp.Call(r.ctx, profiler.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("profiler: %v", err)
	}
	if _, err := chromedp.Call(r.ctx, profiler.SetSamplingInterval, profiler.SetSamplingIntervalParams{Interval: 1000}); err != nil {
		t.Fatalf("profiler: %v", err)
	}
	if _, err := chromedp.Call(r.ctx, profiler.Start, cdp.Empty{}); err != nil {
		t.Fatalf("profiler: %v", err)
	}
	return func() {
		res, err := chromedp.Call(r.ctx, profiler.Stop, cdp.Empty{})
		if err != nil || res.Profile == nil {
			t.Fatalf("profiler: %v", err)
		}
		b, err := json.Marshal(res.Profile)
		if err == nil {
			err = os.WriteFile(file, b, 0o644)
		}
		if err != nil {
			t.Fatalf("profile: %v", err)
		}
		t.Logf("page main-thread profile written to %s; by self time:\n%s", file, topSelf(res.Profile, 15))
	}
}

// topSelf lists the n functions that were on top of the stack longest.
func topSelf(p *profiler.Profile, n int) string {
	where := map[int64]string{}
	for _, nd := range p.Nodes {
		cf := nd.CallFrame
		name := cmp.Or(cf.FunctionName, "(anonymous)")
		if cf.URL != "" {
			name += fmt.Sprintf(" %s:%d", path.Base(cf.URL), cf.LineNumber+1)
		}
		where[nd.ID] = name
	}
	self := map[string]int64{}
	var total int64
	for i, id := range p.Samples {
		if i+1 < len(p.TimeDeltas) {
			self[where[id]] += p.TimeDeltas[i+1]
			total += p.TimeDeltas[i+1]
		}
	}
	names := make([]string, 0, len(self))
	for k := range self {
		names = append(names, k)
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Compare(self[b], self[a]) })
	out := fmt.Sprintf("  %d ms sampled\n", total/1000)
	for _, k := range names[:min(n, len(names))] {
		out += fmt.Sprintf("  %6d ms %4.1f%%  %s\n", self[k]/1000, 100*float64(self[k])/float64(max(total, 1)), k)
	}
	return out
}
