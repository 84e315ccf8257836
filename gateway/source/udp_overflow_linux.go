package source

import (
	"encoding/binary"
	"net"
	"syscall"
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
// datagram's control messages.
func overflowCount(oob []byte) (uint32, bool) {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return 0, false
	}
	for _, m := range msgs {
		if m.Header.Level == syscall.SOL_SOCKET && m.Header.Type == syscall.SO_RXQ_OVFL && len(m.Data) >= 4 {
			return binary.NativeEndian.Uint32(m.Data), true
		}
	}
	return 0, false
}
