package mqtt

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"sync"
	"time"
)

// batchConn sits between paho and the network. paho writes every packet with
// its own Write, which on a plain connection is one write(2) per publish and
// the sink's largest CPU cost at thousands of unit states per second, and
// reads each PUBACK with several small reads.
//
// Writes are group-committed: Write only appends to a buffer and wakes the
// flusher, which writes everything accumulated in one call. There is no
// timer, so an idle connection adds no delay: the first packet goes out at
// once, and packets written while that syscall runs go out together in the
// next one. Nothing is acknowledged early by buffering: a QoS 1 publish
// completes only on the broker's PUBACK.
type batchConn struct {
	conn         net.Conn
	r            *bufio.Reader
	flushTimeout time.Duration // a flush that cannot finish within this fails the connection
	maxPending   int           // Write blocks while this much is waiting (at most as much again is in the flush)

	mu            sync.Mutex
	pending       []byte
	spare         []byte // the buffer of the last flush, reused
	err           error  // sticky: the first flush error
	closed        bool
	writeDeadline time.Time
	space         chan struct{} // closed (and replaced) whenever pending was taken or on failure

	wake chan struct{} // capacity 1: pending has data or Close was called
	done chan struct{} // closed when the flusher has exited and conn is closed
}

const (
	batchReadBuffer = 64 << 10
	batchMaxPending = 1 << 20
	// closeGrace bounds the final flush on Close: a DISCONNECT or a last
	// "offline" should go out, but a dead peer must not hold Close.
	closeGrace = time.Second
)

func newBatchConn(c net.Conn, flushTimeout time.Duration) *batchConn {
	if flushTimeout <= 0 {
		flushTimeout = 10 * time.Second
	}
	b := &batchConn{conn: c, r: bufio.NewReaderSize(c, batchReadBuffer), flushTimeout: flushTimeout,
		maxPending: batchMaxPending, space: make(chan struct{}), wake: make(chan struct{}, 1), done: make(chan struct{})}
	go b.flusher()
	return b
}

// Read reads through a buffer, so a run of PUBACKs costs one read(2).
// paho reads from one goroutine at a time (the handshake, then its reader).
func (b *batchConn) Read(p []byte) (int, error) { return b.r.Read(p) }

// Write queues p for the flusher. It blocks only while the queue is full,
// until the write deadline; it returns the error of a failed connection.
func (b *batchConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	for {
		if b.err != nil {
			err := b.err
			b.mu.Unlock()
			return 0, err
		}
		if b.closed {
			b.mu.Unlock()
			return 0, net.ErrClosed
		}
		if len(b.pending) == 0 || len(b.pending)+len(p) <= b.maxPending {
			break
		}
		space, deadline := b.space, b.writeDeadline
		b.mu.Unlock()
		if err := waitSpace(space, deadline); err != nil {
			return 0, err
		}
		b.mu.Lock()
	}
	b.pending = append(b.pending, p...)
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
	return len(p), nil
}

func waitSpace(space <-chan struct{}, deadline time.Time) error {
	if deadline.IsZero() {
		<-space
		return nil
	}
	d := time.Until(deadline)
	if d <= 0 {
		return fmt.Errorf("mqtt connection: send queue full: %w", os.ErrDeadlineExceeded)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-space:
		return nil
	case <-t.C:
		return fmt.Errorf("mqtt connection: send queue full: %w", os.ErrDeadlineExceeded)
	}
}

// flusher writes what is pending, one write per wakeup, until the connection
// fails or is closed and drained; then it closes the network connection.
func (b *batchConn) flusher() {
	defer close(b.done)
	defer b.conn.Close()
	for {
		b.mu.Lock()
		for len(b.pending) == 0 && !b.closed {
			b.mu.Unlock()
			<-b.wake
			b.mu.Lock()
		}
		if len(b.pending) == 0 { // closed and drained
			b.mu.Unlock()
			return
		}
		out := b.pending
		b.pending, b.spare = b.spare[:0], nil
		// Only this goroutine sets the write deadline: a WebSocket
		// connection's deadline is not safe to set during its Write. A
		// flush after Close is bounded by Close's own timer instead.
		if !b.closed {
			b.conn.SetWriteDeadline(time.Now().Add(b.flushTimeout))
		}
		close(b.space)
		b.space = make(chan struct{})
		b.mu.Unlock()

		_, err := b.conn.Write(out)

		b.mu.Lock()
		if cap(out) <= b.maxPending*2 {
			b.spare = out[:0]
		}
		if err != nil && b.err == nil {
			b.err = fmt.Errorf("mqtt connection: flush %d bytes: %w", len(out), err)
			b.pending = nil
			close(b.space) // writers waiting for room see the error
			b.space = make(chan struct{})
		}
		failed := b.err != nil
		b.mu.Unlock()
		if failed {
			// Closing the socket makes paho's reader fail at once, so the
			// connection is reported lost even if nothing else is written.
			return
		}
	}
}

// Close sends what is pending (a DISCONNECT, a last state) within a short
// grace, then closes the connection; a blocked Write or Read returns.
func (b *batchConn) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		<-b.done
		return nil
	}
	b.closed = true
	close(b.space)
	b.space = make(chan struct{})
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
	grace := time.NewTimer(closeGrace)
	defer grace.Stop()
	select {
	case <-b.done:
	case <-grace.C:
		// A flush in progress outlived the grace: closing the socket
		// makes its Write return.
		b.conn.Close()
		<-b.done
	}
	return nil
}

func (b *batchConn) LocalAddr() net.Addr               { return b.conn.LocalAddr() }
func (b *batchConn) RemoteAddr() net.Addr              { return b.conn.RemoteAddr() }
func (b *batchConn) SetReadDeadline(t time.Time) error { return b.conn.SetReadDeadline(t) }

// SetWriteDeadline bounds how long a Write may wait for room in the queue;
// the flush itself has its own timeout (flushTimeout).
func (b *batchConn) SetWriteDeadline(t time.Time) error {
	b.mu.Lock()
	b.writeDeadline = t
	b.mu.Unlock()
	return nil
}

func (b *batchConn) SetDeadline(t time.Time) error {
	b.SetWriteDeadline(t)
	return b.conn.SetReadDeadline(t)
}
