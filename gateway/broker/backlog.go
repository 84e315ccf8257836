package broker

import (
	"errors"
	"net"
	"sync"
	"time"
)

// MaxClientBacklog bounds the bytes waiting to be written to one client.
// A display that stops reading is disconnected once this much is queued
// for it; a burst of retained state on subscribe (a few hundred bytes per
// unit) stays well under it.
const MaxClientBacklog = 4 << 20

// flushOnClose is how long a closing connection may take to send what is
// queued for it (a refusal's CONNACK, a DISCONNECT).
const flushOnClose = 2 * time.Second

var errSlowConsumer = errors.New("mqtt client too slow: backlog over the limit")

// queuedConn decouples mochi's writes from the network. mochi writes to a
// client's socket while holding that client's lock, without a deadline, and
// every publisher takes the same lock to route a message to it: one
// subscriber that stops reading blocks every publisher, radiogw's own
// included, and the wall goes dark. Here a Write only queues the bytes; a
// goroutine per connection sends them, and a client that falls more than
// MaxClientBacklog behind is disconnected.
type queuedConn struct {
	net.Conn
	max        int
	onOverflow func()

	mu      sync.Mutex
	cond    *sync.Cond
	buf     []byte
	spare   []byte
	err     error // set once: the connection is finished for writing
	closing bool  // Close was called: flush, then close
	done    chan struct{}
}

func newQueuedConn(c net.Conn, max int, onOverflow func()) *queuedConn {
	q := &queuedConn{Conn: c, max: max, onOverflow: onOverflow, done: make(chan struct{})}
	q.cond = sync.NewCond(&q.mu)
	go q.writer()
	return q
}

func (q *queuedConn) Write(p []byte) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil || q.closing {
		return 0, net.ErrClosed
	}
	if len(q.buf)+len(p) > q.max {
		q.err = errSlowConsumer
		q.buf = nil
		q.cond.Broadcast()
		q.Conn.Close()
		if q.onOverflow != nil {
			q.onOverflow()
		}
		return 0, q.err
	}
	q.buf = append(q.buf, p...)
	q.cond.Signal()
	return len(p), nil
}

func (q *queuedConn) writer() {
	defer close(q.done)
	defer q.Conn.Close()
	for {
		q.mu.Lock()
		for len(q.buf) == 0 && q.err == nil && !q.closing {
			q.cond.Wait()
		}
		if q.err != nil || (q.closing && len(q.buf) == 0) {
			q.mu.Unlock()
			return
		}
		out := q.buf
		q.buf, q.spare = q.spare[:0], nil
		closing := q.closing
		q.mu.Unlock()
		if closing {
			q.Conn.SetWriteDeadline(time.Now().Add(flushOnClose))
		}
		_, err := q.Conn.Write(out)
		q.mu.Lock()
		if cap(out) <= 64<<10 {
			q.spare = out // keep a small buffer; let a burst's big one go
		}
		if err != nil && q.err == nil {
			q.err = err
		}
		q.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// Close stops reading at once and lets the writer send what is queued
// before it closes the connection.
func (q *queuedConn) Close() error {
	q.mu.Lock()
	q.closing = true
	q.cond.Broadcast()
	q.mu.Unlock()
	q.Conn.SetReadDeadline(time.Now())
	return nil
}

// wait blocks until the writer has closed the connection, or within.
func (q *queuedConn) wait(within time.Duration) {
	select {
	case <-q.done:
	case <-time.After(within):
		q.Conn.Close()
	}
}
