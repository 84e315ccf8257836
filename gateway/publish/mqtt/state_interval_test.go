package mqtt

import (
	"testing"
	"time"
)

func TestMapIntervalGrowsWithFleet(t *testing.T) {
	for _, c := range []struct {
		every time.Duration
		units int
		want  time.Duration
	}{
		{time.Second, 0, time.Second},
		{time.Second, 1999, time.Second},
		{time.Second, 10000, 10 * time.Second},
		{time.Minute, 10000, time.Minute},
		{200 * time.Millisecond, 12, 200 * time.Millisecond},
	} {
		if got := mapInterval(c.every, c.units); got != c.want {
			t.Errorf("mapInterval(%v, %d) = %v, want %v", c.every, c.units, got, c.want)
		}
	}
}
