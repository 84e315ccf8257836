package mqtt

import (
	"slices"
	"strings"
	"time"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/change"
)

// The topic table: every topic the sink publishes or reads, one row each,
// with its QoS, whether it is retained, its payload's schema and its
// encoder. Publishing (send), the outbox drain, the republish after a
// reconnect, the fence, the command subscription and the schema tests all
// read it: no topic, QoS or retained flag is written anywhere else.
// docs/mqtt.md's topic table is checked against it (TestTopicTableMatchesDocs).
//
// The rows say nothing about how a message travels: Sink.send is the one
// place that hands a row's message to the MQTT client.

// topicID names a row.
type topicID int

const (
	topicStatus topicID = iota
	topicUnit
	topicChannel
	topicEvent
	topicMap
	// A unit's companions go out, and are deleted, in this order: a card
	// or discovery document ahead of the location it describes, and a
	// forgotten unit's Home Assistant entity before its tracker topic.
	topicOwnTracksCard
	topicOwnTracks
	topicHADiscovery
	topicTracker
	topicCAP
	topicCommand
	numTopics
)

// topicRow describes one topic.
type topicRow struct {
	// pattern is the topic as docs/mqtt.md writes it. <root>, <site> and
	// <ha_prefix> are the sink's (Options.TopicRoot, Site, HAPrefix); at
	// most one other <name> is the message's own topic level.
	pattern  string
	qos      byte
	retained bool
	schema   string // its payload's schema in docs/schema; "" for plain text
	kind     string // the "kind" label of its publishes (MetricPublished); "" for none
	// encode writes its payload; nil for plain text and for topics the sink
	// only reads.
	encode encoder
	// followsUnit: published after every unit state, in table order, and
	// deleted with a forgotten unit. announce: only with a unit's first
	// state on each connection (a name card, a discovery document).
	followsUnit, announce bool
	inbound               bool // subscribed to, never published
	// extra: its messages come encoded from Options.Extra (CAP alerts, XML
	// checked against OASIS's schema by the cap package's tests), each with
	// its own retained flag, and ride the event outbox.
	extra   bool
	enabled func(*Options) bool // nil: always
}

// subject is what an encoder reads; each row reads its own field.
type subject struct {
	unit    *avl.Unit
	channel *channels.ChannelState
	event   *change.Event
	units   []*avl.Unit // every unit, for the map
	now     time.Time
}

// An encoder writes a row's payload. A nil payload without an error means
// there is nothing to publish (a unit without a position has no location).
type encoder func(s *Sink, x *subject) ([]byte, error)

func ownTracksOn(o *Options) bool     { return o.OwnTracks }
func homeAssistantOn(o *Options) bool { return o.HomeAssistant }

var topicTable = [numTopics]topicRow{
	topicStatus: {pattern: "<root>/status", qos: 1, retained: true}, // not counted: its acks are not awaited
	topicUnit: {pattern: "<root>/units/<unit>", qos: 1, retained: true, schema: "unit.v1.json", kind: "unit",
		encode: func(s *Sink, x *subject) ([]byte, error) { return s.arena.unit(s.opts.Site, x.unit, x.now) }},
	topicChannel: {pattern: "<root>/channels/<channel>", qos: 1, retained: true, schema: "channel.v1.json", kind: "channel",
		encode: func(s *Sink, x *subject) ([]byte, error) {
			return ChannelPayload(s.opts.Site, x.channel, s.opts.Resolve)
		}},
	topicEvent: {pattern: "<root>/events/<kind>", qos: 1, schema: "event.v1.json", kind: "event",
		encode: func(s *Sink, x *subject) ([]byte, error) { return EventPayload(s.opts.Site, x.event) }},
	topicMap: {pattern: "<root>/map", qos: 1, retained: true, schema: "map.v1.json", kind: "map",
		encode: func(s *Sink, x *subject) ([]byte, error) { return mapPayload(s.opts.Site, x.units, x.now, MaxMapBytes) }},
	// OwnTracks' owntracks/<user>/<device>, the site as the user; the card
	// goes to <that>/info (OwnTracks' convention).
	topicOwnTracksCard: {pattern: "owntracks/<site>/<unit>/info", qos: 1, retained: true, schema: "owntracks-card.v1.json", kind: "owntracks",
		followsUnit: true, announce: true, enabled: ownTracksOn,
		encode: func(_ *Sink, x *subject) ([]byte, error) { return OwnTracksCardPayload(x.unit), nil }},
	topicOwnTracks: {pattern: "owntracks/<site>/<unit>", qos: 1, retained: true, schema: "owntracks.v1.json", kind: "owntracks",
		followsUnit: true, enabled: ownTracksOn,
		encode: func(s *Sink, x *subject) ([]byte, error) { return s.arena.ownTracks(x.unit, s.opts.DefaultAccuracyM) }},
	topicHADiscovery: {pattern: "<ha_prefix>/device_tracker/<object_id>/config", qos: 1, retained: true, schema: "ha-discovery.v1.json",
		kind: "homeassistant", followsUnit: true, announce: true, enabled: homeAssistantOn,
		encode: func(s *Sink, x *subject) ([]byte, error) { return s.haConfigPayload(x.unit) }},
	topicTracker: {pattern: "<root>/tracker/<unit>", qos: 1, retained: true, schema: "tracker.v1.json", kind: "tracker",
		followsUnit: true, enabled: homeAssistantOn,
		encode: func(s *Sink, x *subject) ([]byte, error) {
			return s.arena.tracker(s.opts.Site, x.unit, s.opts.DefaultAccuracyM)
		}},
	topicCAP:     {pattern: "<root>/cap/<incident>", qos: 1, extra: true},
	topicCommand: {pattern: "<root>/commands/<command>", qos: 1, schema: "command.v1.json", inbound: true},
}

