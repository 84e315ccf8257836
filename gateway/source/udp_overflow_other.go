//go:build !linux

package source

import "net"

// DiscardKernelDrop counts datagrams the kernel dropped because the socket
// buffer was full; only Linux reports them (SO_RXQ_OVFL).
const DiscardKernelDrop = "kernel_drop"

func enableOverflowCount(*net.UDPConn) bool { return false }

func overflowCount([]byte) (uint32, bool) { return 0, false }

func queued(*net.UDPConn) bool { return false }
