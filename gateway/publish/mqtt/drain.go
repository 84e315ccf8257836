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
	// Memory first: every outbox entry a memory event must follow was
	// appended before it, so the peek below sees it. Peeking first, a
	// Write between the two could add entries the peek missed and memory
	// events after them, which would then overtake them.
	mem := s.memHead(batch)
	entries, err := s.opts.Queue.Peek(batch)
	if err != nil {
		s.log.Error("read event queue", "err", err)
		entries = nil // the events kept in memory still go
	}
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
			tokens = append(tokens, s.publishExtra(x))
			return
		}
		tokens = append(tokens, s.publishEvent(data))
	}
merge:
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
			break merge
		}
	}
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
	// Extras count themselves (OnExtra).
	s.metric(MetricPublished, "kind", s.topicFor(topicEvent).kind, float64(len(tokens)-len(extras)))
	return len(tokens) == batch || j > 0 && s.MemoryBacklog() > 0
}

// splitEvent splits an outbox entry into the event's kind and payload.
func splitEvent(data []byte) (string, []byte) {
	kind, payload, _ := bytes.Cut(data, []byte{'\n'})
	return string(kind), payload
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
	s.metric(MetricFailed, "reason", reason, 1)
}
