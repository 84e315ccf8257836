package mqtt

import (
	"bytes"
	"strings"

	"radiogw/gateway/change"
	"radiogw/gateway/publish/outbox"
)

// Extra is a message that rides with the events through the outbox, in
// their order, on a topic of its own under the root: a CAP alert on
// <root>/cap/<id>. An empty retained Payload deletes a retained message.
type Extra struct {
	Topic   string // under the topic root, e.g. "cap/e-1201-1763935200"
	Payload []byte
	Retain  bool
	Label   string // handed back to OnExtra (the CAP message type)
}

// extraMark starts an extra's outbox entry; an event entry starts with its
// kind, a lower-case word.
const extraMark = 0

// appendExtras queues the extras the batch's events make, after them.
func (s *Sink) appendExtras(entries []outbox.Entry, events []change.Event) []outbox.Entry {
	if s.opts.Extra == nil {
		return entries
	}
	xs := s.opts.Extra(events)
	for i := range xs {
		x := &xs[i]
		if t, _ := s.extraRow(x); t == nil || !s.extraTopic(x.Topic) { // the topic table's extra rows only
			s.extrasDone([]string{x.Label}, false)
			continue
		}
		retain := byte('-')
		if x.Retain {
			retain = 'r'
		}
		data := make([]byte, 0, 4+len(x.Label)+len(x.Topic)+len(x.Payload))
		data = append(data, extraMark, retain)
		data = append(data, x.Label...)
		data = append(data, 0)
		data = append(data, x.Topic...)
		data = append(data, '\n')
		data = append(data, x.Payload...)
		at := events[len(events)-1].Time
		entries = append(entries, outbox.Entry{Class: outbox.ClassEvent, Time: at, Data: data})
	}
	return entries
}

// extraTopic checks each level of an extra's topic as it checks unit names.
func (s *Sink) extraTopic(topic string) bool {
	for level := range strings.SplitSeq(topic, "/") {
		if !s.topicLevel(level) {
			return false
		}
	}
	return true
}

func decodeExtra(data []byte) (Extra, bool) {
	if len(data) < 2 || data[0] != extraMark {
		return Extra{}, false
	}
	label, rest, _ := bytes.Cut(data[2:], []byte{0})
	topic, payload, _ := bytes.Cut(rest, []byte{'\n'})
	return Extra{Topic: string(topic), Payload: payload, Retain: data[1] == 'r', Label: string(label)}, true
}

func (s *Sink) extrasDone(labels []string, published bool) {
	if s.opts.OnExtra == nil {
		return
	}
	for _, l := range labels {
		s.opts.OnExtra(l, published)
	}
}
