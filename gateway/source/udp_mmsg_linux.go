package source

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmsgReader receives datagrams with recvmmsg into buffers it allocates
// once. golang.org/x/net's ReadBatch does the same system call but returns
// each sender as a freshly allocated *net.UDPAddr; here the sender is read
// from the raw sockaddr into a netip.AddrPort, so a datagram costs nothing
// but its own bytes.
type mmsgReader struct {
	hdrs  []unix.Mmsghdr
	iovs  []unix.Iovec
	names [][unix.SizeofSockaddrInet6]byte
	bufs  [][]byte
	oobs  [][]byte // nil without SO_RXQ_OVFL
	used  int      // headers the previous call filled, to reset
}

func newMmsgReader(batch, size, oobSize int) *mmsgReader {
	r := &mmsgReader{
		hdrs:  make([]unix.Mmsghdr, batch),
		iovs:  make([]unix.Iovec, batch),
		names: make([][unix.SizeofSockaddrInet6]byte, batch),
		bufs:  make([][]byte, batch),
	}
	slab := make([]byte, batch*size)
	var oobSlab []byte
	if oobSize > 0 {
		r.oobs = make([][]byte, batch)
		oobSlab = make([]byte, batch*oobSize)
	}
	for i := range batch {
		r.bufs[i] = slab[i*size : (i+1)*size : (i+1)*size]
		r.iovs[i].Base = &r.bufs[i][0]
		r.iovs[i].SetLen(size)
		m := &r.hdrs[i].Hdr
		m.Name = &r.names[i][0]
		m.Iov = &r.iovs[i]
		m.SetIovlen(1)
		if oobSize > 0 {
			r.oobs[i] = oobSlab[i*oobSize : (i+1)*oobSize : (i+1)*oobSize]
			m.Control = &r.oobs[i][0]
		}
	}
	r.used = batch
	return r
}

// read waits, for at most the socket's receive timeout (rawUDP.waitAtMost),
// until a datagram is queued, and returns how many it received, 0 if none
// came; message(i) then holds each of them until the next read. It is a
// blocking system call on a socket outside Go's poller (detachUDP).
func (r *mmsgReader) read(sock *rawUDP) (int, error) {
	for i := range r.used {
		h := &r.hdrs[i]
		h.Len = 0
		h.Hdr.Namelen = unix.SizeofSockaddrInet6
		h.Hdr.Flags = 0
		if r.oobs != nil {
			h.Hdr.SetControllen(len(r.oobs[i]))
		}
	}
	r.used = 0
	for {
		// MSG_WAITFORONE: block for the first datagram only, then take
		// what else is queued, up to the batch.
		n, _, e := unix.Syscall6(unix.SYS_RECVMMSG, uintptr(sock.fd), uintptr(unsafe.Pointer(&r.hdrs[0])),
			uintptr(len(r.hdrs)), unix.MSG_WAITFORONE, 0, 0)
		switch e {
		case 0:
			r.used = int(n)
			return r.used, nil
		case unix.EINTR: // the runtime's own signals (preemption)
			continue
		case unix.EAGAIN: // the receive timeout: nothing came
			return 0, nil
		}
		return 0, os.NewSyscallError("recvmmsg", e)
	}
}

// message returns datagram i of the last read: its bytes (MaxFrame+1 at
// most, so an oversize one is still recognised), sender and control data.
func (r *mmsgReader) message(i int) ([]byte, netip.AddrPort, []byte) {
	h := &r.hdrs[i]
	var oob []byte
	if r.oobs != nil {
		oob = r.oobs[i][:min(int(h.Hdr.Controllen), len(r.oobs[i]))]
	}
	name := r.names[i][:min(int(h.Hdr.Namelen), len(r.names[i]))]
	return r.bufs[i][:min(int(h.Len), len(r.bufs[i]))], sockaddrAddrPort(name), oob
}

// sockaddrAddrPort reads a raw sockaddr_in or sockaddr_in6 the way the net
// package does for ReadMsgUDPAddrPort (IPv4-mapped senders stay mapped;
// peerString unmaps them).
func sockaddrAddrPort(b []byte) netip.AddrPort {
	if len(b) < 4 {
		return netip.AddrPort{}
	}
	port := binary.BigEndian.Uint16(b[2:4])
	switch binary.NativeEndian.Uint16(b[0:2]) {
	case unix.AF_INET:
		if len(b) >= unix.SizeofSockaddrInet4 {
			return netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[4:8])), port)
		}
	case unix.AF_INET6:
		if len(b) >= unix.SizeofSockaddrInet6 {
			a := netip.AddrFrom16([16]byte(b[8:24]))
			if id := binary.NativeEndian.Uint32(b[24:28]); id != 0 {
				a = a.WithZone(zoneName(int(id)))
			}
			return netip.AddrPortFrom(a, port)
		}
	}
	return netip.AddrPort{}
}

// zoneName names an IPv6 scope (link-local senders only, so rare enough
// to look up each time), as the net package does: the interface, else the
// index.
func zoneName(index int) string {
	if ifi, err := net.InterfaceByIndex(index); err == nil {
		return ifi.Name
	}
	return strconv.Itoa(index)
}

