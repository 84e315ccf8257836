package source

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmsgReader receives datagrams with recvmmsg into buffers it allocates
// once. golang.org/x/net's ReadBatch does the same system call but returns
// each sender as a freshly allocated *net.UDPAddr; here the sender is read
// from the raw sockaddr into a netip.AddrPort, so a datagram costs nothing
// but its own bytes.
type mmsgReader struct {
	rc    syscall.RawConn
	hdrs  []unix.Mmsghdr
	iovs  []unix.Iovec
	names [][unix.SizeofSockaddrInet6]byte
	bufs  [][]byte
	oobs  [][]byte // nil without SO_RXQ_OVFL
	used  int      // headers the previous call filled, to reset

	n     int
	errno syscall.Errno
	recv  func(fd uintptr) bool // bound once: no closure per call
}

func newMmsgReader(conn *net.UDPConn, batch, size, oobSize int) (*mmsgReader, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("recvmmsg: %w", err)
	}
	r := &mmsgReader{
		rc:    rc,
		hdrs:  make([]unix.Mmsghdr, batch),
		iovs:  make([]unix.Iovec, batch),
		names: make([][unix.SizeofSockaddrInet6]byte, batch),
		bufs:  make([][]byte, batch),
	}
	r.recv = r.recvmmsg
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
	return r, nil
}

// read blocks until at least one datagram is queued and returns how many
// it received; message(i) then holds each of them until the next read.
func (r *mmsgReader) read() (int, error) {
	for i := range r.used {
		h := &r.hdrs[i]
		h.Len = 0
		h.Hdr.Namelen = unix.SizeofSockaddrInet6
		h.Hdr.Flags = 0
		if r.oobs != nil {
			h.Hdr.SetControllen(len(r.oobs[i]))
		}
	}
	r.n, r.errno = 0, 0
	if err := r.rc.Read(r.recv); err != nil {
		r.used = 0
		return 0, err
	}
	if r.errno != 0 {
		r.used = 0
		return 0, os.NewSyscallError("recvmmsg", r.errno)
	}
	r.used = r.n
	return r.n, nil
}

// recvmmsg runs on the socket when the poller says it is readable;
// returning false waits for the next readiness.
func (r *mmsgReader) recvmmsg(fd uintptr) bool {
	for {
		n, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&r.hdrs[0])),
			uintptr(len(r.hdrs)), unix.MSG_DONTWAIT, 0, 0)
		switch e {
		case 0:
			r.n = int(n)
			return true
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		}
		r.errno = e
		return true
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
