// Package netguard wraps a server's net.Listener so that no peer, and no
// number of peers, can take the daemon down through it: Accept errors
// (EMFILE when file descriptors run out) are retried with backoff instead of
// ending the accept loop, and connections beyond a total cap or a cap per
// remote address are closed at once. Every retry and refusal is reported
// through a callback (for the metrics) and logged at a bounded rate.
package netguard

import (
	"container/list"
	"errors"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Events a Listener reports.
const (
	EventAcceptError = "accept_error"      // Accept failed (EMFILE, ENFILE, ...) and was retried
	EventRefusedMax  = "refused_max_conns" // the total cap was reached
	EventRefusedAddr = "refused_per_addr"  // the remote address's cap was reached
	EventEvicted     = "evicted_pending"   // the oldest pending connection was closed to admit a new one
)

// Events lists every event a Listener reports, for counters present at zero.
var Events = []string{EventAcceptError, EventRefusedMax, EventRefusedAddr, EventEvicted}

// Limits bound a listener's connections; zero means no cap.
type Limits struct {
	MaxConns   int // open connections in total
	MaxPerAddr int // open connections from one remote IP address
	// TimeoutEvent, when set, is reported once for a connection whose read
	// deadline expires before it was ever established (SetPending false):
	// a client that never logged in or never finished its first request.
	TimeoutEvent string
}

// Accept retry backoff, doubling like net/http's.
const (
	minBackoff = 5 * time.Millisecond
	maxBackoff = time.Second
)

// Listener is a guarded net.Listener.
type Listener struct {
	net.Listener
	name    string
	limits  Limits
	onEvent func(event string)
	log     *slog.Logger
	logs    *Every

	mu      sync.Mutex
	open    int
	byAddr  map[string]int
	pending list.List // *conn not yet established, oldest first

	failedAt atomic.Int64 // unix nanos of the last failed Accept; 0 once one succeeds
	closed   atomic.Bool
}

// Wrap guards ln. name identifies the listener in logs; onEvent (may be nil)
// receives every Event.
func Wrap(ln net.Listener, name string, limits Limits, onEvent func(event string), log *slog.Logger) *Listener {
	if onEvent == nil {
		onEvent = func(string) {}
	}
	if log == nil {
		log = slog.Default()
	}
	return &Listener{Listener: ln, name: name, limits: limits, onEvent: onEvent, log: log,
		logs: NewEvery(10 * time.Second), byAddr: map[string]int{}}
}

// Accept returns the next admitted connection. It returns an error only once
// the listener is closed: other Accept errors are retried with backoff, and
// connections over a cap are closed and not returned.
func (l *Listener) Accept() (net.Conn, error) {
	backoff := time.Duration(0)
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if l.closed.Load() || errors.Is(err, net.ErrClosed) {
				return nil, err
			}
			l.failedAt.Store(time.Now().UnixNano())
			l.onEvent(EventAcceptError)
			backoff = min(max(2*backoff, minBackoff), maxBackoff)
			if n, ok := l.logs.Allow("accept"); ok {
				l.log.Warn("accept failed; retrying", "listener", l.name, "err", err, "retry_in", backoff, "suppressed", n)
			}
			time.Sleep(backoff)
			continue
		}
		l.failedAt.Store(0)
		backoff = 0
		ip := remoteIP(c)
		gc := &conn{Conn: c, l: l, ip: ip}
		event, evicted := l.admit(gc)
		if evicted != nil {
			// Counted before the close, so whoever sees the close sees the count.
			if evicted.accounted.CompareAndSwap(false, true) { // not already counted as a timeout
				l.onEvent(EventEvicted)
			}
			evicted.Conn.Close() // its owner's Close frees the slot
			if n, ok := l.logs.Allow(EventEvicted); ok {
				l.log.Warn("connection cap reached: closed the oldest connection that had not logged in or sent a request",
					"listener", l.name, "remote", evicted.ip, "max_conns", l.limits.MaxConns, "suppressed", n)
			}
		}
		if event != "" {
			l.onEvent(event)
			c.Close()
			if n, ok := l.logs.Allow(event); ok {
				l.log.Warn("connection refused", "listener", l.name, "remote", ip, "reason", event,
					"max_conns", l.limits.MaxConns, "max_conns_per_addr", l.limits.MaxPerAddr, "suppressed", n)
			}
			continue
		}
		return gc, nil
	}
}

