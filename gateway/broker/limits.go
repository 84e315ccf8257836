package broker

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"

	"radiogw/gateway/netguard"
)

// Packet size limits. mochi has one global maximum, applied when a packet's
// header is read and before its buffer is allocated; radiogw adds a much
// smaller one for the first packet (CONNECT), so a client that has not
// logged in cannot make the daemon allocate more than MaxConnectBytes.
const (
	// MaxPacketBytes bounds every packet from a logged-in client. radiogw's
	// own map publish is the largest legitimate packet (about 380 bytes per
	// unit); the sink does not publish a map above this.
	MaxPacketBytes = 16 << 20
	// MaxConnectBytes bounds the CONNECT packet (client ID, login, will).
	MaxConnectBytes = 64 << 10
)

var (
	errConnectTooLarge = errors.New("mqtt: CONNECT packet larger than the limit")
	errNotConnect      = errors.New("mqtt: first packet is not CONNECT")
)

// readConnect reads a connection's first packet, which must be a CONNECT
// of at most MaxConnectBytes, before mochi sees the connection. mochi gives
// every connection a client with an 8,192-slot outbound queue and two
// goroutines before it has read a byte; reading the CONNECT here means a
// connection that never logs in costs one goroutine and a few kilobytes,
// and the read deadline set at accept bounds how long it may take. It
// returns the packet's bytes, to be replayed to mochi, or why it failed
// (also reported through onEvent).
func readConnect(c net.Conn, listener string, onEvent func(listener, event string)) ([]byte, error) {
	hdr := make([]byte, 1, 5)
	var err error
	defer func() {
		// A timeout is counted by the listener (netguard's TimeoutEvent),
		// which also sees a WebSocket upgrade that never finished.
		if errors.Is(err, errConnectTooLarge) {
			onEvent(listener, EventConnectTooLarge)
		}
	}()
	if _, err = io.ReadFull(c, hdr[:1]); err != nil {
		return nil, err
	}
	if hdr[0]>>4 != packets.Connect {
		err = errNotConnect
		return nil, err
	}
	size, mult := 0, 1
	for i := 0; ; i++ {
		var b [1]byte
		if _, err = io.ReadFull(c, b[:]); err != nil {
			return nil, err
		}
		hdr = append(hdr, b[0])
		size += int(b[0]&0x7f) * mult
		mult *= 128
		if size > MaxConnectBytes || (b[0]&0x80 != 0 && i == 3) {
			err = errConnectTooLarge
			return nil, err
		}
		if b[0]&0x80 == 0 {
			break
		}
	}
	// Grown as bytes arrive: a header that announces 64 KiB costs nothing
	// until the bytes are sent.
	pk := bytes.NewBuffer(hdr)
	var n int64
	if n, err = pk.ReadFrom(io.LimitReader(c, int64(size))); err == nil && n < int64(size) {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, err
	}
	return pk.Bytes(), nil
}

// replayConn hands mochi the CONNECT that readConnect took off the wire,
// then the rest of the connection.
type replayConn struct {
	net.Conn
	pre []byte
}

func (r *replayConn) Read(p []byte) (int, error) {
	if len(r.pre) > 0 {
		n := copy(p, r.pre)
		r.pre = r.pre[n:]
		return n, nil
	}
	return r.Conn.Read(p)
}

// establishAfterConnect reads the CONNECT of conn (whose read deadline is
// the CONNECT timeout), marks its cap slot established, and hands it to
// mochi. slot is the accepted connection the caps count.
func establishAfterConnect(establish listeners.EstablishFn, id string, conn, slot net.Conn,
	queues queueConfig, onEvent func(listener, event string)) error {
	pk, err := readConnect(conn, id, onEvent)
	if err != nil {
		conn.Close()
		return err
	}
	netguard.SetPending(slot, false)
	q := newQueuedConn(conn, queues, MaxClientBacklog, MaxClientStateBacklog, func() { onEvent(id, EventSlowConsumer) })
	err = establish(id, &replayConn{Conn: q, pre: pk})
	q.Close()
	q.wait(flushOnClose + time.Second)
	return err
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
	queues         queueConfig
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
			establishAfterConnect(establish, l.id, c, c, l.queues, l.onEvent)
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
