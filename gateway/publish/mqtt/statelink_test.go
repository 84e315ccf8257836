package mqtt

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/mochi-mqtt/server/v2/packets"

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

// A broker whose port is open but which refuses every connection (a wrong
// password, an ACL on a client ID) is retried at the backoff, not at every
// 200 ms port probe: 250 ms, 500 ms, 1 s, 2 s, 3 s apart.
func TestRefusingBrokerRetriedAtTheBackoff(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var connects atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { // a CONNECT is answered "not authorized"; a probe sends nothing
				defer c.Close()
				buf := make([]byte, 512)
				c.SetReadDeadline(time.Now().Add(2 * time.Second))
				if n, _ := c.Read(buf); n > 0 {
					connects.Add(1)
					c.Write([]byte{0x20, 2, 0, 5})
				}
			}()
		}
	}()
	s := startSink(t, "tcp://"+ln.Addr().String(), "", nil)
	time.Sleep(4 * time.Second)
	// At the backoff about 5 logins in 4 s; at every probe, up to 20.
	if n := connects.Load(); n > 7 { // one login per attempt (MQTT 3.1.1 only)
		t.Fatalf("%d logins in 4 s to a broker refusing every one: retried at the probe, not the backoff", n)
	}
	if r := s.metrics.value(MetricRetry, ""); r < 3 || r > 6 {
		t.Fatalf("%v failed attempts counted in 4 s, want 3 to 6 at the backoff", r)
	}
}

// mqtt { state_link = false }: one connection, and unit state goes through
// it.
func TestSingleConnectionMode(t *testing.T) {
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	units := subscribe(t, m.Addr, root+"/units/#")
	g := newAckGate(t, m.Addr)
	s := startSink(t, "tcp://"+g.addr(), "", func(o *Options) { o.SingleConnection = true })
	waitFor(t, 10*time.Second, "connected", s.linkUp)
	s.Write(change.Batch{Units: []avl.Change{unitChange(unitAt("2A30", 1))}})
	waitFor(t, 10*time.Second, "2A30 at the display", func() bool { return units.lastOn(root+"/units/2A30") != nil })
	waitFor(t, 10*time.Second, "confirmed", func() bool { return counter(t, s, "published", sinkName, "unit") == 1 })
	if n := g.pairs(); n != 1 {
		t.Fatalf("%d connections to the broker in single-connection mode, want 1", n)
	}
}

// A broker with use_username_as_clientid gives both connections one client
// ID, and each login drops the other: after three pairs broken within
// seconds the sink falls back to one connection, says so on the failure
// counter, and the wall gets its units.
func TestStateLinkFallsBackWhenTheBrokerDropsThePair(t *testing.T) {
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{Extra: "use_username_as_clientid true\n"})
	units := subscribeOpts(t, paho.NewClientOptions().AddBroker("tcp://"+m.Addr).SetUsername("display"), root+"/units/#", "")
	s := startSink(t, "tcp://"+m.Addr, "", func(o *Options) { o.Username = "gateway" })
	s.Write(change.Batch{Units: []avl.Change{unitChange(unitAt("2A31", 1))}})
	waitFor(t, 30*time.Second, "2A31 at the display", func() bool { return units.lastOn(root+"/units/2A31") != nil })
	waitFor(t, 10*time.Second, "the fallback counted", func() bool { return counter(t, s, "failures", sinkName, "state_link") == 1 })
	if !s.link.single.Load() {
		t.Fatal("unit state reached the display, but the sink is not in single-connection mode")
	}
	// The fallback is decided as the next connection starts, and paho
	// counts that connection in its own goroutine once it is up: the count
	// is read after it has stopped moving.
	waitFor(t, 10*time.Second, "the single connection up", s.linkUp)
	reconnects, settled := s.metrics.value(MetricReconnect, ""), time.Now()
	waitFor(t, 10*time.Second, "the reconnect count to stop moving", func() bool {
		if n := s.metrics.value(MetricReconnect, ""); n != reconnects {
			reconnects, settled = n, time.Now()
		}
		return time.Since(settled) >= 300*time.Millisecond
	})
	time.Sleep(2 * time.Second)
	if !s.linkUp() || s.metrics.value(MetricReconnect, "") != reconnects {
		t.Fatalf("the single connection is not steady: up %v, reconnects %v then %v", s.linkUp(), reconnects, s.metrics.value(MetricReconnect, ""))
	}
}

// A broker that lets the sink's login in but refuses the state link's
// client ID: the sink falls back to one connection at once instead of
// leaving the wall dark.
func TestStateLinkFallsBackWhenItsLoginIsRefused(t *testing.T) {
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	units := subscribe(t, m.Addr, root+"/units/#")
	addr := refuseClientIDs(t, m.Addr, stateLinkSuffix)
	s := startSink(t, "tcp://"+addr, "", nil)
	s.Write(change.Batch{Units: []avl.Change{unitChange(unitAt("2A32", 1))}})
	waitFor(t, 10*time.Second, "2A32 at the display", func() bool { return units.lastOn(root+"/units/2A32") != nil })
	if got := counter(t, s, "failures", sinkName, "state_link"); got != 1 {
		t.Fatalf("state_link failures %v, want 1", got)
	}
	if r := s.metrics.value(MetricRetry, ""); r != 0 {
		t.Fatalf("%v failed connection attempts, want none: the refusal is a fallback, not an outage", r)
	}
}

// refuseClientIDs is a proxy in front of broker that answers a CONNECT whose
// client ID ends in suffix with CONNACK "identifier rejected", as a broker
// ACL by client ID would, and passes every other connection through.
func refuseClientIDs(t *testing.T, broker, suffix string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				var fh packets.FixedHeader
				b, err := r.ReadByte()
				if err != nil || fh.Decode(b) != nil {
					return
				}
				n, _, err := packets.DecodeLength(r)
				if err != nil {
					return
				}
				body := make([]byte, n)
				if _, err := io.ReadFull(r, body); err != nil {
					return
				}
				pk := packets.Packet{FixedHeader: fh}
				if fh.Type != packets.Connect || pk.ConnectDecode(body) != nil {
					return
				}
				if strings.HasSuffix(pk.Connect.ClientIdentifier, suffix) {
					c.Write([]byte{packets.Connack << 4, 2, 0, 2}) // identifier rejected
					return
				}
				up, err := net.Dial("tcp", broker)
				if err != nil {
					return
				}
				defer up.Close()
				var head bytes.Buffer
				fh.Remaining = n
				fh.Encode(&head)
				up.Write(append(head.Bytes(), body...))
				go io.Copy(c, up)
				io.Copy(up, r)
			}()
		}
	}()
	return ln.Addr().String()
}
