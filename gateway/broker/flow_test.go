package broker

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"radiogw/gateway/testsvc"
)

// v5Subscriber is an MQTT 5 client with a Receive Maximum, subscribed at
// QoS 1, that acknowledges each message ackDelay after it arrived, in
// order: a display or console that reads a little more slowly than the
// units report. It records what the broker had unacknowledged at most.
type v5Subscriber struct {
	c              net.Conn
	mu             sync.Mutex
	rounds         map[string][]int // topic -> the round of each message, in arrival order
	received       int
	acked          int
	maxOutstanding int
}

func newV5Subscriber(t *testing.T, addr, filter string, receiveMax uint16, ackDelay time.Duration) *v5Subscriber {
	t.Helper()
	c := dialRaw(t, addr)
	id := "v5-display"
	// CONNECT: protocol 5, clean start, keepalive 60 s, Receive Maximum
	connect := []byte{0, 4, 'M', 'Q', 'T', 'T', 5, 0x02, 0, 60, 3, 0x21}
	connect = binary.BigEndian.AppendUint16(connect, receiveMax)
	connect = binary.BigEndian.AppendUint16(connect, uint16(len(id)))
	writePacket(c, 0x10, append(connect, id...))
	// SUBSCRIBE: packet 1, no properties, the filter at QoS 1
	sub := []byte{0, 1, 0}
	sub = binary.BigEndian.AppendUint16(sub, uint16(len(filter)))
	writePacket(c, 0x82, append(append(sub, filter...), 1))
	s := &v5Subscriber{c: c, rounds: map[string][]int{}}
	toAck := make(chan []byte, 1<<16)
	go func() {
		defer close(toAck)
		r := bufio.NewReader(c)
		for {
			h, body, err := readPacket(r)
			if err != nil {
				return
			}
			if h>>4 != 3 || (h>>1)&3 != 1 {
				continue
			}
			n := int(binary.BigEndian.Uint16(body))
			topic := string(body[2 : 2+n])
			rest := body[2+n:]
			plen, k := binary.Uvarint(rest[2:]) // MQTT's variable byte integer reads like a uvarint up to 4 bytes
			payload := string(rest[2+k+int(plen):])
			round, _ := strconv.Atoi(strings.TrimSuffix(payload[strings.LastIndexByte(payload, ':')+1:], "}"))
			s.mu.Lock()
			s.rounds[topic] = append(s.rounds[topic], round)
			s.received++
			s.maxOutstanding = max(s.maxOutstanding, s.received-s.acked)
			s.mu.Unlock()
			toAck <- []byte{0x40, 2, rest[0], rest[1]}
		}
	}()
	go func() {
		for puback := range toAck {
			time.Sleep(ackDelay)
			s.mu.Lock()
			s.acked++
			s.mu.Unlock()
			if _, err := c.Write(puback); err != nil {
				return
			}
		}
	}()
	return s
}

// seen is how many messages arrived and were acknowledged, how many topics
// got round as their last message, how many messages came after a newer
// round on their topic, and the most unacknowledged at once.
func (s *v5Subscriber) seen(round int) (received, acked, last, rolledBack, maxOutstanding int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rs := range s.rounds {
		if rs[len(rs)-1] == round {
			last++
		}
		for i := 1; i < len(rs); i++ {
			if rs[i] < rs[i-1] {
				rolledBack++
			}
		}
	}
	return s.received, s.acked, last, rolledBack, s.maxOutstanding
}

// An MQTT 5 subscriber at QoS 1 with a Receive Maximum of 10, behind
// rounds of unit states published faster than it acknowledges: it must
// get every message, each unit's in order, never more than 10
// unacknowledged at once, and the final round as every unit's last.
//
// mochi v2.7.9's own send quota failed this three ways (see flowHook): it
// could deadlock the broker while this client acknowledged and the
// publisher routed to it (the test then hangs on an unacknowledged round),
// it sent held messages out of order, and it stopped sending for good after
// ten held messages.
func TestMQTT5SubscriberQuotaSurvivesFlood(t *testing.T) {
	b, err := Start(Options{Listen: fmt.Sprintf("127.0.0.1:%d", testsvc.FreePort(t)), TopicRoot: root,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		closed := make(chan struct{})
		go func() { b.Close(); close(closed) }()
		select {
		case <-closed:
		case <-time.After(20 * time.Second):
			t.Error("the broker did not close within 20 s: it is deadlocked")
		}
	})
	gwUser, gwPass := b.GatewayLogin()
	gw := mustConnect(t, b.Addr(), gwUser, gwPass, "")
	const n, receiveMax = 200, 10
	display := newV5Subscriber(t, b.Addr(), root+"/units/+", receiveMax, time.Millisecond)
	time.Sleep(500 * time.Millisecond) // subscribed before the rounds
	const final = 6
	for r := 1; r <= final; r++ {
		var last interface{ WaitTimeout(time.Duration) bool }
		for i := range n {
			last = gw.Publish(fmt.Sprintf("%s/units/U%03d", root, i), 1, true, fmt.Sprintf(`{"unit":"U%03d","round":%d}`, i, r))
		}
		if !last.WaitTimeout(30 * time.Second) {
			t.Fatalf("round %d not acknowledged by the broker within 30 s: the broker is stuck", r)
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	received, acked, last, rolledBack, most := display.seen(final)
	for acked < final*n && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		received, acked, last, rolledBack, most = display.seen(final)
	}
	held := b.FlowHeld()
	t.Logf("%d units, %d rounds at QoS 1 to an MQTT 5 subscriber with Receive Maximum %d: %d received, %d acknowledged, the final round last for %d units, %d out of order, at most %d unacknowledged; %d messages waited for an acknowledgement",
		n, final, receiveMax, received, acked, last, rolledBack, most, held)
	if acked != final*n || received != final*n {
		t.Errorf("the MQTT 5 subscriber received %d and acknowledged %d of %d messages after 60 s", received, acked, final*n)
	}
	if last != n || rolledBack != 0 {
		t.Errorf("the final round is the last message of %d of %d units, and %d messages came after a newer one: a display would show older state", last, n, rolledBack)
	}
	if most > receiveMax {
		t.Errorf("the broker had %d messages unacknowledged at once, over the client's Receive Maximum of %d", most, receiveMax)
	}
	if held == 0 {
		t.Errorf("no message waited for the subscriber's Receive Maximum: the test proves nothing")
	}
}
