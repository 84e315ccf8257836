package runtime

import (
	"fmt"
	"testing"

	"radiogw/hcl"
)

// Location requests go out from the first LRRP source in the configuration,
// every time, not from whichever one a map walk meets first; a source a
// reload stopped hands over to the next.
func TestFirstSourceFollowsConfigOrder(t *testing.T) {
	cfg := &hcl.Config{}
	d := &Daemon{cfg: cfg, sources: map[string]*runningSource{}}
	add := func(name, codec string) {
		s := hcl.Source{Name: name, Codec: codec}
		cfg.Sources = append(cfg.Sources, s)
		d.sources[name] = &runningSource{cfg: s}
	}
	add("ars", "ars")
	for i := range 8 {
		add(fmt.Sprintf("lrrp-%d", i), "lrrp")
	}
	for range 20 {
		if got := d.firstSource("lrrp"); got != "lrrp-0" {
			t.Fatalf("first lrrp source = %q, want lrrp-0", got)
		}
	}
	delete(d.sources, "lrrp-0") // stopped by a reload
	if got := d.firstSource("lrrp"); got != "lrrp-1" {
		t.Fatalf("with lrrp-0 stopped: %q, want lrrp-1", got)
	}
	if got := d.firstSource("taip"); got != "" {
		t.Fatalf("no taip source configured, got %q", got)
	}
}
