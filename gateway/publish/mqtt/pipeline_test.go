package mqtt

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"radiogw/avl"
	"radiogw/gateway/change"
	"radiogw/gateway/testsvc"
)

// ackGate is a TCP proxy in front of a broker that can hold everything the
// broker sends back (PUBACKs) while letting the client's publishes through.
type ackGate struct {
	ln     net.Listener
	target string

	mu     sync.Mutex
	open   bool
	opened chan struct{} // closed when the gate opens
	conns  []net.Conn
}

func newAckGate(t *testing.T, target string) *ackGate {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &ackGate{ln: ln, target: target, open: true, opened: make(chan struct{})}
	close(g.opened)
	go g.serve()
	t.Cleanup(func() { ln.Close(); g.cut() })
	return g
}

func (g *ackGate) addr() string { return g.ln.Addr().String() }

func (g *ackGate) serve() {
	for {
		c, err := g.ln.Accept()
		if err != nil {
			return
		}
		b, err := net.Dial("tcp", g.target)
		if err != nil {
			c.Close()
			continue
		}
		g.mu.Lock()
		g.conns = append(g.conns, c, b)
		g.mu.Unlock()
		go func() { io.Copy(b, c); b.Close() }()
		go func() {
			buf := make([]byte, 32<<10)
			for {
				n, err := b.Read(buf)
				if n > 0 {
					g.wait()
					if _, werr := c.Write(buf[:n]); werr != nil {
						break
					}
				}
				if err != nil {
					break
				}
			}
			c.Close()
		}()
	}
}

// cutPair drops the i-th proxied connection only (in accept order).
func (g *ackGate) cutPair(i int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.conns[2*i].Close()
	g.conns[2*i+1].Close()
}

// pairs is how many connections the gate has accepted.
func (g *ackGate) pairs() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.conns) / 2
}

func (g *ackGate) wait() {
	g.mu.Lock()
	ch := g.opened
	g.mu.Unlock()
	<-ch
}

// hold stops the broker's replies; release lets them (and what was held) go.
func (g *ackGate) hold() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.open {
		g.open, g.opened = false, make(chan struct{})
	}
}

func (g *ackGate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.open {
		g.open = true
		close(g.opened)
	}
}

// cut drops every proxied connection, as a network failure would.
func (g *ackGate) cut() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, c := range g.conns {
		c.Close()
	}
	g.conns = nil
}

func counter(t *testing.T, s *running, vec string, labels ...string) float64 {
	t.Helper()
	name := map[string]string{"published": MetricPublished, "failures": MetricFailed}[vec]
	return s.metrics.value(name, labels[len(labels)-1])
}

// A round does not wait for the acks of the one before: while the broker's
// PUBACKs for unit A are held back, unit B's newer state is still published.
// Once the acks come, both are counted as confirmed, and nothing failed.
func TestStatePublishesDoNotWaitForEarlierAcks(t *testing.T) {
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	sub := subscribe(t, m.Addr, root+"/units/#")
	g, s := startGatedSink(t, m.Addr)

	g.hold()
	s.Write(change.Batch{Units: []avl.Change{unitChange(unitAt("2A10", 1))}})
	waitFor(t, 10*time.Second, "2A10 at the display", func() bool { return sub.lastOn(root+"/units/2A10") != nil })
	s.Write(change.Batch{Units: []avl.Change{unitChange(unitAt("2A11", 2))}})
	waitFor(t, 10*time.Second, "2A11 at the display while 2A10's ack is held", func() bool {
		return sub.lastOn(root+"/units/2A11") != nil
	})
	if got := counter(t, s, "published", sinkName, "unit"); got != 0 {
		t.Fatalf("%v unit publishes confirmed while every ack was held", got)
	}
	g.release()
	waitFor(t, 10*time.Second, "both confirmed", func() bool { return counter(t, s, "published", sinkName, "unit") == 2 })
	if f := counter(t, s, "failures", sinkName, "state"); f != 0 {
		t.Fatalf("%v state failures", f)
	}
}

// Publishes whose acks do not come within WaitBudget are failures and are
// sent again; what is sent again is the unit's newest state, never the
// failed older one, and the broker ends with the newest.
func TestTimedOutStateIsResentNewest(t *testing.T) {
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	g, s := startGatedSink(t, m.Addr, func(o *Options) {
		o.WaitBudget = 300 * time.Millisecond
		o.KeepAlive = time.Minute
	})

	g.hold()
	for seq := 1; seq <= 3; seq++ { // 3 is newest; 1 and 2 are in flight when it arrives
		s.Write(change.Batch{Units: []avl.Change{unitChange(unitAt("2A12", seq))}})
		time.Sleep(30 * time.Millisecond)
	}
	waitFor(t, 10*time.Second, "timeouts counted", func() bool { return counter(t, s, "failures", sinkName, "state") >= 2 })
	s.mu.Lock()
	slot := s.units["2A12"]
	got := int((slot.unit.Position.Lat-33)*1e5 + 0.5)
	s.mu.Unlock()
	if got != 3 {
		t.Fatalf("after the older publishes failed the unit holds fix %d, want the newest, 3", got)
	}
	g.release()
	fresh := subscribe(t, m.Addr, root+"/units/#")
	waitFor(t, 10*time.Second, "the newest state retained", func() bool {
		b := fresh.lastOn(root + "/units/2A12")
		return b != nil && seqOf(t, b) == 3
	})
	waitFor(t, 10*time.Second, "a resend confirmed", func() bool { return counter(t, s, "published", sinkName, "unit") >= 1 })
}

