package broker

import (
	"errors"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/mochi-mqtt/server/v2/listeners"

	"radiogw/gateway/netguard"
)

// Packet size limits. mochi has one global maximum, applied when a packet's
// header is read and before its buffer is allocated; radiogw adds a much
// smaller one for the first packet (CONNECT), so a client that has not
// logged in cannot make the daemon allocate more than a few kilobytes.
const (
	// MaxPacketBytes bounds every packet from a logged-in client. radiogw's
	// own map publish is the largest legitimate packet (about 380 bytes per
	// unit); the sink does not publish a map above this.
	MaxPacketBytes = 16 << 20
	// MaxConnectBytes bounds the CONNECT packet (client ID, login, will).
	MaxConnectBytes = 64 << 10
)

var errConnectTooLarge = errors.New("mqtt: CONNECT packet larger than the limit")

// connectGuard watches the first packet on a connection. It fails the read
// (closing the connection) when the fixed header announces more than
// MaxConnectBytes, and reports a read deadline that expires before the whole
// CONNECT has arrived: the deadline set at accept is the CONNECT timeout
// (mochi replaces it with the keepalive once the CONNECT is read). After the
// CONNECT it is a plain pass-through.
type connectGuard struct {
	net.Conn
	slot        net.Conn // the accepted connection, whose cap slot stops being evictable once the CONNECT is in
	listener    string
	onEvent     func(listener, event string)
	complete    bool // the whole CONNECT packet was read
	established bool
	sized       bool // its remaining length is known
	typed       bool // the packet type byte was seen
	n           int  // remaining-length bytes seen
	mult        int
	size        int // the announced remaining length
	body        int // body bytes seen
}

func guardConnect(c, slot net.Conn, listener string, onEvent func(listener, event string)) net.Conn {
	return &connectGuard{Conn: c, slot: slot, mult: 1, listener: listener, onEvent: onEvent}
}

func (g *connectGuard) Read(p []byte) (int, error) {
	n, err := g.Conn.Read(p)
	for i := 0; i < n && !g.complete; i++ {
		switch {
		case !g.typed:
			g.typed = true
		case !g.sized:
			b := int(p[i])
			g.size += (b & 0x7f) * g.mult
			g.mult *= 128
			g.n++
			if g.size > MaxConnectBytes || (b&0x80 != 0 && g.n == 4) {
				g.Conn.Close()
				g.onEvent(g.listener, EventConnectTooLarge)
				return 0, errConnectTooLarge
			}
			if b&0x80 == 0 {
				g.sized = true
				g.complete = g.size == 0
			}
		default:
			take := min(n-i, g.size-g.body)
			g.body += take
			i += take - 1
			g.complete = g.body >= g.size
		}
	}
	if g.complete && !g.established {
		g.established = true
		netguard.SetPending(g.slot, false)
	}
	if err != nil && !g.complete && errors.Is(err, os.ErrDeadlineExceeded) {
		g.onEvent(g.listener, EventConnectTimeout)
	}
	return n, err
}

// tcpListener is mochi's plain TCP listener plus the CONNECT guard; its
// net.Listener is guarded by netguard (caps, Accept retries).
type tcpListener struct {
	id             string
	ln             net.Listener
	conns          connSet
	once           sync.Once
	connectTimeout time.Duration
	onEvent        func(listener, event string)
}

func newTCPListener(id, addr string) (*tcpListener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &tcpListener{id: id, ln: ln}, nil
}

func (l *tcpListener) ID() string                  { return l.id }
func (l *tcpListener) Address() string             { return l.ln.Addr().String() }
func (l *tcpListener) Protocol() string            { return "tcp" }
func (l *tcpListener) Init(log *slog.Logger) error { return nil }

func (l *tcpListener) Serve(establish listeners.EstablishFn) {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return // closed: netguard retries every other error
		}
		if !l.conns.add(c) {
			c.Close()
			continue
		}
		c.SetReadDeadline(time.Now().Add(l.connectTimeout))
		go func() {
			defer l.conns.remove(c)
			defer c.Close() // frees the netguard slot whatever mochi did
			establish(l.id, guardConnect(c, c, l.id, l.onEvent))
		}()
	}
}

// Close stops accepting and closes every connection; see connSet for why
// mochi's closeClients is not used.
func (l *tcpListener) Close(listeners.CloseFn) { l.stop() }

func (l *tcpListener) stop() {
	l.once.Do(func() {
		l.ln.Close()
		l.conns.closeAll()
	})
}

func (l *tcpListener) drained(within time.Duration) bool { return l.conns.drained(within) }

// connSet tracks a listener's connections so Close can end them itself.
// mochi's own way (the CloseFn it passes to Close) can deadlock: it takes a
// read lock twice on the client table, and a client leaving at the same
// moment queues a writer between the two, which blocks both for good; the
// broker's Close, and with it radiogw's shutdown, would hang. Closing the
// connections makes every client leave through mochi's normal path.
type connSet struct {
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

func (s *connSet) add(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.conns == nil {
		s.conns = map[net.Conn]struct{}{}
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *connSet) remove(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// closeAll refuses new connections and closes the current ones; they stay
// counted until their handlers return (see drained).
func (s *connSet) closeAll() {
	s.mu.Lock()
	s.closed = true
	conns := make([]net.Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// drained waits until every handler has returned, or within has passed.
func (s *connSet) drained(within time.Duration) bool {
	deadline := time.Now().Add(within)
	for {
		s.mu.Lock()
		n := len(s.conns)
		s.mu.Unlock()
		if n == 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}
