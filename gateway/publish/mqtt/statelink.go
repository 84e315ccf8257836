package mqtt

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"radiogw/gateway/publish/mqtt/session"
)

// The state link is the sink's second connection to the broker. It carries
// every message of a unit's own topics (its state, its companions and the
// deletes that forget it): the bulk of the traffic, one message per report
// at HZ=1. paho spends a token, a timer, a store entry and several
// goroutine hand-offs on each QoS 1 publish (24 µs and 39 allocations per
// message); the session package encodes a round's messages into one
// buffer, sends them in one write and settles their PUBACKs in bulk
// (about 1.4 µs and one allocation).
//
// The paho connection keeps the rest: the will and "online", commands and
// the status subscription, the fence, events and CAP, channels and the map.
// Every topic is published from one connection only, so MQTT's per-topic
// order holds. The two connections live and die together (Run): when
// either is lost both are closed, and the next connect opens both and
// republishes everything behind the fence, as after any reconnect.
//
// Unlike the session's own default, nothing in flight is re-sent after a
// reconnect: the sink abandons it and marks those units dirty, so the next
// round sends each one's newest state (as paho's clean session did).
type stateLink struct {
	sess *session.Session

	mu   sync.Mutex
	pend map[uint64]pending // by tag: handed to the session, not yet settled
	next uint64

	batch      []session.Message // queued by the run loop, sent by flush
	lastExpiry time.Time         // run loop only

	// single: unit topics go through paho's connection, and no state link
	// is opened: asked for (SingleConnection), or fallen back to when the
	// broker refused the link or the pair kept breaking (fallBack).
	single atomic.Bool
	upAt   time.Time // run loop only: when the pair last came up
	quick  int       // pairs in a row lost within flapWindow of coming up
}

// A pair lost within flapWindow of coming up, flapLimit times in a row, is
// a broker that cannot hold both connections: one with the same client ID
// for both (mosquitto's use_username_as_clientid) drops the older as the
// newer logs in, for good.
const (
	flapWindow = 5 * time.Second
	flapLimit  = 3
)

// stateLinkBatch is how many messages a round queues before it sends them:
// one write each, and the first units of a large round do not wait for the
// last ones' JSON.
const stateLinkBatch = 256

// stateLinkSuffix makes the state link's client ID from the sink's.
const stateLinkSuffix = "-state"

func (s *Sink) newStateLink() *stateLink {
	l := &stateLink{pend: map[uint64]pending{}}
	l.single.Store(s.opts.SingleConnection)
	l.sess = session.New(session.Options{
		ClientID:  s.opts.ClientID + stateLinkSuffix,
		Username:  s.opts.Username,
		Password:  s.opts.Password,
		KeepAlive: orDefault(s.opts.KeepAlive, 30*time.Second),
		// A full window that gets no PUBACK for the wait budget ends the
		// link (and paho's with it): the run loop, which also sends events,
		// waits no longer than it would for paho's acks.
		StallAfter: s.opts.WaitBudget,
	}, s.stateAcked)
	return l
}

// onStateLink reports whether row t's messages go over the state link.
func (s *Sink) onStateLink(t *topic) bool {
	return t.qos == 1 && (t.id == topicUnit || t.followsUnit) && !s.link.single.Load()
}

// queueState queues one message for the state link; flushState sends it.
func (s *Sink) queueState(t *topic, name string, payload []byte, p pending) {
	l := s.link
	l.mu.Lock()
	l.next++
	tag := l.next
	l.pend[tag] = p
	l.mu.Unlock()
	l.batch = append(l.batch, session.Message{Topic: name, Payload: payload, Retain: t.retained, Tag: tag})
	if len(l.batch) >= stateLinkBatch {
		s.flushState()
	}
}

// flushState sends the queued messages, waiting for room in the session's
// window. What the session could not take (the link is down) is settled as
// failed: its units are dirty again and go out after the reconnect.
func (s *Sink) flushState() {
	l := s.link
	batch := l.batch
	for len(batch) > 0 {
		n, err := l.sess.Publish(batch)
		batch = batch[n:]
		if err != nil {
			for i := range batch {
				s.settleTag(batch[i].Tag, false)
			}
			break
		}
	}
	clear(l.batch) // payloads and topics: not held until the next round
	l.batch = l.batch[:0]
}

