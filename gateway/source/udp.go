package source

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"
)

// udpSource is a UDP listener: each datagram is one frame.
type udpSource struct {
	cfg   Config
	em    *emitter
	allow []netip.Prefix

	mu    sync.Mutex
	conn  *net.UDPConn // the bound socket while Run listens
	reply udpReplier   // where replies leave: conn, or the same socket once read outside the poller (Linux)
}

// udpReplier sends one datagram from the bound socket.
type udpReplier interface {
	sendTo(b []byte, to netip.AddrPort) error
}

// bound records the socket Run listens on and where replies leave; nil, nil
// once it is gone.
func (s *udpSource) bound(conn *net.UDPConn, reply udpReplier) {
	s.mu.Lock()
	s.conn, s.reply = conn, reply
	s.mu.Unlock()
}

// udpReadBuffer asks the kernel for room for bursts (a fleet reporting at
// the same second, or a pause of the reader such as a GC cycle): 8 MiB holds
// about 0.7 s of 20,000 reports/s. The kernel grants at most
// net.core.rmem_max (docs/operations.md says how to raise it); what it drops
// is counted as kernel_drop.
const udpReadBuffer = 8 << 20

func (s *udpSource) Name() string { return s.cfg.Name }

// Addr is the bound address, nil while not bound.
func (s *udpSource) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return nil
	}
	return s.conn.LocalAddr()
}

// Run binds the socket (retrying with backoff if the port is taken) and
// reads datagrams until ctx is cancelled.
func (s *udpSource) Run(ctx context.Context, h Hooks) error {
	h = h.withDefaults()
	return reconnect(ctx, s.cfg.Backoff, h, "", false, func(ctx context.Context, up func()) error {
		return s.session(ctx, h, up)
	})
}

func (s *udpSource) session(ctx context.Context, h Hooks, up func()) error {
	lc := net.ListenConfig{Control: bindControl(s.cfg.FreeBind)}
	pc, err := lc.ListenPacket(ctx, "udp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen udp %s: %w", s.cfg.Listen, err)
	}
	conn := pc.(*net.UDPConn)
	_ = conn.SetReadBuffer(udpReadBuffer) // best effort
	s.bound(conn, polledUDP{conn, s.cfg.WriteTimeout})
	defer func() {
		s.bound(nil, nil)
		conn.Close()
	}()
	// On shutdown the pending read is woken by a deadline, not by closing
	// the socket: what the kernel still holds is read first (udpDrain).
	stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Now()) })
	defer stop()
	up()

	return s.read(ctx, conn, h)
}

// readEach reads one datagram per system call: the loop for platforms
// without recvmmsg (udp_batch_*.go).
func (s *udpSource) readEach(ctx context.Context, conn *net.UDPConn, h Hooks) error {
	// Ask the kernel to report, with every datagram, how many it dropped on
	// this socket because the buffer was full; the increase is counted.
	overflow := enableOverflowCount(conn)
	var oob []byte
	if overflow {
		oob = make([]byte, 64)
	}
	var drops dropCounter
	peers := newPeerNames(maxPeerNames)
	// One byte more than allowed tells an oversize datagram from a full one.
	buf := make([]byte, s.cfg.MaxFrame+1)
	var drain udpDrain
	sock := polledUDP{conn, s.cfg.WriteTimeout}
	for {
		n, oobn, _, addr, err := conn.ReadMsgUDPAddrPort(buf, oob)
		now := time.Now()
		if err != nil {
			if ctx.Err() != nil {
				if drain.more(sock, now) {
					continue
				}
				return nil
			}
			return fmt.Errorf("read udp %s: %w", s.cfg.Listen, err)
		}
		if overflow {
			drops.observe(h, oob[:oobn])
		}
		if drain.late(sock, now) {
			h.Count(DiscardShutdown)
			continue
		}
		s.deliver(h, peers, addr, buf[:n], now)
	}
}

// DiscardShutdown counts datagrams still queued in the socket when the
// shutdown's read budget ran out: read and counted, not decoded.
const DiscardShutdown = "shutdown_drop"

// udpDrain empties a socket on shutdown: datagrams the kernel already
// holds are read and delivered, until the socket has been empty for
// udpDrainIdle or udpDrainBudget has passed (well within the runtime's 10 s
// drain budget); beyond it the rest is read only to be counted (for at most
// as long again).
type udpDrain struct {
	started time.Time
}

