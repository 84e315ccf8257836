package broker

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// MaxClientBacklog bounds the bytes of messages other than state waiting to
// be written to one client (events, QoS 1 deliveries, acknowledgements). A
// subscriber that stops reading is disconnected once this much is queued
// for it.
const MaxClientBacklog = 4 << 20

// MaxClientStateBacklog bounds the state queued for one client. State (a
// QoS 0 message on a topic the broker retains) is queued at most once per
// topic, so this is the whole retained picture, queued at once when a
// display subscribes: 10,000 units are about 4 MiB, 100,000 about 40 MiB.
const MaxClientStateBacklog = 128 << 20

// writeChunk is how much one write to the network takes off the queue: what
// is still queued can be replaced by newer state, what is being written
// cannot.
const writeChunk = 64 << 10

// flushOnClose is how long a closing connection may take to send what is
// queued for it (a refusal's CONNACK, a DISCONNECT).
const flushOnClose = 2 * time.Second

var errSlowConsumer = errors.New("mqtt client too slow: backlog over the limit")

// queueConfig is what every client's queue shares: which topics carry
// state, and the count of state messages replaced by newer ones before
// they were sent.
type queueConfig struct {
	isState    func(topic string) bool
	superseded *atomic.Int64
	held       *atomic.Int64 // QoS 1/2 messages that waited for a client's Receive Maximum
}

// queuedConn decouples mochi's writes from the network. mochi writes to a
// client's socket while holding that client's lock, without a deadline, and
// every publisher takes the same lock to route a message to it: one
// subscriber that stops reading blocks every publisher, radiogw's own
// included, and the wall goes dark. Here a Write only queues the packets; a
// goroutine per connection sends them.
//
// A client that reads more slowly than state changes gets the latest state,
// not a growing queue: a QoS 0 PUBLISH on a state topic (one the broker
// retains: a unit, a channel, the map) replaces the one still queued for
// the same topic, in its place. A display that connects to 10,000 retained
// units gets every one of them however slowly it reads, and then each
// unit's newest position. Everything else (events, QoS 1, acks) is queued
// in order, and a client that falls more than MaxClientBacklog behind on it
// is disconnected.
type queuedConn struct {
	net.Conn
	cfg        queueConfig
	max        int
	maxState   int
	onOverflow func()

	mu         sync.Mutex
	cond       *sync.Cond
	queue      []*queuedPacket
	latest     map[string]*queuedPacket // topic -> its state message still queued
	partial    []byte                   // the start of a packet not yet complete
	otherBytes int
	stateBytes int
	spare      []byte
	err        error // set once: the connection is finished for writing
	closing    bool  // Close was called: flush, then close
	done       chan struct{}

	// An MQTT 5 client's Receive Maximum (see flowHook): at most receiveMax
	// QoS 1/2 messages unacknowledged; the rest of the queue waits behind
	// the next one, in order. 0: no limit.
	receiveMax int
	unacked    map[uint16]bool // packet IDs written and not yet acknowledged
	heldHead   *queuedPacket   // the message last counted as held
}

type queuedPacket struct {
	b     []byte
	topic string // set for a state message that newer state may replace
}

func newQueuedConn(c net.Conn, cfg queueConfig, max, maxState int, onOverflow func()) *queuedConn {
	q := &queuedConn{Conn: c, cfg: cfg, max: max, maxState: maxState, onOverflow: onOverflow,
		latest: map[string]*queuedPacket{}, done: make(chan struct{})}
	q.cond = sync.NewCond(&q.mu)
	go q.writer()
	return q
}

// Write queues p, which holds whole MQTT packets (mochi writes a packet, or
// several, at a time); a packet cut across writes is held until complete.
func (q *queuedConn) Write(p []byte) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil || q.closing {
		return 0, net.ErrClosed
	}
	in := p
	if len(q.partial) > 0 {
		in = append(q.partial, p...)
	}
	for {
		n := packetLen(in)
		if n == 0 || n > len(in) {
			break
		}
		q.add(bytes.Clone(in[:n])) // its own copy: mochi reuses p
		in = in[n:]
	}
	q.partial = nil
	if len(in) > 0 {
		q.partial = bytes.Clone(in)
	}
	if q.otherBytes+len(q.partial) > q.max || q.stateBytes > q.maxState {
		q.err = errSlowConsumer
		q.queue, q.latest, q.partial = nil, nil, nil
		q.cond.Broadcast()
		q.Conn.Close()
		if q.onOverflow != nil {
			q.onOverflow()
		}
		return 0, q.err
	}
	q.cond.Signal()
	return len(p), nil
}

// add queues one packet, replacing the state still queued for its topic.
func (q *queuedConn) add(pk []byte) {
	topic, qos0, ok := publishTopic(pk)
	if ok && qos0 && q.cfg.isState != nil && q.cfg.isState(topic) {
		if old := q.latest[topic]; old != nil {
			q.stateBytes += len(pk) - len(old.b)
			old.b = pk
			if q.cfg.superseded != nil {
				q.cfg.superseded.Add(1)
			}
			return
		}
		e := &queuedPacket{b: pk, topic: topic}
		q.latest[topic] = e
		q.queue = append(q.queue, e)
		q.stateBytes += len(pk)
		return
	}
	if ok {
		// anything else on the topic (a deletion, a QoS 1 message) keeps
		// its place: later state must not overtake it
		delete(q.latest, topic)
	}
	q.queue = append(q.queue, &queuedPacket{b: pk})
	q.otherBytes += len(pk)
}

