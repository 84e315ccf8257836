package source

import (
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