// drainable is the socket a udpDrain empties: a read deadline, and whether
// a datagram is still queued.
type drainable interface {
	SetReadDeadline(time.Time) error
	queued() bool
}

// polledUDP is a socket read and written through Go's poller.
type polledUDP struct {
	*net.UDPConn
	writeTimeout time.Duration
}

func (c polledUDP) queued() bool { return queued(c.UDPConn) }

func (c polledUDP) sendTo(b []byte, to netip.AddrPort) error {
	if err := c.SetWriteDeadline(time.Now().Add(c.writeTimeout)); err != nil {
		return err
	}
	_, err := c.WriteToUDPAddrPort(b, to)
	return err
}

const (
	udpDrainIdle   = 20 * time.Millisecond
	udpDrainBudget = 3 * time.Second
)

// more is called when a read failed after shutdown began: it reports
// whether to read on (the first wake-up, or data since the last one).
func (d *udpDrain) more(conn drainable, now time.Time) bool {
	if d.started.IsZero() {
		d.started = now
		conn.SetReadDeadline(now.Add(udpDrainIdle))
		return true
	}
	if now.Sub(d.started) <= 2*udpDrainBudget && conn.queued() {
		conn.SetReadDeadline(now.Add(udpDrainIdle)) // the reader was late, not the socket empty
		return true
	}
	return false // the socket stayed empty for udpDrainIdle
}

// late reports, for a datagram read at now, whether the budget is spent;
// while draining it moves the idle deadline on.
func (d *udpDrain) late(conn drainable, now time.Time) bool {
	if d.started.IsZero() {
		return false
	}
	if now.Sub(d.started) > 2*udpDrainBudget {
		conn.SetReadDeadline(now) // stop: what is left is lost with the socket
		return true
	}
	conn.SetReadDeadline(now.Add(udpDrainIdle))
	return now.Sub(d.started) > udpDrainBudget
}

// deliver applies the allow list and the size limit to one datagram and
// emits it.
func (s *udpSource) deliver(h Hooks, peers *peerNames, addr netip.AddrPort, dgram []byte, now time.Time) {
	if !allowed(s.allow, addr.Addr()) {
		h.Count("denied")
		return
	}
	if len(dgram) > s.cfg.MaxFrame {
		h.Count(DiscardOversize)
		return
	}
	if len(dgram) == 0 {
		return
	}
	s.em.emit(h, peers.name(addr), dgram, now)
}

// dropCounter turns the socket's cumulative kernel drop counter, as the
// datagrams carry it, into one DiscardKernelDrop count per dropped datagram.
type dropCounter struct{ last uint32 }

func (c *dropCounter) observe(h Hooks, oob []byte) {
	d, ok := overflowCount(oob)
	if !ok || d == c.last {
		return
	}
	for i := c.last; i != d; i++ { // the counter wraps at 2^32
		h.Count(DiscardKernelDrop)
	}
	c.last = d
}

// peerString is "ip:port" with IPv4-mapped addresses shown as IPv4.
func peerString(ap netip.AddrPort) string {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).String()
}

// ErrNotConnected is returned by SendTo when there is nothing to send on.
var ErrNotConnected = errors.New("not connected")

// ErrDenied is returned by SendTo for a peer the source's allow list does
// not admit: a source answers only addresses it would listen to, so a
// forged registration cannot make radiogw send to any host it names.
var ErrDenied = errors.New("address not in the source's allow list")

// Admits reports whether the allow list admits a: replies go only there.
func (s *udpSource) Admits(a netip.Addr) bool { return allowed(s.allow, a) }

// SendTo sends b as one datagram from the bound socket to peer ("ip:port"),
// so radios see the reply come from the port they report to.
func (s *udpSource) SendTo(peer string, b []byte) error {
	ap, err := netip.ParseAddrPort(peer)
	if err != nil {
		return fmt.Errorf("send to %q: %w", peer, err)
	}
	if !allowed(s.allow, ap.Addr()) {
		return fmt.Errorf("send to %s: %w", peer, ErrDenied)
	}
	s.mu.Lock()
	reply := s.reply
	s.mu.Unlock()
	if reply == nil {
		return fmt.Errorf("send to %s: %w", peer, ErrNotConnected)
	}
	if err := reply.sendTo(b, ap); err != nil {
		return fmt.Errorf("send to %s: %w", peer, err)
	}
	return nil
}
