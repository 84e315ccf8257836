package broker

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"radiogw/gateway/testsvc"
)

// v5Subscriber is an MQTT 5 client with a Receive Maximum, subscribed at
// QoS 1, that acknowledges every message after ackDelay: a display or
// console that reads a little more slowly than the units report.
type v5Subscriber struct {
	c      net.Conn
	mu     sync.Mutex
	latest map[string]string
	seen   map[string]bool // topic + " " + payload: every message received
	acked  int
}

func newV5Subscriber(t *testing.T, addr, filter string, receiveMax uint16, ackDelay time.Duration) *v5Subscriber {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(addr, "tcp://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	id := "v5-display"
	// CONNECT: protocol 5, clean start, keepalive 60 s, Receive Maximum
	connect := []byte{0, 4, 'M', 'Q', 'T', 'T', 5, 0x02, 0, 60, 3, 0x21}
	connect = binary.BigEndian.AppendUint16(connect, receiveMax)
	connect = binary.BigEndian.AppendUint16(connect, uint16(len(id)))
	connect = append(connect, id...)
	c.Write(append(append([]byte{0x10}, varint(len(connect))...), connect...))
	// SUBSCRIBE: packet 1, no properties, the filter at QoS 1
	sub := []byte{0, 1, 0}
	sub = binary.BigEndian.AppendUint16(sub, uint16(len(filter)))
	sub = append(append(sub, filter...), 1)
	c.Write(append(append([]byte{0x82}, varint(len(sub))...), sub...))
	s := &v5Subscriber{c: c, latest: map[string]string{}, seen: map[string]bool{}}
	go func() {
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
			pid := rest[:2]
			plen, k := binary.Uvarint(rest[2:]) // MQTT's variable byte integer reads like a uvarint up to 4 bytes
			payload := string(rest[2+k+int(plen):])
			time.Sleep(ackDelay)
			s.mu.Lock()
			s.latest[topic] = payload
			s.seen[topic+" "+payload] = true
			s.acked++
			s.mu.Unlock()
			if _, err := c.Write([]byte{0x40, 2, pid[0], pid[1]}); err != nil {
				return
			}
		}
	}()
	return s
}

// count is how many topics hold want(payload) as their last message, how
// many received want(payload) at all, and how many messages were acked.
func (s *v5Subscriber) count(want func(payload string) bool) (last, received, acked int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.latest {
		if want(v) {
			last++
		}
	}
	for k := range s.seen {
		if want(k[strings.IndexByte(k, ' ')+1:]) {
			received++
		}
	}
	return last, received, s.acked
}

// An MQTT 5 subscriber at QoS 1 has a send quota (its Receive Maximum):
// mochi holds back what is beyond it and sends one held message each time
// the client sends a packet. mochi v2.7.9 forgets such a message once it is
// sent, so its PUBACK never gave the quota back: after Receive Maximum of
// them the quota stayed at zero and every later QoS 1 message to that
// client was held forever, while the connection stayed live. A flood of
// unit states, then one more round: the subscriber must get the round.
func TestMQTT5SubscriberQuotaSurvivesFlood(t *testing.T) {
	b, err := Start(Options{Listen: fmt.Sprintf("127.0.0.1:%d", testsvc.FreePort(t)), TopicRoot: root,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	gwUser, gwPass := b.GatewayLogin()
	gw := mustConnect(t, b.Addr(), gwUser, gwPass, "")
	const n = 200
	display := newV5Subscriber(t, b.Addr(), root+"/units/+", 10, time.Millisecond)
	time.Sleep(500 * time.Millisecond) // subscribed before the rounds
	round := func(r int) {
		var last interface{ WaitTimeout(time.Duration) bool }
		for i := range n {
			last = gw.Publish(fmt.Sprintf("%s/units/U%03d", root, i), 1, true, fmt.Sprintf(`{"unit":"U%03d","round":%d}`, i, r))
		}
		if !last.WaitTimeout(30 * time.Second) {
			t.Fatalf("round %d not acknowledged by the broker", r)
		}
	}
	for r := 1; r <= 5; r++ {
		round(r)
	}
	const final = 6
	round(final)
	atFinal := func(p string) bool { return strings.Contains(p, fmt.Sprintf(`"round":%d}`, final)) }
	deadline := time.Now().Add(60 * time.Second)
	last, got, acked := display.count(atFinal)
	for acked < final*n && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		last, got, acked = display.count(atFinal)
	}
	q := b.QuotaReturned()
	t.Logf("%d units, %d rounds at QoS 1 to an MQTT 5 subscriber with Receive Maximum 10: it acknowledged %d of %d messages, received the final round for %d units (%d of them last: mochi sends held messages out of order); send quota given back for %d held messages",
		n, final, acked, final*n, got, last, q)
	if acked != final*n || got != n {
		t.Errorf("the MQTT 5 subscriber acknowledged %d of %d messages and got the final round for %d of %d units after 60 s", acked, final*n, got, n)
	}
	if q == 0 {
		t.Errorf("no message was held back for the subscriber's quota: the test proves nothing")
	}
}