// PublishedKinds are the "kind" labels of MetricPublished: each topic's,
// and "forget" for the deletes of a forgotten unit's topics.
func PublishedKinds() []string {
	kinds := []string{"forget"}
	for i := range topicTable {
		r := &topicTable[i]
		if r.kind != "" && !slices.Contains(kinds, r.kind) {
			kinds = append(kinds, r.kind)
		}
	}
	return kinds
}

// topic is a row made concrete for one sink: the sink's own names filled
// in, the message's topic level (if any) left as the one variable.
type topic struct {
	*topicRow
	id             topicID
	prefix, suffix string // around the variable; the whole topic when there is none
	variable       string // the variable's name ("unit", "object_id", ...), "" for none
	on             bool   // enabled by the sink's options
}

// compileTopics fills in the sink's names in every row.
func compileTopics(o *Options) [numTopics]topic {
	repl := strings.NewReplacer("<root>", o.TopicRoot, "<site>", o.Site, "<ha_prefix>", o.HAPrefix)
	var out [numTopics]topic
	for i := range topicTable {
		r := &topicTable[i]
		t := topic{topicRow: r, id: topicID(i), on: r.enabled == nil || r.enabled(o)}
		full := repl.Replace(r.pattern)
		if open := strings.IndexByte(full, '<'); open >= 0 {
			end := open + strings.IndexByte(full[open:], '>')
			t.prefix, t.variable, t.suffix = full[:open], full[open+1:end], full[end+1:]
		} else {
			t.prefix = full
		}
		out[i] = t
	}
	return out
}

// name is the topic of one message; v is its topic level ("" when the
// topic has none, "+" for a subscription to all).
func (t *topic) name(v string) string {
	if t.variable == "" {
		return t.prefix
	}
	return t.prefix + v + t.suffix
}

// match reports whether topic is one of this row's, and its topic level.
func (t *topic) match(topic string) (string, bool) {
	if t.variable == "" {
		return "", topic == t.prefix
	}
	if len(topic) <= len(t.prefix)+len(t.suffix) || !strings.HasPrefix(topic, t.prefix) || !strings.HasSuffix(topic, t.suffix) {
		return "", false
	}
	v := topic[len(t.prefix) : len(topic)-len(t.suffix)]
	return v, !strings.Contains(v, "/")
}

// topicFor is the sink's topic of row id.
func (s *Sink) topicFor(id topicID) *topic { return &s.topics[id] }

// unitTopic is the topic of a unit-addressed row for unit id.
func (s *Sink) unitTopic(t *topic, id string) string {
	if t.variable == "object_id" {
		return t.name(HAObjectID(s.opts.Site, id))
	}
	return t.name(id)
}

// rowOf finds the row a topic belongs to.
func (s *Sink) rowOf(name string) (*topic, string, bool) {
	for i := range s.topics {
		if v, ok := s.topics[i].match(name); ok {
			return &s.topics[i], v, true
		}
	}
	return nil, "", false
}

// encodeFor writes row t's payload for x. A failure is logged and counted;
// the message is not published.
func (s *Sink) encodeFor(t *topic, x *subject) []byte {
	payload, err := t.encode(s, x)
	if err != nil {
		s.encodeFailed(t, err)
		return nil
	}
	return payload
}

// encodeFailed counts and logs a payload that could not be encoded.
func (s *Sink) encodeFailed(t *topic, err error) {
	s.fail("encode")
	s.log.Error("encode payload", "kind", t.kind, "topic", t.pattern, "err", err)
}

// SchemaOf names the schema file (in docs/schema) of a topic that a sink
// with these options publishes or reads, "" for plain text; ok is false for
// a topic that is none of the sink's. For tests that validate what a
// subscriber received.
func SchemaOf(opts Options, name string) (schema string, ok bool) {
	if opts.HAPrefix == "" {
		opts.HAPrefix = defaultHAPrefix
	}
	topics := compileTopics(&opts)
	for i := range topics {
		if _, ok := topics[i].match(name); ok {
			return topics[i].schema, true
		}
	}
	return "", false
}

// UnitStates is the subscription to every unit's retained state under a
// topic root, and its QoS: what a standby follows (docs/SCALING.md).
func UnitStates(topicRoot string) (filter string, qos byte) {
	t := compileTopics(&Options{TopicRoot: topicRoot})[topicUnit]
	return t.name("+"), t.qos
}
