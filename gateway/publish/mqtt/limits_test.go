package mqtt

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"radiogw/avl"
	"radiogw/gateway/change"
	"radiogw/gateway/testsvc"
)

// A map over MaxMapBytes is not published (it would exceed brokers' packet
// limits and get the sink disconnected); unit states still are, and the
// refusal is counted. While the fleet does not shrink, later maps are
// counted as refused without being encoded again (logged once).
func TestOversizedMapIsSkipped(t *testing.T) {
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	sub := subscribe(t, m.Addr, root+"/#")
	var logs testsvc.LockedBuffer
	s := startSink(t, "tcp://"+m.Addr, "", func(o *Options) {
		o.MapEvery = 50 * time.Millisecond
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	tag := strings.Repeat("x", 16<<10)
	var batch change.Batch
	for i := 0; i < 1000; i++ {
		u := unitAt(fmt.Sprintf("U%04d", i), i)
		u.AlphaTag = tag
		batch.Units = append(batch.Units, unitChange(u))
	}
	if err := s.Write(batch); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the last unit state", func() bool { return sub.lastOn(root+"/units/U0999") != nil })
	// Encoding a 16 MB map takes seconds under -race on a loaded machine.
	waitFor(t, 30*time.Second, "map_too_large counted", func() bool {
		return s.metrics.value(MetricFailed, "map_too_large") > 0
	})
	// The fleet keeps moving: every map interval is refused again, from
	// the unit count alone.
	for i := 0; s.metrics.value(MetricFailed, "map_too_large") < 4; i++ {
		if i > 300 {
			t.Fatalf("map_too_large = %v after 300 more changes, want 4", s.metrics.value(MetricFailed, "map_too_large"))
		}
		moved := unitAt("U0001", 1000+i)
		moved.AlphaTag = tag
		if err := s.Write(change.Batch{Units: []avl.Change{unitChange(moved)}}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(60 * time.Millisecond)
	}
	if n := strings.Count(logs.String(), "map not published"); n != 1 {
		t.Errorf("the refusal was logged %d times, want once (later maps are not encoded):\n%s", n, logs.String())
	}
	for _, msg := range sub.snapshot() {
		if msg.topic == root+"/map" && len(msg.payload) > 1000 {
			t.Errorf("a %d-byte map was published", len(msg.payload))
		}
	}
	if !s.client.IsConnectionOpen() {
		t.Errorf("the sink lost its connection")
	}
	// Small again: the map comes back.
	small := unitAt("U0000", 5000)
	s.Forget("U0000")
	for i := 1; i < 1000; i++ {
		s.Forget(fmt.Sprintf("U%04d", i))
	}
	if err := s.Write(change.Batch{Units: []avl.Change{unitChange(small)}}); err != nil {
		t.Fatal(err)
	}
	waitForOr(t, 10*time.Second, "a map again", func() bool { return strings.Contains(string(sub.lastOn(root+"/map")), `"U0000"`) },
		func() string {
			var sizes []int
			for _, msg := range sub.snapshot() {
				if msg.topic == root+"/map" {
					sizes = append(sizes, len(msg.payload))
				}
			}
			return fmt.Sprintf("maps received (bytes) %v, map_too_large %v, log:\n%s", sizes, s.metrics.value(MetricFailed, "map_too_large"), logs.String())
		})
}

// A map refused while the fleet shrinks marks the size of the map that was
// refused, not the fleet's size when the refusal ended: with the fleet's,
// units forgotten during a slow encode set the mark to the fleet left, and
// the map stayed dark while the fleet did not shrink further.
func TestMapRefusedDuringShrinkComesBack(t *testing.T) {
	rec := newMetricsLog()
	s := offlineSink(t, func(o *Options) {
		o.OnMetric, o.MapEvery = rec.on, time.Millisecond
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	})
	// The fleet the slow encode started from...
	tag := strings.Repeat("x", 16<<10)
	var refused []*avl.Unit
	for i := 0; i < 1000; i++ {
		u := unitAt(fmt.Sprintf("U%04d", i), i)
		u.AlphaTag = tag
		refused = append(refused, &u)
	}
	// ...is down to two units when the refusal lands.
	if err := s.Write(change.Batch{Units: []avl.Change{unitChange(unitAt("U0000", 1)), unitChange(unitAt("U0001", 2))}}); err != nil {
		t.Fatal(err)
	}
	s.publishMap(refused, time.Now())
	if got := rec.value(MetricFailed, "map_too_large"); got != 1 {
		t.Fatalf("map_too_large = %v, want 1", got)
	}
	s.mu.Lock()
	again := s.dueMap(time.Now().Add(time.Second), false)
	s.mu.Unlock()
	if len(again) != 2 {
		t.Fatalf("the next map has %d units, want the 2 left: a map that fits was refused unseen", len(again))
	}
}
