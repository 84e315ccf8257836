package gateway

import (
	"fmt"
	"testing"

	"radiogw/hcl"
)

// Location requests go out from the first LRRP source in the configuration,
// every time, not from whichever one a map walk meets first.
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
		if rs := d.firstSource("lrrp"); rs == nil || rs.cfg.Name != "lrrp-0" {
			t.Fatalf("first lrrp source = %+v, want lrrp-0", rs)
		}
	}
	delete(d.sources, "lrrp-0") // stopped by a reload
	if rs := d.firstSource("lrrp"); rs == nil || rs.cfg.Name != "lrrp-1" {
		t.Fatalf("with lrrp-0 stopped: %+v, want lrrp-1", rs)
	}
	if rs := d.firstSource("taip"); rs != nil {
		t.Fatalf("no taip source configured, got %s", rs.cfg.Name)
	}
}
