package mqtt

import (
	"strings"

	"radiogw/gateway/publish/outbox"
)

// Events the outbox could not take (a full disk) are kept in memory and
// published from there, in order with the outbox: each remembers the index
// of the last entry appended before it, and drainEvents sends it right
// after that entry. They survive a broker outage but not a crash; the
// runtime counts them (radiogw_sink_not_durable_total) and alarms.

// maxMemEvents caps the events kept in memory. Over it the oldest
// non-emergency event goes (counted); emergencies are never dropped.
const maxMemEvents = 100_000

type memEvent struct {
	after uint64 // the outbox's last index when this event was kept
	data  []byte // kind \n payload, as the outbox holds it
}

func (e *memEvent) emergency() bool {
	if len(e.data) > 0 && e.data[0] == extraMark {
		return true // a CAP alert: the site marked it critical
	}
	kind, _ := splitEvent(e.data)
	return strings.HasPrefix(kind, "emergency")
}

// keepInMemory holds entries the queue refused.
func (s *Sink) keepInMemory(entries []outbox.Entry) {
	after := s.opts.Queue.Last()
	s.memMu.Lock()
	for i := range entries {
		s.mem = append(s.mem, memEvent{after: after, data: entries[i].Data})
	}
	// Over the cap the oldest non-emergency events go, in one pass; with
	// too few of them, every emergency is still kept.
	dropped := 0
	if excess := len(s.mem) - maxMemEvents; excess > 0 {
		kept := s.mem[:0]
		for _, e := range s.mem {
			if dropped < excess && !e.emergency() {
				dropped++
				continue
			}
			kept = append(kept, e)
		}
		clear(s.mem[len(kept):])
		s.mem = kept
	}
	n := len(s.mem)
	s.memMu.Unlock()
	s.metric(MetricNotDurable, "", "", float64(len(entries)))
	s.metric(MetricMemoryBacklog, "", "", float64(n))
	if dropped > 0 {
		s.metric(MetricMemoryDropped, "reason", "memory_cap", float64(dropped))
	}
}

// memHead returns up to max events held in memory, oldest first.
func (s *Sink) memHead(max int) []memEvent {
	s.memMu.Lock()
	defer s.memMu.Unlock()
	return append([]memEvent(nil), s.mem[:min(max, len(s.mem))]...)
}

// memDone removes the n oldest memory events, delivered.
func (s *Sink) memDone(n int) {
	if n == 0 {
		return
	}
	s.memMu.Lock()
	s.mem = append(s.mem[:0], s.mem[n:]...)
	left := len(s.mem)
	s.memMu.Unlock()
	s.metric(MetricMemoryBacklog, "", "", float64(left))
}

// MemoryBacklog is the number of events held only in memory.
func (s *Sink) MemoryBacklog() int {
	s.memMu.Lock()
	defer s.memMu.Unlock()
	return len(s.mem)
}
