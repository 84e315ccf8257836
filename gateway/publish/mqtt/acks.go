package mqtt

import (
	"sync"
	"time"
)

// State publishes are pipelined: a round hands its tokens to the completer
// and returns, so the next round can publish newer state while the broker
// is still acknowledging the last one (waiting for every ack of a round made
// a unit's latency the whole round's time). The window bounds what is in
// flight, by count and by payload bytes (paho keeps each in memory until its
// ack).
const (
	maxInflight      = 10000
	maxInflightBytes = 32 << 20
)

// window is a counting semaphore over messages and bytes.
type window struct {
	mu       sync.Mutex
	cond     sync.Cond
	n, bytes int
	stopped  bool
}

func newWindow() *window {
	w := &window{}
	w.cond.L = &w.mu
	return w
}

// acquire waits for room for one message of size bytes; a message is always
// admitted when nothing is in flight. It reports false once stopped.
func (w *window) acquire(size int) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for !w.stopped && w.n > 0 && (w.n >= maxInflight || w.bytes+size > maxInflightBytes) {
		w.cond.Wait()
	}
	if w.stopped {
		return false
	}
	w.n++
	w.bytes += size
	return true
}

func (w *window) release(size int) {
	w.mu.Lock()
	w.n--
	w.bytes -= size
	w.mu.Unlock()
	w.cond.Signal() // one publisher (the run loop) waits at a time
}

func (w *window) stop() {
	w.mu.Lock()
	w.stopped = true
	w.mu.Unlock()
	w.cond.Broadcast()
}

// inflight hands a published state message to the completer, in publish
// order; false means the sink is closing and the message is not tracked.
func (s *Sink) inflight(p pending) bool {
	if !s.window.acquire(p.size) {
		return false
	}
	select {
	case s.acks <- p:
		return true
	case <-s.quit:
		return false
	}
}

// completer settles state publishes in publish order: brokers acknowledge
// QoS 1 publishes of one connection in order, so waiting on the oldest token
// costs no extra time for the ones behind it.
func (s *Sink) completer() {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		var p pending
		select {
		case p = <-s.acks:
		case <-s.quit:
			return
		}
		if p.barrier != nil {
			close(p.barrier)
			continue
		}
		ok := true
		select {
		case <-p.token.Done():
		default:
			timer.Reset(time.Until(p.sent.Add(s.opts.WaitBudget)))
			select {
			case <-p.token.Done():
			case <-timer.C:
				ok = false
			case <-s.quit:
				return
			}
			timer.Stop()
		}
		s.window.release(p.size)
		s.settle(p, ok && p.token.Error() == nil)
	}
}

// settled waits until every state publish handed to the completer so far
// has been settled, or done is closed; it reports whether all were.
func (s *Sink) settled(done <-chan struct{}) bool {
	barrier := make(chan struct{})
	select {
	case s.acks <- pending{barrier: barrier}:
	case <-done:
		return false
	case <-s.quit:
		return false
	}
	select {
	case <-barrier:
		return true
	case <-done:
		return false
	}
}