// A connection cut while state publishes await their acks fails them (they
// are counted and marked dirty again); the sink reconnects and they are
// sent and confirmed again, and the broker keeps every unit's newest state.
func TestCutConnectionResendsInFlightState(t *testing.T) {
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	sub := subscribe(t, m.Addr, root+"/units/#")
	g, s := startGatedSink(t, m.Addr)

	g.hold()
	ids := []string{"2A10", "2A11", "2A12"}
	batch := change.Batch{}
	for i, id := range ids {
		batch.Units = append(batch.Units, unitChange(unitAt(id, 10+i)))
	}
	s.Write(batch)
	waitFor(t, 10*time.Second, "the states at the broker", func() bool { return sub.lastOn(root+"/units/2A12") != nil })
	g.cut() // the held acks go down with the connection
	g.release()
	waitFor(t, 20*time.Second, "the in-flight publishes failed", func() bool {
		return counter(t, s, "failures", sinkName, "state") >= float64(len(ids))
	})
	waitFor(t, 20*time.Second, "all three confirmed after the reconnect", func() bool {
		return counter(t, s, "published", sinkName, "unit") >= float64(len(ids))
	})
	fresh := subscribe(t, m.Addr, root+"/units/#")
	for i, id := range ids {
		waitFor(t, 10*time.Second, "retained "+id, func() bool {
			b := fresh.lastOn(root + "/units/" + id)
			return b != nil && seqOf(t, b) == 10+i
		})
	}
}

// Close waits for the acks of what it publishes (they are counted) but not
// beyond its context when the broker does not answer.
func TestCloseSettlesWithinContext(t *testing.T) {
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	g := newAckGate(t, m.Addr)
	s := startSink(t, "tcp://"+g.addr(), "", func(o *Options) { o.WaitBudget = time.Minute; o.MapEvery = time.Hour })
	waitFor(t, 10*time.Second, "sink connected", s.client.IsConnectionOpen)
	// The connect's republish round must be over, or it publishes the unit a
	// second time.
	waitFor(t, 10*time.Second, "the connect's republish round", func() bool { return !s.republishAll.Load() })
	s.Write(change.Batch{Units: []avl.Change{unitChange(unitAt("2A10", 1))}})
	s.stop()
	if got := counter(t, s, "published", sinkName, "unit"); got != 1 {
		t.Fatalf("after Close %v unit publishes confirmed, want 1", got)
	}

	s2 := startSink(t, "tcp://"+g.addr(), "", func(o *Options) { o.WaitBudget = time.Minute; o.MapEvery = time.Hour })
	waitFor(t, 10*time.Second, "second sink connected", s2.client.IsConnectionOpen)
	g.hold()
	s2.Write(change.Batch{Units: []avl.Change{unitChange(unitAt("2A11", 1))}})
	s2.halt()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	done := make(chan struct{})
	go func() { s2.Close(ctx); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return after its context ended while acks were held")
	}
	g.release()
}

// A unit forgotten, added back and forgotten again while the first delete
// awaits its ack: that ack must not settle the second Forget (the state
// published in between would stay retained as a ghost).
func TestForgetAgainWhileDeleteInFlight(t *testing.T) {
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	sub := subscribe(t, m.Addr, root+"/units/#")
	g := newAckGate(t, m.Addr)
	s := startSink(t, "tcp://"+g.addr(), "", func(o *Options) { o.WaitBudget = time.Minute; o.MapEvery = time.Hour })
	waitFor(t, 10*time.Second, "sink connected", s.client.IsConnectionOpen)
	topic := root + "/units/2A12"
	s.Write(change.Batch{Units: []avl.Change{unitChange(unitAt("2A12", 1))}})
	waitFor(t, 10*time.Second, "first state confirmed", func() bool { return counter(t, s, "published", sinkName, "unit") == 1 })

	g.hold()
	s.Forget("2A12")
	waitFor(t, 10*time.Second, "the delete at the broker", func() bool { b := sub.lastOn(topic); return b != nil && len(b) == 0 })
	s.Write(change.Batch{Units: []avl.Change{unitChange(unitAt("2A12", 2))}})
	waitFor(t, 10*time.Second, "the new state at the broker", func() bool { b := sub.lastOn(topic); return len(b) > 0 && seqOf(t, b) == 2 })
	s.Forget("2A12")
	g.release()

	waitFor(t, 10*time.Second, "the forget settled", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.forgotten) == 0 && len(s.forgetting) == 0
	})
	fresh := subscribe(t, m.Addr, root+"/units/#")
	time.Sleep(300 * time.Millisecond) // retained messages arrive right after subscribing
	if b := fresh.lastOn(topic); len(b) > 0 {
		t.Fatalf("forgotten unit still retained: %s", b)
	}
}

// startGatedSink starts a sink whose broker replies pass through an ackGate,
// connected and done with its connect-time round, with the status publish's
// ack through before a test closes the gate. adjust changes the options
// after the defaults (acks wait a minute, no map).
func startGatedSink(t *testing.T, brokerAddr string, adjust ...func(*Options)) (*ackGate, *running) {
	t.Helper()
	g := newAckGate(t, brokerAddr)
	s := startSink(t, "tcp://"+g.addr(), "", func(o *Options) {
		o.WaitBudget, o.MapEvery = time.Minute, time.Hour
		for _, f := range adjust {
			f(o)
		}
	})
	waitFor(t, 10*time.Second, "sink connected", s.client.IsConnectionOpen)
	waitFor(t, 10*time.Second, "the connect-time round", func() bool { return !s.republishAll.Load() })
	time.Sleep(200 * time.Millisecond)
	return g, s
}
