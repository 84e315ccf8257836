package mqtt

import (
	"math"
	"strings"
	"testing"
	"time"

	"radiogw/avl"
	"radiogw/gateway/change"
	"radiogw/gateway/testsvc"
)

// A burst of 100 fixes for one unit within a second produces at most about
// UnitRate publishes, and the retained state is the last fix.
func TestUnitRateCoalescesBurst(t *testing.T) {
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	sub := subscribe(t, m.Addr, root+"/units/#")
	const rate = 4
	s := startSink(t, "tcp://"+m.Addr, "", func(o *Options) { o.UnitRate = rate })
	waitFor(t, 10*time.Second, "sink connected", s.client.IsConnectionOpen)

	start := time.Now()
	for i := 0; i < 100; i++ {
		if err := s.Write(change.Batch{Units: []avl.Change{unitChange(unitAt("2A12", i))}}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(9 * time.Millisecond)
	}
	burst := time.Since(start)
	topic := root + "/units/2A12"
	waitFor(t, 10*time.Second, "last fix retained", func() bool {
		b := sub.lastOn(topic)
		return b != nil && seqOf(t, b) == 99
	})
	n := 0
	for _, msg := range sub.snapshot() {
		if msg.topic == topic {
			n++
		}
	}
	// One publish per 1/rate interval while the burst lasted, plus the first
	// and the trailing one.
	ceiling := int(math.Ceil(burst.Seconds()*rate)) + 2
	t.Logf("100 fixes in %s → %d publishes (ceiling %d)", burst.Round(time.Millisecond), n, ceiling)
	if n > ceiling || n < 2 {
		t.Errorf("%d publishes for a burst of 100 fixes in %s at %d/s, want 2..%d", n, burst, rate, ceiling)
	}
}

// An emergency change is published at once, whatever the rate ceiling.
func TestEmergencyBypassesUnitRate(t *testing.T) {
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	sub := subscribe(t, m.Addr, root+"/units/#")
	s := startSink(t, "tcp://"+m.Addr, "", func(o *Options) { o.UnitRate = 0.05 }) // one per 20 s
	waitFor(t, 10*time.Second, "sink connected", s.client.IsConnectionOpen)
	topic := root + "/units/2A12"

	u := unitAt("2A12", 1)
	s.Write(change.Batch{Units: []avl.Change{unitChange(u)}})
	waitFor(t, 5*time.Second, "first state", func() bool { return sub.lastOn(topic) != nil })

	moved := unitAt("2A12", 2)
	s.Write(change.Batch{Units: []avl.Change{unitChange(moved)}})
	time.Sleep(500 * time.Millisecond)
	if got := seqOf(t, sub.lastOn(topic)); got != 1 {
		t.Fatalf("a plain fix went out within the 20 s gap (fix %d)", got)
	}
	alarm := unitAt("2A12", 3)
	alarm.Emergency = &avl.Emergency{ID: "e-1201-1", Since: t0}
	s.Write(change.Batch{Units: []avl.Change{unitChange(alarm)}})
	waitFor(t, 5*time.Second, "emergency state well inside the 20 s gap", func() bool {
		return strings.Contains(string(sub.lastOn(topic)), `"e-1201-1"`)
	})
	if got := seqOf(t, sub.lastOn(topic)); got != 3 {
		t.Errorf("emergency state carries fix %d, want the latest (3)", got)
	}
}
