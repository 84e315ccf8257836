package source

import (
	"fmt"
	"testing"
	"time"
)

// The gap between reads of a drained socket follows the rate: long enough
// for a read to carry about udpPerRead datagrams, never under udpGapMin or
// over udpGapMax.
func TestUDPPaceFollowsTheRate(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		n     int
		since time.Duration
		want  time.Duration
	}{
		{"a datagram after a quiet spell", 1, 30 * time.Second, udpGapMax},
		{"1,000/s read every 2 ms", 2, 2 * time.Millisecond, udpGapMax},
		{"5,000/s read every 2 ms", 10, 2 * time.Millisecond, 3200 * time.Microsecond},
		{"5,000/s read every 3.2 ms", 16, 3200 * time.Microsecond, 3200 * time.Microsecond},
		{"10,000/s", 20, 2 * time.Millisecond, udpGapMin},
		{"a full batch", 64, time.Millisecond, udpGapMin},
		{"nothing read", 0, time.Millisecond, udpGapMin},
	}
	for _, c := range cases {
		p := udpPace{last: t0}
		if got := p.next(c.n, t0.Add(c.since)); got != c.want {
			t.Errorf("%s: %d datagrams in %v: gap %v, want %v", c.name, c.n, c.since, got, c.want)
		}
		if !p.last.Equal(t0.Add(c.since)) {
			t.Errorf("%s: the pace did not move on to this read", c.name)
		}
	}
}

// The datagrams of one read reach the pipeline inside one Hooks.Batch call,
// so the tracker takes them as one step: a burst takes fewer batches than
// datagrams, and no frame is emitted outside a batch.
func TestUDPReadIsOneBatch(t *testing.T) {
	u, r := startUDP(t, Config{})
	c := dialUDP(t, "", u.Addr())
	const burst = 64
	for i := range burst {
		if _, err := fmt.Fprintf(c, "lrrp-%d", i); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "the burst", func() bool { return len(r.data()) == burst })
	r.mu.Lock()
	batches, batched := r.batches, r.batchedEmits
	r.mu.Unlock()
	if batched != burst {
		t.Fatalf("%d of %d frames emitted inside a batch", batched, burst)
	}
	if batches >= burst {
		t.Fatalf("%d batches for a burst of %d datagrams: every read carried one", batches, burst)
	}
	t.Logf("%d datagrams in %d reads", burst, batches)
}
