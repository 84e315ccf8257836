package mqtt

import (
	"bytes"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// drainEvents publishes one batch of queued events and acknowledges it to the
// queue once the broker confirmed every message. It reports whether a full
// batch went out (more may be waiting).
func (s *Sink) drainEvents() bool {
	const batch = 500
	entries, err := s.opts.Queue.Peek(batch)
	if err != nil {
		s.log.Error("read event queue", "err", err)
		return false
	}
	if len(entries) == 0 {
		return false
	}
	tokens := make([]paho.Token, len(entries))
	for i, e := range entries {
		kind, payload, _ := bytes.Cut(e.Data, []byte{'\n'})
		tokens[i] = s.client.Publish(s.topic("events", string(kind)), 1, false, payload)
	}
	if !s.waitAll(tokens) {
		return false // not acked: the whole batch is sent again (at-least-once, IDs dedupe)
	}
	if err := s.opts.Queue.Ack(entries[len(entries)-1].Index); err != nil {
		s.log.Error("ack event queue", "err", err)
		return false
	}
	if m := s.opts.Metrics; m != nil {
		m.SinkPublished.WithLabelValues(sinkName, "event").Add(float64(len(entries)))
	}
	return len(entries) == batch
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
