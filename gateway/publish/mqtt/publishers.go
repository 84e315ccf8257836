package mqtt

import (
	"errors"
	"sort"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"radiogw/avl"
	"radiogw/channels"
)

// One publisher per topic: each decides when its topic is due and what it
// carries; the topic table (topics.go) gives the topic, QoS, retained flag
// and encoder, and send is the one place a message leaves the sink.

// send publishes one message of row t to the topic name (built from t).
func (s *Sink) send(t *topic, name string, payload any) paho.Token {
	return s.sendRetained(t, name, t.retained, payload)
}

// sendRetained is send with the retained flag of the message, for rows
// whose messages bring their own (extra).
func (s *Sink) sendRetained(t *topic, name string, retained bool, payload any) paho.Token {
	return s.client.Publish(name, t.qos, retained, payload)
}

// sendState publishes a state message: a unit's over the state link
// (statelink.go), which settles it on its PUBACK; the others through paho,
// handing the token to the completer (acks.go).
func (s *Sink) sendState(t *topic, name string, payload []byte, p pending) {
	if p.kind == "" { // a forget's deletes keep their own kind
		p.kind = t.kind
	}
	p.announce = t.announce
	p.size, p.sent = len(payload), time.Now()
	if s.onStateLink(t) {
		s.queueState(t, name, payload, p)
		return
	}
	p.token = s.send(t, name, payload)
	if !s.inflight(p) {
		s.redirty(p) // closing: whatever is not confirmed stays dirty
	}
}

// will is the last will: "offline" on the status topic.
func (s *Sink) will() (string, string, byte, bool) {
	t := s.topicFor(topicStatus)
	return t.name(""), "offline", t.qos, t.retained
}

// publishStatus says "online" (on every connect, and again when our own
// will shows up while we are active) or "offline" (on orderly shutdown).
func (s *Sink) publishStatus(status string) paho.Token {
	t := s.topicFor(topicStatus)
	return s.send(t, t.name(""), status)
}

// publishUnit publishes a due unit's state and then its companions, the
// rows that follow a unit (OwnTracks, Home Assistant): the ones sent once
// per connection (a card, a discovery document) first, ahead of the
// location they describe.
func (s *Sink) publishUnit(d *dueUnit, now time.Time) {
	u := &d.unit
	x := &subject{unit: u, now: now}
	t := s.topicFor(topicUnit)
	payload := s.encodeFor(t, x)
	if payload == nil {
		return
	}
	s.sendState(t, d.topic, payload, pending{unit: u.ID, received: d.received})
	for i := range s.topics {
		c := &s.topics[i]
		if !c.followsUnit || !c.on || c.announce && !d.announce {
			continue
		}
		if payload := s.encodeFor(c, x); payload != nil {
			s.sendState(c, s.unitTopic(c, u.ID), payload, pending{unit: u.ID})
		}
	}
}

// forgetTopics are the retained topics a forgotten unit's deletes go to:
// its state and every companion, in table order.
func (s *Sink) forgetTopics(id string) []forgetTopic {
	t := s.topicFor(topicUnit)
	topics := []forgetTopic{{t, t.name(id)}}
	for i := range s.topics {
		if c := &s.topics[i]; c.followsUnit && c.on {
			topics = append(topics, forgetTopic{c, s.unitTopic(c, id)})
		}
	}
	return topics
}

// forgetTopic is one of a forgotten unit's topics and its row.
type forgetTopic struct {
	row  *topic
	name string
}

// publishForget deletes a forgotten unit's retained topics with empty
// retained messages.
func (s *Sink) publishForget(id string) {
	for _, t := range s.forgetTopics(id) {
		s.sendState(t.row, t.name, []byte{}, pending{unit: id, kind: "forget"})
	}
}

// publishChannel publishes a channel's state.
func (s *Sink) publishChannel(c *channels.ChannelState) {
	t := s.topicFor(topicChannel)
	if payload := s.encodeFor(t, &subject{channel: c}); payload != nil {
		s.sendState(t, t.name(c.Name), payload, pending{channel: c.Name})
	}
}

// publishMap publishes the map of every positioned unit.
func (s *Sink) publishMap(units []*avl.Unit, now time.Time) {
	sort.Slice(units, func(i, j int) bool { return units[i].ID < units[j].ID })
	t := s.topicFor(topicMap)
	payload, err := t.encode(s, &subject{units: units, now: now})
	switch {
	case errors.Is(err, errMapTooLarge):
		// Brokers cap packet sizes (the embedded one at 16 MiB); a map this
		// big (~40,000 units) is useless to a display anyway: units/# is
		// the way to follow such a fleet.
		s.fail("map_too_large")
		s.log.Warn("map not published: too large; not encoded again until the fleet shrinks",
			"max_bytes", MaxMapBytes, "units", len(units))
		// The size of the map refused, not of the fleet now: units
		// forgotten during the encode would otherwise lower the mark to a
		// fleet that fits, and every later map of it be refused unseen.
		s.mu.Lock()
		s.mapRefusedAt = len(units)
		s.mu.Unlock()
	case err != nil:
		s.encodeFailed(t, err)
	default:
		s.sendState(t, t.name(""), payload, pending{})
	}
}

// publishEvent publishes one queued event: data is the outbox entry, the
// event kind and a newline before the payload.
func (s *Sink) publishEvent(data []byte) paho.Token {
	kind, payload := splitEvent(data)
	t := s.topicFor(topicEvent)
	return s.send(t, t.name(kind), payload)
}

// extraRow is the row an extra's topic (under the root) belongs to, or nil
// when it belongs to no extra row.
func (s *Sink) extraRow(x *Extra) (*topic, string) {
	name := s.opts.TopicRoot + "/" + x.Topic
	if t, _, ok := s.rowOf(name); ok && t.extra {
		return t, name
	}
	return nil, name
}

// publishExtra publishes one queued extra message (a CAP alert) with its
// own retained flag. appendExtras queued only extras of an extra row.
func (s *Sink) publishExtra(x Extra) paho.Token {
	t, name := s.extraRow(&x)
	if t == nil {
		t = s.topicFor(topicCAP) // queued by an older version: same QoS
	}
	return s.sendRetained(t, name, x.Retain, x.Payload)
}
