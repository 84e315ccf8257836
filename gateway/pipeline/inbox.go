package pipeline

import (
	"sync"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/change"
	"radiogw/gateway/decode"
)

// item is one decoded observation on its way to the trackers.
type item struct {
	fix      *avl.Fix
	event    *channels.Event
	identity *decode.Identity
	clock    *decode.DeviceTime
	sys      *change.Event // source up/down and other runtime events
	source   string
}

// inbox hands observations from the sources to the tracker goroutine.
//
// Sources never wait on it: serial and UDP cannot be paused. Each peer of
// each source (a modem's address, a TCP connection, a serial port) has its
// own queue, and the tracker takes from them in turn, a bounded chunk at a
// time, so one flooding peer delays only itself: a quiet peer's next
// observation is applied within one turn of the loop. Above a queue's soft
// cap, or twice that in all, positions coalesce per device (the latest wins,
// counted) while channel events, emergencies and identities are still queued
// in order: they are never dropped, and the overflow is counted so an alarm
// can fire.
type inbox struct {
	mu        sync.Mutex
	queues    map[queueKey]*sourceQueue
	order     []queueKey     // round-robin order of sources with something queued
	spare     []*sourceQueue // emptied queues kept for reuse: modems come and go by the thousand
	next      int            // where the next take starts in order
	total     int
	softCap   int // per source
	notify    chan struct{}
	holds     int         // batches being delivered (batch): their pushes wait to wake the loop
	held      bool        // a push came in while holds > 0
	coalesced func(n int) // counts fixes replaced by a newer one
	overCap   func()      // counts events queued above the cap
}

// queueKey names one peer of one source. A struct, not a joined string, so
// finding a queue allocates nothing.
type queueKey struct{ source, peer string }

type sourceQueue struct {
	items  []item
	head   int                    // items[head:] are waiting
	latest map[deviceKey]*avl.Fix // coalesced fixes, by device; nil until needed
	queued bool                   // in inbox.order
}

// deviceKey names one device behind a peer; a struct, like queueKey, so
// coalescing a fix allocates nothing.
type deviceKey struct{ device, peer string }

func (q *sourceQueue) waiting() int { return len(q.items) - q.head + len(q.latest) }

// takeChunk is the most the tracker applies in one turn of its loop before
// it serves timers, API calls and reloads again.
const takeChunk = 1024

func newInbox(softCap int, coalesced func(int), overCap func()) *inbox {
	return &inbox{softCap: softCap, queues: map[queueKey]*sourceQueue{}, notify: make(chan struct{}, 1),
		coalesced: coalesced, overCap: overCap}
}

func (in *inbox) queue(src, peer string) *sourceQueue {
	key := queueKey{src, peer}
	q := in.queues[key]
	if q == nil {
		if n := len(in.spare); n > 0 {
			q, in.spare = in.spare[n-1], in.spare[:n-1]
		} else {
			q = &sourceQueue{}
		}
		in.queues[key] = q
	}
	if !q.queued {
		q.queued = true
		in.order = append(in.order, key)
	}
	return q
}

// full reports whether a queue is over its soft cap.
func (in *inbox) full(q *sourceQueue) bool {
	return len(q.items)-q.head >= in.softCap || in.total >= 2*in.softCap
}

func (in *inbox) push(src string, obs *decode.Observations) { in.pushFrom(src, "", obs) }

// pushFrom queues what one frame from peer of source src said.
func (in *inbox) pushFrom(src, peer string, obs *decode.Observations) {
	in.mu.Lock()
	q := in.queue(src, peer)
	before := q.waiting()
	for i := range obs.Identities {
		q.items = append(q.items, item{identity: &obs.Identities[i], source: src})
	}
	for i := range obs.Times {
		q.items = append(q.items, item{clock: &obs.Times[i], source: src})
	}
	for i := range obs.Events {
		if in.full(q) {
			in.overCap()
		}
		q.items = append(q.items, item{event: &obs.Events[i], source: src})
	}
	for i := range obs.Fixes {
		f := &obs.Fixes[i]
		if !in.full(q) {
			q.items = append(q.items, item{fix: f, source: src})
			continue
		}
		key := deviceKey{f.DeviceID, f.Peer}
		if q.latest == nil {
			q.latest = map[deviceKey]*avl.Fix{} // only a queue over its cap needs one
		}
		if _, ok := q.latest[key]; ok {
			in.coalesced(1)
		}
		q.latest[key] = f
	}
	in.total += q.waiting() - before
	hold := in.holdWake()
	in.mu.Unlock()
	if !hold {
		in.wake()
	}
}

