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
	if h.Batch == nil {
		h.Batch = func(deliver func()) { deliver() }
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
	slab []byte // frames' own copies are cut from it: one allocation per many frames
}

// slabSize is the block frame copies are carved from. A frame larger than a
// quarter of it gets an allocation of its own, so one big frame does not
// waste most of a block.
const slabSize = 64 << 10

func (e *emitter) emit(h Hooks, peer string, data []byte, at time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	own := e.copyOf(data) // the read buffer is reused
	e.seq++
	h.Emit(frame.Frame{Source: e.name, Seq: e.seq, Peer: peer, Received: at, Data: own})
}

// copyOf returns a copy of data that the frame owns. Copies share a slab but
// never overlap (the capacity is capped), so a consumer that appends to its
// Data cannot write into another frame's bytes.
func (e *emitter) copyOf(data []byte) []byte {
	n := len(data)
	if n > slabSize/4 {
		return append([]byte(nil), data...)
	}
	if len(e.slab)+n > cap(e.slab) {
		e.slab = make([]byte, 0, slabSize)
	}
	off := len(e.slab)
	e.slab = append(e.slab, data...)
	return e.slab[off : off+n : off+n]
}
