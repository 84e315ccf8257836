package source

import (
	"sync"
	"time"

	"radiogw/gateway/frame"
)

func (h Hooks) withDefaults() Hooks {
	if h.Emit == nil {
		h.Emit = func(frame.Frame) {}
	}
	if h.Up == nil {
		h.Up = func(string) {}
	}
	if h.Down == nil {
		h.Down = func(string, error) {}
	}
	if h.Count == nil {
		h.Count = func(string) {}
	}
	return h
}

// emitter numbers a source's frames. It outlives connections, so Seq keeps
// rising across reconnects, and it serialises Emit so frames from concurrent
// connections still reach the pipeline in Seq order.
type emitter struct {
	name string
	mu   sync.Mutex
	seq  uint64
}

func (e *emitter) emit(h Hooks, peer string, data []byte, at time.Time) {
	own := make([]byte, len(data)) // the read buffer is reused
	copy(own, data)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seq++
	h.Emit(frame.Frame{Source: e.name, Seq: e.seq, Peer: peer, Received: at, Data: own})
}