// batch is the most datagrams one read returns.
func (r *mmsgReader) batch() int { return len(r.hdrs) }

// rawUDP is a bound UDP socket read with blocking system calls, outside Go's
// poller. The poller registers a socket edge-triggered, so every datagram
// woke its thread even while the reader slept out its gap (udpPace): at
// 1,000 datagrams/s that was two thousand epoll returns a second, about as
// much CPU as everything else the read costs.
type rawUDP struct {
	sendMu sync.RWMutex  // sendTo holds it for reading, close for writing: no send on a closed descriptor
	fd     int           // -1 once closed
	family int           // AF_INET or AF_INET6, for sendTo's addresses
	wait   time.Duration // the receive timeout now set
}

// udpPoll is the longest a waiting read blocks before it returns to look at
// its context: how late a quiet socket notices a shutdown.
const udpPoll = 200 * time.Millisecond

// detachUDP moves conn's socket out of Go's poller: it duplicates the
// descriptor, closes conn (which unregisters it; the socket lives on in the
// duplicate) and makes the duplicate blocking, with a receive timeout of
// udpPoll and a send timeout of sendTimeout. On error conn is still open.
func detachUDP(conn *net.UDPConn, sendTimeout time.Duration) (*rawUDP, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("detach udp socket: %w", err)
	}
	fd, family := -1, 0
	var derr error
	if err := rc.Control(func(orig uintptr) {
		if fd, derr = unix.FcntlInt(orig, unix.F_DUPFD_CLOEXEC, 0); derr != nil {
			return
		}
		var sa unix.Sockaddr
		if sa, derr = unix.Getsockname(fd); derr == nil {
			family = unix.AF_INET
			if _, ok := sa.(*unix.SockaddrInet6); ok {
				family = unix.AF_INET6
			}
		}
	}); err != nil {
		derr = err
	}
	if derr == nil {
		derr = unix.SetNonblock(fd, false)
	}
	u := &rawUDP{fd: fd, family: family}
	if derr == nil {
		derr = u.waitAtMost(udpPoll)
	}
	if derr == nil && sendTimeout > 0 {
		tv := unix.NsecToTimeval(sendTimeout.Nanoseconds())
		derr = unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv)
	}
	if derr != nil {
		if fd >= 0 {
			unix.Close(fd)
		}
		return nil, fmt.Errorf("detach udp socket: %w", derr)
	}
	conn.Close()
	return u, nil
}

// waitAtMost sets how long a read waits for a datagram (at least 1 µs: a
// timeout of zero would wait for ever).
func (u *rawUDP) waitAtMost(d time.Duration) error {
	d = max(d, time.Microsecond)
	if d == u.wait {
		return nil
	}
	tv := unix.NsecToTimeval(d.Nanoseconds())
	if err := unix.SetsockoptTimeval(u.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return fmt.Errorf("udp receive timeout: %w", err)
	}
	u.wait = d
	return nil
}

// SetReadDeadline makes the next reads wait until t at most (udpDrain).
func (u *rawUDP) SetReadDeadline(t time.Time) error { return u.waitAtMost(time.Until(t)) }

// queued reports whether a datagram is waiting (SIOCINQ).
func (u *rawUDP) queued() bool {
	n, _ := unix.IoctlGetInt(u.fd, unix.SIOCINQ)
	return n > 0
}

// sendTo sends b as one datagram to ap; an IPv4 peer of a dual-stack
// socket is addressed as IPv4-mapped, as the net package does.
func (u *rawUDP) sendTo(b []byte, ap netip.AddrPort) error {
	var sa unix.Sockaddr
	a := ap.Addr()
	switch {
	case u.family == unix.AF_INET && a.Unmap().Is4():
		sa = &unix.SockaddrInet4{Port: int(ap.Port()), Addr: a.Unmap().As4()}
	case u.family == unix.AF_INET6:
		sa6 := &unix.SockaddrInet6{Port: int(ap.Port()), Addr: a.As16()}
		if z := a.Zone(); z != "" {
			if ifi, err := net.InterfaceByName(z); err == nil {
				sa6.ZoneId = uint32(ifi.Index)
			} else if id, err := strconv.Atoi(z); err == nil {
				sa6.ZoneId = uint32(id)
			}
		}
		sa = sa6
	default:
		return fmt.Errorf("an IPv6 address from an IPv4 socket: %w", unix.EAFNOSUPPORT)
	}
	u.sendMu.RLock()
	defer u.sendMu.RUnlock()
	if u.fd < 0 {
		return net.ErrClosed
	}
	for {
		err := unix.Sendto(u.fd, b, 0, sa)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("sendto", err)
		}
		return nil
	}
}

func (u *rawUDP) close() error {
	u.sendMu.Lock()
	defer u.sendMu.Unlock()
	if u.fd < 0 {
		return nil
	}
	fd := u.fd
	u.fd = -1
	return unix.Close(fd)
}