// Close stops accepting.
func (l *Listener) Close() error {
	l.closed.Store(true)
	return l.Listener.Close()
}

// Accepting reports whether the listener is open and not failing to accept:
// false while file descriptors are exhausted. A failing loop retries at least
// every maxBackoff, so a failure older than a few of those means the queue
// emptied and the next Accept is expected to work.
func (l *Listener) Accepting() bool {
	if l.closed.Load() {
		return false
	}
	at := l.failedAt.Load()
	return at == 0 || time.Since(time.Unix(0, at)) > 3*maxBackoff
}

// Open is the number of admitted connections not yet closed.
func (l *Listener) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

// admit takes a slot for c, or says why not. At the total cap it evicts
// the oldest pending connection instead of refusing: a flood of silent
// connections then cannot keep a well-behaved client out, since that client
// logs in (or sends its request) long before a thousand newer connections
// push it to the front. The evicted connection is counted against the caps
// until its owner closes it.
func (l *Listener) admit(c *conn) (refused string, evicted *conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.limits.MaxPerAddr > 0 && l.byAddr[c.ip] >= l.limits.MaxPerAddr {
		return EventRefusedAddr, nil
	}
	if l.limits.MaxConns > 0 && l.open >= l.limits.MaxConns {
		front := l.pending.Front()
		if front == nil {
			return EventRefusedMax, nil
		}
		evicted = l.pending.Remove(front).(*conn)
		evicted.elem = nil
	}
	l.open++
	l.byAddr[c.ip]++
	c.elem = l.pending.PushBack(c)
	return "", evicted
}

func (l *Listener) release(c *conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	c.closed = true
	if l.byAddr[c.ip]--; l.byAddr[c.ip] <= 0 {
		delete(l.byAddr, c.ip)
	}
	if c.elem != nil {
		l.pending.Remove(c.elem)
		c.elem = nil
	}
}

// SetPending marks an accepted connection as pending (it may be evicted at
// the cap: accepted and not yet logged in, or an idle keep-alive) or as
// established. Connections start pending. Other net.Conns are ignored.
func SetPending(c net.Conn, pending bool) {
	gc, ok := c.(*conn)
	if !ok {
		return
	}
	l := gc.l
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case gc.closed:
	case pending && gc.elem == nil:
		gc.elem = l.pending.PushBack(gc)
	case !pending && gc.elem != nil:
		l.pending.Remove(gc.elem)
		gc.elem = nil
	}
	if !pending {
		gc.ever.Store(true)
	}
}

func remoteIP(c net.Conn) string {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return a.IP.String()
	}
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return c.RemoteAddr().String()
	}
	return host
}

// conn frees its slot once, on the first Close.
type conn struct {
	net.Conn
	l         *Listener
	ip        string
	ever      atomic.Bool // was established at least once
	accounted atomic.Bool // its end was counted (timeout or eviction): once per connection
	once      sync.Once
	elem      *list.Element // in l.pending while pending; guarded by l.mu
	closed    bool          // guarded by l.mu
}

func (c *conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err != nil && c.l.limits.TimeoutEvent != "" && !c.ever.Load() && errors.Is(err, os.ErrDeadlineExceeded) &&
		c.accounted.CompareAndSwap(false, true) {
		c.l.onEvent(c.l.limits.TimeoutEvent)
	}
	return n, err
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c) })
	return err
}

// Every lets one log line per key through per interval and counts the rest,
// so a flood of refusals logs its first occurrence and then a line with a
// count every interval.
type Every struct {
	mu    sync.Mutex
	every time.Duration
	last  map[string]time.Time
	supp  map[string]int
}

// NewEvery allows one line per key per interval.
func NewEvery(interval time.Duration) *Every {
	return &Every{every: interval, last: map[string]time.Time{}, supp: map[string]int{}}
}

// Allow reports whether a line for key may be logged now, and how many were
// suppressed since the last one.
func (e *Every) Allow(key string) (suppressed int, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := time.Now()
	if last, seen := e.last[key]; seen && now.Sub(last) < e.every {
		e.supp[key]++
		return 0, false
	}
	n := e.supp[key]
	e.last[key], e.supp[key] = now, 0
	return n, true
}
