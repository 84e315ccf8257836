package source

import (
	"encoding/binary"
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// DiscardKernelDrop counts datagrams the kernel dropped because the socket
// buffer was full (SO_RXQ_OVFL).
const DiscardKernelDrop = "kernel_drop"

// enableOverflowCount turns on SO_RXQ_OVFL; false if the kernel refuses.
func enableOverflowCount(c *net.UDPConn) bool {
	raw, err := c.SyscallConn()
	if err != nil {
		return false
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RXQ_OVFL, 1)
	}); err != nil || serr != nil {
		return false
	}
	return true
}

// overflowCount reads the socket's cumulative drop counter from a
// datagram's control messages. It walks them in place: it runs for every
// datagram, and syscall.ParseSocketControlMessage allocates a slice each time.
func overflowCount(oob []byte) (uint32, bool) {
	for len(oob) >= unix.SizeofCmsghdr {
		h, data, rest, err := unix.ParseOneSocketControlMessage(oob)
		if err != nil {
			return 0, false
		}
		if h.Level == unix.SOL_SOCKET && h.Type == unix.SO_RXQ_OVFL && len(data) >= 4 {
			return binary.NativeEndian.Uint32(data), true
		}
		oob = rest
	}
	return 0, false
}

// queued reports whether the socket holds a datagram not read yet
// (SIOCINQ: the size of the next one). A shutdown drain asks it when its
// idle deadline passed, since a descheduled reader can miss the deadline
// with data still waiting.
func queued(c *net.UDPConn) bool {
	raw, err := c.SyscallConn()
	if err != nil {
		return false
	}
	n := 0
	raw.Control(func(fd uintptr) {
		n, _ = unix.IoctlGetInt(int(fd), unix.SIOCINQ)
	})
	return n > 0
}