// stateAcked runs on the session's reader: one call per read of PUBACKs.
func (s *Sink) stateAcked(tags []uint64) {
	for _, tag := range tags {
		s.settleTag(tag, true)
	}
}

func (s *Sink) settleTag(tag uint64, ok bool) {
	l := s.link
	l.mu.Lock()
	p, found := l.pend[tag]
	delete(l.pend, tag)
	l.mu.Unlock()
	if found {
		s.settle(p, ok)
	}
}

// expireState settles as failed, at most every expiryEvery, the messages
// whose PUBACK has not come within WaitBudget: counted, and their units
// dirty again, so the next round sends each one's newest state behind them
// on the same connection (a late PUBACK then finds nothing to settle).
func (s *Sink) expireState(now time.Time) {
	l := s.link
	if now.Sub(l.lastExpiry) < expiryEvery {
		return
	}
	l.lastExpiry = now
	var late []pending
	l.mu.Lock()
	for tag, p := range l.pend {
		if now.Sub(p.sent) >= s.opts.WaitBudget {
			late = append(late, p)
			delete(l.pend, tag)
		}
	}
	l.mu.Unlock()
	for _, p := range late {
		s.settle(p, false)
	}
}

const expiryEvery = 100 * time.Millisecond

// stateInflight is how many state-link messages await their PUBACK.
func (s *Sink) stateInflight() int {
	s.link.mu.Lock()
	defer s.link.mu.Unlock()
	return len(s.link.pend)
}

// stateSettled waits until every state-link message is settled, or done is
// closed; it reports whether all were.
func (s *Sink) stateSettled(done <-chan struct{}) bool {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for s.stateInflight() > 0 {
		select {
		case <-done:
			return false
		case <-t.C:
		}
	}
	return true
}

// connectState opens the state link (after paho's connection is up); in
// single-connection mode there is none to open.
func (s *Sink) connectState(ctx context.Context) error {
	if s.link.single.Load() {
		return nil
	}
	// paho parsed the broker's address (a bare host:port is tcp://); the
	// state link dials what paho dials, with the same TLS and timeouts.
	if len(s.pahoOpts.Servers) == 0 {
		return fmt.Errorf("state link: no broker address in %q", s.opts.Broker)
	}
	conn, err := dialBroker(s.pahoOpts.Servers[0], *s.pahoOpts)
	if err != nil {
		return fmt.Errorf("state link: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.link.sess.Connect(ctx, conn); err != nil {
		conn.Close()
		return fmt.Errorf("state link: %w", err)
	}
	done := s.link.sess.Done()
	go func() { // a lost state link wakes Run, which reconnects both
		<-done
		s.poke()
	}()
	return nil
}

// closeState closes the state link (DISCONNECT when it is up) and settles
// whatever it still held as failed, so those units are dirty again.
func (s *Sink) closeState() {
	s.link.sess.Close()
	for _, tag := range s.link.sess.Abandon() {
		s.settleTag(tag, false)
	}
}

// linkUp reports whether the sink's connections are up: both, or paho's
// alone in single-connection mode.
func (s *Sink) linkUp() bool {
	return s.client.IsConnectionOpen() && (s.link.single.Load() || s.link.sess.Connected())
}

// fallBack puts the sink in single-connection mode until radiogw restarts:
// unit state then goes through paho's connection, slower but delivered,
// instead of the wall going dark over a broker's policy.
func (s *Sink) fallBack(why string, err error) {
	if s.link.single.Swap(true) {
		return
	}
	s.fail("state_link")
	s.log.Error("unit state falls back to the main MQTT connection until radiogw restarts: "+why+
		"; allow the client ID on the broker, or set mqtt { state_link = false }",
		"broker", s.opts.Broker, "state_client_id", s.opts.ClientID+stateLinkSuffix, "err", err)
}

// noteLoss is called by connect before each attempt: it counts pairs lost
// soon after coming up and falls back once they keep breaking.
func (s *Sink) noteLoss() {
	l := s.link
	if l.upAt.IsZero() {
		return // no pair came up since the last attempt
	}
	if time.Since(l.upAt) < flapWindow {
		l.quick++
	} else {
		l.quick = 0
	}
	l.upAt = time.Time{}
	if l.quick >= flapLimit && !l.single.Load() {
		s.fallBack(fmt.Sprintf("the broker dropped the pair of connections %d times within %v of connecting", l.quick, flapWindow), nil)
	}
}
