package replies

import (
	"net/netip"
	"testing"
	"time"
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
	if why := l.allow(a, t0); why != RateLimitedPeer {
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
