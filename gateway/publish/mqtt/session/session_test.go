package session

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/mochi-mqtt/server/v2/packets"

	"radiogw/gateway/testsvc"
)

func dial(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Every QoS 1 publish reaches a real mosquitto and a subscriber, and each
// is settled exactly once, though the window is far smaller than the load.
func TestPublishAllAcked(t *testing.T) {
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{Extra: "max_queued_messages 100000\n"})
	const total = 20000
	var got atomic.Int64
	sub := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + m.Addr).SetClientID("sub"))
	if tok := sub.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("subscriber: %v", tok.Error())
	}
	defer sub.Disconnect(100)
	if tok := sub.Subscribe("t/units/+", 1, func(paho.Client, paho.Message) { got.Add(1) }); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}

	var mu sync.Mutex
	acked := make([]int, total)
	s := New(Options{ClientID: "pub", Window: 512}, func(tags []uint64) {
		mu.Lock()
		for _, tag := range tags {
			acked[tag]++
		}
		mu.Unlock()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Connect(ctx, dial(t, m.Addr)); err != nil {
		t.Fatal(err)
	}
	batch := make([]Message, 0, 300)
	for i := 0; i < total; {
		batch = batch[:0]
		for j := 0; j < 300 && i+j < total; j++ {
			batch = append(batch, Message{Topic: fmt.Sprintf("t/units/U%05d", i+j), Payload: []byte(`{"n":1}`), Retain: true, Tag: uint64(i + j)})
		}
		for len(batch) > 0 {
			n, err := s.Publish(batch)
			if err != nil {
				t.Fatal(err)
			}
			batch, i = batch[n:], i+n
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for s.Inflight() > 0 || got.Load() < total {
		if time.Now().After(deadline) {
			t.Fatalf("in flight %d, subscriber got %d of %d", s.Inflight(), got.Load(), total)
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	for tag, n := range acked {
		if n != 1 {
			t.Fatalf("tag %d settled %d times", tag, n)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// scripted is one broker-side connection: it answers CONNECT and returns
// the PUBLISH packets it reads.
type scripted struct {
	c net.Conn
	r *bufio.Reader
}

func accept(t *testing.T, l net.Listener) *scripted {
	t.Helper()
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	b := &scripted{c: c, r: bufio.NewReader(c)}
	fh, _, err := readPacket(b.r)
	if err != nil || fh.Type != packets.Connect {
		t.Fatalf("want CONNECT, got type %d, %v", fh.Type, err)
	}
	c.Write([]byte{packets.Connack << 4, 2, 0, 0})
	return b
}

func (b *scripted) publishes(t *testing.T, n int) []packets.Packet {
	t.Helper()
	var out []packets.Packet
	for len(out) < n {
		fh, body, err := readPacket(b.r)
		if err != nil {
			t.Fatalf("after %d publishes: %v", len(out), err)
		}
		if fh.Type != packets.Publish {
			continue
		}
		pk := packets.Packet{FixedHeader: fh, ProtocolVersion: 4}
		if err := pk.PublishDecode(body); err != nil {
			t.Fatal(err)
		}
		out = append(out, pk)
	}
	return out
}

func (b *scripted) ack(ids ...uint16) {
	var buf bytes.Buffer
	for _, id := range ids {
		buf.Write([]byte{packets.Puback << 4, 2, byte(id >> 8), byte(id)})
	}
	b.c.Write(buf.Bytes())
}

// A connection lost with publishes unacknowledged: on the next connection
// they go first, oldest first, with DUP set and their packet IDs, and are
// settled once; what was acknowledged before the loss is not sent again.
func TestResendWithDupAfterReconnect(t *testing.T) {
	l := listen(t)
	var mu sync.Mutex
	settled := map[uint64]int{}
	s := New(Options{ClientID: "pub", Window: 64}, func(tags []uint64) {
		mu.Lock()
		for _, tag := range tags {
			settled[tag]++
		}
		mu.Unlock()
	})

	b := connectScripted(t, s, l)
	msgs := make([]Message, 10)
	for i := range msgs {
		msgs[i] = Message{Topic: fmt.Sprintf("t/units/U%d", i), Payload: []byte{byte(i)}, Retain: true, Tag: uint64(i)}
	}
	if n, err := s.Publish(msgs); n != 10 || err != nil {
		t.Fatalf("Publish = %d, %v", n, err)
	}
	first := b.publishes(t, 10)
	for _, pk := range first {
		if pk.FixedHeader.Dup || pk.FixedHeader.Qos != 1 || !pk.FixedHeader.Retain {
			t.Fatalf("first send of %s: dup %v qos %d retain %v", pk.TopicName, pk.FixedHeader.Dup, pk.FixedHeader.Qos, pk.FixedHeader.Retain)
		}
	}
	b.ack(first[0].PacketID, first[1].PacketID, first[2].PacketID, first[3].PacketID)
	deadline := time.Now().Add(5 * time.Second)
	for s.Inflight() != 6 {
		if time.Now().After(deadline) {
			t.Fatalf("in flight %d, want 6", s.Inflight())
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.c.Close() // the broker goes away
	select {
	case <-s.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("connection loss not noticed")
	}
	if _, err := s.Publish(msgs[:1]); err == nil {
		t.Fatal("Publish between connections succeeded")
	}

	b = connectScripted(t, s, l)
	again := b.publishes(t, 6)
	for i, pk := range again {
		want := first[4+i]
		if !pk.FixedHeader.Dup || pk.PacketID != want.PacketID || pk.TopicName != want.TopicName || !bytes.Equal(pk.Payload, want.Payload) {
			t.Fatalf("resend %d: %s id %d dup %v; want %s id %d with DUP", i, pk.TopicName, pk.PacketID, pk.FixedHeader.Dup, want.TopicName, want.PacketID)
		}
	}
	ids := make([]uint16, len(again))
	for i := range again {
		ids[i] = again[i].PacketID
	}
	b.ack(ids...)
	deadline = time.Now().Add(5 * time.Second)
	for s.Inflight() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("in flight %d after the resend was acknowledged", s.Inflight())
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	for i := range uint64(10) {
		if settled[i] != 1 {
			t.Fatalf("tag %d settled %d times, want once", i, settled[i])
		}
	}
}

// connectScripted connects s to a scripted broker on l.
func connectScripted(t *testing.T, s *Session, l net.Listener) *scripted {
	t.Helper()
	done := make(chan *scripted)
	go func() { done <- accept(t, l) }()
	if err := s.Connect(context.Background(), dial(t, l.Addr().String())); err != nil {
		t.Fatal(err)
	}
	return <-done
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func waitDone(t *testing.T, s *Session, within time.Duration, what string) {
	t.Helper()
	select {
	case <-s.Done():
	case <-time.After(within):
		t.Fatalf("%s: the connection did not end within %v", what, within)
	}
}

// Abandon empties the window between connections and hands back every
// unacknowledged tag, oldest first; the next connection re-sends nothing,
// and while connected Abandon takes nothing.
func TestAbandonBetweenConnections(t *testing.T) {
	l := listen(t)
	s := New(Options{ClientID: "pub", Window: 16}, nil)
	b := connectScripted(t, s, l)
	msgs := make([]Message, 5)
	for i := range msgs {
		msgs[i] = Message{Topic: fmt.Sprintf("t/units/U%d", i), Payload: []byte{byte(i)}, Tag: uint64(100 + i)}
	}
	if n, err := s.Publish(msgs); n != 5 || err != nil {
		t.Fatalf("Publish = %d, %v", n, err)
	}
	first := b.publishes(t, 5)
	b.ack(first[1].PacketID)
	if tags := s.Abandon(); tags != nil {
		t.Fatalf("Abandon while connected took %v", tags)
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.Inflight() != 4 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	b.c.Close()
	waitDone(t, s, 5*time.Second, "broker gone")
	tags := s.Abandon()
	if want := []uint64{100, 102, 103, 104}; fmt.Sprint(tags) != fmt.Sprint(want) {
		t.Fatalf("abandoned %v, want %v", tags, want)
	}
	if s.Inflight() != 0 {
		t.Fatalf("in flight %d after Abandon", s.Inflight())
	}
	b = connectScripted(t, s, l)
	if n, err := s.Publish(msgs[:1]); n != 1 || err != nil {
		t.Fatalf("Publish = %d, %v", n, err)
	}
	if got := b.publishes(t, 1); got[0].FixedHeader.Dup || got[0].TopicName != "t/units/U0" {
		t.Fatalf("first packet after Abandon: %s dup %v, want a fresh t/units/U0", got[0].TopicName, got[0].FixedHeader.Dup)
	}
}

// A broker that answers pings but acknowledges nothing: once the window is
// full, Publish waits StallAfter, then the session ends the connection and
// Publish returns instead of holding its caller for good.
func TestFullWindowWithoutAcksEndsTheConnection(t *testing.T) {
	l := listen(t)
	s := New(Options{ClientID: "pub", Window: 4, StallAfter: 300 * time.Millisecond}, nil)
	b := connectScripted(t, s, l)
	go func() { // read and answer pings only
		for {
			fh, _, err := readPacket(b.r)
			if err != nil {
				return
			}
			if fh.Type == packets.Pingreq {
				b.c.Write([]byte{packets.Pingresp << 4, 0})
			}
		}
	}()
	msgs := make([]Message, 6)
	for i := range msgs {
		msgs[i] = Message{Topic: "t/u", Payload: []byte{byte(i)}, Tag: uint64(i)}
	}
	n, err := s.Publish(msgs)
	if n != 4 || err != nil {
		t.Fatalf("first Publish = %d, %v; want the window's 4", n, err)
	}
	returned := make(chan error, 1)
	go func() { _, err := s.Publish(msgs[4:]); returned <- err }()
	select {
	case err := <-returned:
		if err == nil {
			t.Fatal("Publish into a stalled window succeeded")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Publish still waiting 5 s into a stalled window")
	}
	waitDone(t, s, time.Second, "stalled window")
}

// A broker that goes silent (a half-open connection: nothing answers,
// nothing resets) is noticed within one and a half keep-alive periods.
func TestSilentBrokerEndsTheConnection(t *testing.T) {
	l := listen(t)
	s := New(Options{ClientID: "pub", KeepAlive: 400 * time.Millisecond}, nil)
	b := connectScripted(t, s, l)
	go io.Copy(io.Discard, b.r) // takes pings, answers nothing
	start := time.Now()
	waitDone(t, s, 5*time.Second, "silent broker")
	if took := time.Since(start); took < 400*time.Millisecond || took > 2*time.Second {
		t.Fatalf("silent broker noticed after %v, want about 600 ms", took)
	}
	if err := s.Err(); err == nil {
		t.Fatal("no reason given for the lost connection")
	}
}
