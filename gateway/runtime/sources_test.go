package runtime

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"radiogw/hcl"
)

// One peer gets its burst, then the refill rate; other peers keep theirs
// until the overall limit is spent.
func TestReplyLimiter(t *testing.T) {
	l := newReplyLimiter()
	t0 := time.Unix(1_700_000_000, 0)
	a := netip.MustParseAddrPort("10.0.0.1:20500")
	for i := range int(replyPeerBurst) {
		if why := l.allow(a, t0); why != "" {
			t.Fatalf("reply %d: %s", i, why)
		}
	}
	if why := l.allow(a, t0); why != replyRateLimitedPeer {
		t.Fatalf("over the burst: %q", why)
	}
	if why := l.allow(a, t0.Add(time.Second/time.Duration(replyPeerRate))); why != "" {
		t.Fatalf("after one refill interval: %q", why)
	}
	sent := 0
	for i := range 2 * int(replyTotalBurst) {
		p := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), 4001)
		if l.allow(p, t0) == "" {
			sent++
		}
	}
	if want := int(replyTotalBurst) - int(replyPeerBurst) - 1; sent != want {
		t.Fatalf("%d replies to distinct addresses, want the overall burst's rest %d", sent, want)
	}
	if len(l.peers) > replyPeerTracked {
		t.Fatalf("%d addresses tracked, cap %d", len(l.peers), replyPeerTracked)
	}
}

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
