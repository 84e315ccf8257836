package mqtt

import (
	"fmt"
	"testing"
	"time"

	"radiogw/avl"
	"radiogw/gateway/change"
	"radiogw/gateway/testsvc"
)

// Unit states go over the state link: a second connection, under the sink's
// client ID with "-state", opened right after paho's.
func TestUnitStatesGoOverTheStateLink(t *testing.T) {
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	units := subscribe(t, m.Addr, root+"/units/#")
	g := newAckGate(t, m.Addr)
	s := startSink(t, "tcp://"+g.addr(), "", nil)
	waitFor(t, 10*time.Second, "both connections up", s.linkUp)
	if n := g.pairs(); n != 2 {
		t.Fatalf("%d connections to the broker, want 2 (paho's and the state link)", n)
	}
	s.Write(change.Batch{Units: []avl.Change{unitChange(unitAt("2A20", 1))}})
	waitFor(t, 10*time.Second, "2A20 at the display", func() bool { return units.lastOn(root+"/units/2A20") != nil })
	// Hold the broker's replies: the unit's PUBACK does not come, and it
	// waits on the state link.
	g.hold()
	s.Write(change.Batch{Units: []avl.Change{unitChange(unitAt("2A20", 2))}})
	waitFor(t, 10*time.Second, "seq 2 at the display", func() bool {
		b := units.lastOn(root + "/units/2A20")
		return b != nil && seqOf(t, b) == 2
	})
	if got := s.stateInflight(); got != 1 {
		t.Fatalf("%d unit publishes awaiting their PUBACK on the state link, want 1", got)
	}
	g.release()
	waitFor(t, 10*time.Second, "both confirmed", func() bool { return counter(t, s, "published", sinkName, "unit") == 2 })
}

// The state link lost alone: radiogw closes paho's connection too, cleanly,
// so the will does not fire and the wall never reads "offline"; it opens
// both again, and the newest unit state, written during the loss, reaches
// the broker.
func TestStateLinkLossReconnectsBoth(t *testing.T) {
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	status := subscribe(t, m.Addr, root+"/status")
	units := subscribe(t, m.Addr, root+"/units/#")
	g := newAckGate(t, m.Addr)
	s := startSink(t, "tcp://"+g.addr(), "", nil)
	waitFor(t, 10*time.Second, "both connections up", s.linkUp)
	s.Write(change.Batch{Units: []avl.Change{unitChange(unitAt("2A21", 1))}})
	waitFor(t, 10*time.Second, "2A21 at the display", func() bool { return units.lastOn(root+"/units/2A21") != nil })

	g.cutPair(1) // the state link, opened second
	s.Write(change.Batch{Units: []avl.Change{unitChange(unitAt("2A21", 2))}})
	waitFor(t, 20*time.Second, "the newest state after the reconnect", func() bool {
		b := units.lastOn(root + "/units/2A21")
		return b != nil && seqOf(t, b) == 2
	})
	waitFor(t, 10*time.Second, "both reconnected", func() bool { return g.pairs() >= 4 && s.linkUp() })
	if got := s.metrics.value(MetricReconnect, ""); got < 2 {
		t.Fatalf("reconnects counted %v, want at least 2", got)
	}
	time.Sleep(300 * time.Millisecond) // a will would arrive at once
	for _, msg := range status.snapshot() {
		if string(msg.payload) == "offline" {
			t.Fatalf("status read %q during the state link's loss: the will fired (%v)", msg.payload, status.snapshot())
		}
	}
	fresh := subscribe(t, m.Addr, root+"/units/#")
	waitFor(t, 10*time.Second, "seq 2 retained", func() bool {
		b := fresh.lastOn(root + "/units/2A21")
		return b != nil && seqOf(t, b) == 2
	})
}

// A fleet's worth of unit states, more than the session's window: every one
// is confirmed, and once they are, nothing is left waiting on the link (no
// tag kept, no packet ID held).
func TestStateLinkSettlesEveryPublish(t *testing.T) {
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{Extra: "max_inflight_messages 0\n"})
	s := startSink(t, "tcp://"+m.Addr, "", func(o *Options) { o.MapEvery = time.Hour })
	waitFor(t, 10*time.Second, "both connections up", s.linkUp)
	const units = 12000
	for start := 0; start < units; start += 500 {
		var b change.Batch
		for i := start; i < start+500; i++ {
			b.Units = append(b.Units, unitChange(unitAt(fmt.Sprintf("U%05d", i), 1)))
		}
		s.Write(b)
	}
	waitFor(t, 30*time.Second, "every unit confirmed", func() bool {
		return counter(t, s, "published", sinkName, "unit") == units
	})
	if n := s.stateInflight(); n != 0 {
		t.Fatalf("%d tags still pending after every publish was confirmed", n)
	}
	if n := s.link.sess.Inflight(); n != 0 {
		t.Fatalf("%d packet IDs still held after every publish was confirmed", n)
	}
	if f := counter(t, s, "failures", sinkName, "state"); f != 0 {
		t.Fatalf("%v state failures", f)
	}
}