// pushEvent queues a runtime event (source up/down) in order with the rest
// of its source.
func (in *inbox) pushEvent(e change.Event) {
	in.mu.Lock()
	q := in.queue(e.Source, e.Peer)
	q.items = append(q.items, item{sys: &e, source: e.Source})
	in.total++
	hold := in.holdWake()
	in.mu.Unlock()
	if !hold {
		in.wake()
	}
}

// batch runs deliver, which pushes what one read brought (a recvmmsg of
// many datagrams), and wakes the loop once at its end: woken by the first
// push, the loop would step with that one alone and gate the rest into a
// second step. A push from another source meanwhile waits for the end of
// the batch too, which is one decode of at most a read's datagrams.
func (in *inbox) batch(deliver func()) {
	in.mu.Lock()
	in.holds++
	in.mu.Unlock()
	defer func() {
		in.mu.Lock()
		in.holds--
		wake := in.holds == 0 && in.held
		if wake {
			in.held = false
		}
		in.mu.Unlock()
		if wake {
			in.wake()
		}
	}()
	deliver()
}

// holdWake reports whether a push is to leave the wake-up to the end of a
// batch; in.mu is held.
func (in *inbox) holdWake() bool {
	if in.holds == 0 {
		return false
	}
	in.held = true
	return true
}

func (in *inbox) wake() {
	select {
	case in.notify <- struct{}{}:
	default:
	}
}

// take returns up to takeChunk observations, shared fairly among the
// sources with something queued; within a source, in arrival order, its
// coalesced fixes after its queue. If more is waiting it wakes the loop
// again, so the loop turns (timers, API calls) between chunks.
func (in *inbox) take(buf []item) []item {
	buf = buf[:0]
	in.mu.Lock()
	defer in.mu.Unlock()
	for len(buf) < takeChunk && len(in.order) > 0 {
		share := (takeChunk - len(buf)) / len(in.order)
		if share < 64 {
			share = 64
		}
		for i := 0; i < len(in.order) && len(buf) < takeChunk; {
			idx := (in.next + i) % len(in.order)
			key := in.order[idx]
			q := in.queues[key]
			buf = q.takeInto(buf, share)
			if q.waiting() == 0 {
				q.queued = false
				delete(in.queues, key) // peers come and go; keep no empty queues
				in.recycle(q)
				in.order = append(in.order[:idx], in.order[idx+1:]...)
				if in.next > idx {
					in.next--
				}
				continue
			}
			i++
		}
		if len(in.order) > 0 {
			in.next = (in.next + 1) % len(in.order)
		}
	}
	in.total -= len(buf)
	if in.total > 0 {
		in.wake()
	}
	return buf
}

// takeInto moves up to n observations from the queue to buf: queued items
// first, then, once those are gone, coalesced fixes.
func (q *sourceQueue) takeInto(buf []item, n int) []item {
	end := min(q.head+n, len(q.items))
	n -= end - q.head
	buf = append(buf, q.items[q.head:end]...)
	clear(q.items[q.head:end])
	q.head = end
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
		for k, f := range q.latest {
			if n == 0 {
				break
			}
			buf = append(buf, item{fix: f, source: f.Source})
			delete(q.latest, k)
			n--
		}
	} else if q.head > 4096 && q.head > len(q.items)/2 {
		// Compact so a long backlog does not pin an ever-growing array.
		m := copy(q.items, q.items[q.head:])
		clear(q.items[m:])
		q.items, q.head = q.items[:m], 0
	}
	return buf
}

// Bounds on what an emptied queue keeps for its next peer: enough queues for
// every modem that reports within a step, and small arrays only, so a burst
// from one peer does not pin its backlog's memory.
const (
	maxSpareQueues = 4096
	maxSpareItems  = 256
)

func (in *inbox) recycle(q *sourceQueue) {
	if len(in.spare) >= maxSpareQueues || cap(q.items) > maxSpareItems || q.latest != nil {
		return
	}
	q.items, q.head = q.items[:0], 0
	in.spare = append(in.spare, q)
}

func (in *inbox) depth() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.total
}
