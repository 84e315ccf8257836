package mqtt

import (
	"bytes"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// drainEvents publishes one batch of queued events, those in the outbox
// and those kept in memory merged in the order they were written, and
// acknowledges them once the broker confirmed every message. It reports
// whether a full batch went out (more may be waiting).
func (s *Sink) drainEvents() bool {
	const batch = 500
	entries, err := s.opts.Queue.Peek(batch)
	if err != nil {
		s.log.Error("read event queue", "err", err)
		entries = nil // the events kept in memory still go
	}
	mem := s.memHead(batch)
	if len(entries) == 0 && len(mem) == 0 {
		return false
	}
	// A memory event goes after every outbox entry up to its index. When
	// the peek was cut at batch, entries beyond it may come first.
	more := len(entries) == batch
	tokens := make([]paho.Token, 0, len(entries)+len(mem))
	var lastIdx uint64
	var extras []string // labels of the extra messages in this batch
	i, j := 0, 0
	publish := func(data []byte) {
		if x, ok := decodeExtra(data); ok {
			extras = append(extras, x.Label)
			tokens = append(tokens, s.client.Publish(s.topic(x.Topic), 1, x.Retain, x.Payload))
			return
		}
		kind, payload, _ := bytes.Cut(data, []byte{'\n'})
		tokens = append(tokens, s.client.Publish(s.topic("events", string(kind)), 1, false, payload))
	}
	for len(tokens) < batch {
		memReady := j < len(mem) && (i < len(entries) && mem[j].after < entries[i].Index ||
			i == len(entries) && (!more || mem[j].after < lastIdx))
		switch {
		case memReady:
			publish(mem[j].data)
			j++
		case i < len(entries):
			publish(entries[i].Data)
			lastIdx = entries[i].Index
			i++
		default:
			goto sent
		}
	}
sent:
	if !s.waitAll(tokens) {
		s.extrasDone(extras, false)
		return false // not acked: the whole batch is sent again (at-least-once, IDs dedupe)
	}
	s.extrasDone(extras, true)
	s.memDone(j)
	if i > 0 {
		if err := s.opts.Queue.Ack(lastIdx); err != nil {
			s.log.Error("ack event queue", "err", err)
			return false
		}
	}
	if m := s.opts.Metrics; m != nil {
		m.SinkPublished.WithLabelValues(sinkName, "event").Add(float64(len(tokens) - len(extras))) // extras count themselves (OnExtra)
	}
	return len(tokens) == batch || j > 0 && s.MemoryBacklog() > 0
}

func (s *Sink) waitAll(tokens []paho.Token) bool {
	deadline := time.Now().Add(s.opts.WaitBudget)
	ok := true
	for _, t := range tokens {
		if !t.WaitTimeout(time.Until(deadline)) {
			s.fail("timeout")
			return false
		}
		if err := t.Error(); err != nil {
			s.fail("error")
			s.log.Warn("publish failed", "err", err)
			ok = false
		}
	}
	return ok
}

func (s *Sink) fail(reason string) {
	if m := s.opts.Metrics; m != nil {
		m.SinkFailures.WithLabelValues(sinkName, reason).Inc()
	}
}