func (q *queuedConn) writer() {
	defer close(q.done)
	defer q.Conn.Close()
	for {
		q.mu.Lock()
		for (len(q.queue) == 0 || q.headWaits()) && q.err == nil && !q.closing {
			q.cond.Wait()
		}
		if q.err != nil || (q.closing && (len(q.queue) == 0 || q.headWaits())) {
			q.mu.Unlock()
			return
		}
		out := q.spare[:0]
		i := 0
		for ; i < len(q.queue) && (i == 0 || len(out)+len(q.queue[i].b) <= writeChunk); i++ {
			e := q.queue[i]
			if !q.mayWrite(e) {
				break
			}
			if id, limited := q.limitedID(e); limited {
				q.unacked[id] = true
			}
			out = append(out, e.b...)
			if e.topic != "" {
				q.stateBytes -= len(e.b)
				if q.latest[e.topic] == e {
					delete(q.latest, e.topic)
				}
			} else {
				q.otherBytes -= len(e.b)
			}
			q.queue[i] = nil
		}
		q.queue = q.queue[i:]
		if len(q.queue) == 0 {
			q.queue = nil // let a burst's big array go
		}
		q.spare = nil
		closing := q.closing
		q.mu.Unlock()
		if closing {
			q.Conn.SetWriteDeadline(time.Now().Add(flushOnClose))
		}
		_, err := q.Conn.Write(out)
		q.mu.Lock()
		if cap(out) <= 2*writeChunk {
			q.spare = out
		}
		if err != nil && q.err == nil {
			q.err = err
		}
		q.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// setReceiveMaximum limits the client's unacknowledged QoS 1/2 messages.
func (q *queuedConn) setReceiveMaximum(n int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.receiveMax, q.unacked = n, map[uint16]bool{}
}

// acknowledged ends the delivery of packet ID id, making room for the next.
func (q *queuedConn) acknowledged(id uint16) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.unacked[id] {
		delete(q.unacked, id)
		q.cond.Signal()
	}
}

// headWaits tells whether the message at the head of the queue must wait
// for an acknowledgement.
func (q *queuedConn) headWaits() bool {
	return len(q.queue) > 0 && !q.mayWrite(q.queue[0])
}

// mayWrite tells whether e may be written now under the client's Receive
// Maximum; a message that may not is counted held, once.
func (q *queuedConn) mayWrite(e *queuedPacket) bool {
	id, limited := q.limitedID(e)
	if !limited || len(q.unacked) < q.receiveMax || q.unacked[id] {
		return true
	}
	if q.heldHead != e {
		q.heldHead = e
		if q.cfg.held != nil {
			q.cfg.held.Add(1)
		}
	}
	return false
}

// limitedID is e's packet ID when the client's Receive Maximum counts it:
// a QoS 1 or 2 message to a client that announced one.
func (q *queuedConn) limitedID(e *queuedPacket) (uint16, bool) {
	if q.receiveMax == 0 {
		return 0, false
	}
	return publishID(e.b)
}

// packetLen is the length of the MQTT packet at the start of b, or 0 while
// its fixed header is incomplete.
func packetLen(b []byte) int {
	size, mult := 0, 1
	for i := 1; i < len(b) && i <= 4; i++ {
		size += int(b[i]&0x7f) * mult
		if b[i]&0x80 == 0 {
			return 1 + i + size
		}
		mult *= 128
	}
	if len(b) > 5 {
		return len(b) // not MQTT: pass it on as it is
	}
	return 0
}

// topicField is where the topic of a PUBLISH packet lies in it. The topic
// is the first field after the fixed header in every protocol version; a
// v5 message sent with a topic alias alone has an empty one.
func topicField(pk []byte) (start, end int, ok bool) {
	if len(pk) < 2 || pk[0]>>4 != 3 {
		return 0, 0, false
	}
	i := 1
	for i < len(pk) && i <= 4 && pk[i]&0x80 != 0 {
		i++
	}
	i++
	if i+2 > len(pk) {
		return 0, 0, false
	}
	end = i + 2 + int(binary.BigEndian.Uint16(pk[i:]))
	if end > len(pk) {
		return 0, 0, false
	}
	return i + 2, end, true
}

// publishQoS is the QoS of a PUBLISH packet.
func publishQoS(pk []byte) byte { return (pk[0] >> 1) & 3 }

// publishTopic is the topic of a PUBLISH packet, when it names one, and
// whether it is QoS 0.
func publishTopic(pk []byte) (topic string, qos0, ok bool) {
	start, end, ok := topicField(pk)
	if !ok || end == start {
		return "", false, false
	}
	return string(pk[start:end]), publishQoS(pk) == 0, true
}

// publishID is the packet ID of a QoS 1 or 2 PUBLISH packet, which follows
// its topic.
func publishID(pk []byte) (uint16, bool) {
	_, end, ok := topicField(pk)
	if !ok || publishQoS(pk) == 0 || end+2 > len(pk) {
		return 0, false
	}
	return binary.BigEndian.Uint16(pk[end:]), true
}

// SetDeadline sets the read deadline only (mochi sets both from the
// keepalive): writes go through the queue, whose limits cut off a client
// that falls too far behind, and a display that takes longer than its
// keepalive to read a burst of retained state is slow, not gone.
func (q *queuedConn) SetDeadline(t time.Time) error { return q.Conn.SetReadDeadline(t) }

// Close stops reading at once and lets the writer send what is queued
// before it closes the connection.
func (q *queuedConn) Close() error {
	q.mu.Lock()
	q.closing = true
	q.cond.Broadcast()
	q.mu.Unlock()
	q.Conn.SetReadDeadline(time.Now())
	return nil
}

// wait blocks until the writer has closed the connection, or within.
func (q *queuedConn) wait(within time.Duration) {
	select {
	case <-q.done:
	case <-time.After(within):
		q.Conn.Close()
	}
}
