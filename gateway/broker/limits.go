package broker

import (
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/mochi-mqtt/server/v2/listeners"
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

// connectGuard watches the fixed header of the first packet on a connection
// and fails the read (closing the connection) when it announces more than
// MaxConnectBytes. After that header it is a plain pass-through.
type connectGuard struct {
	net.Conn
	done  bool
	typed bool // the packet type byte was seen
	n     int  // remaining-length bytes seen
	mult  int
	size  int
}

func guardConnect(c net.Conn) net.Conn { return &connectGuard{Conn: c, mult: 1} }

func (g *connectGuard) Read(p []byte) (int, error) {
	n, err := g.Conn.Read(p)
	for i := 0; i < n && !g.done; i++ {
		if !g.typed {
			g.typed = true
			continue
		}
		b := int(p[i])
		g.size += (b & 0x7f) * g.mult
		g.mult *= 128
		g.n++
		if g.size > MaxConnectBytes || (b&0x80 != 0 && g.n == 4) {
			g.Conn.Close()
			return 0, errConnectTooLarge
		}
		if b&0x80 == 0 {
			g.done = true
		}
	}
	return n, err
}

// tcpListener is mochi's plain TCP listener plus the CONNECT guard.
type tcpListener struct {
	id    string
	ln    net.Listener
	conns connSet
	once  sync.Once
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
			return // closed
		}
		if !l.conns.add(c) {
			c.Close()
			continue
		}
		go func() {
			defer l.conns.remove(c)
			establish(l.id, guardConnect(c))
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
