package source

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// bindControl returns the listen socket's pre-bind hook. With freeBind the
// socket may bind an address this host does not hold yet (IP_FREEBIND): a
// standby listening on a keepalived virtual IP receives from the moment the
// address arrives, without a restart or a race with the notify script.
func bindControl(freeBind bool) func(network, address string, c syscall.RawConn) error {
	if !freeBind {
		return nil
	}
	return func(network, address string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			level, opt := unix.SOL_IP, unix.IP_FREEBIND
			if network == "udp6" || network == "tcp6" {
				level, opt = unix.SOL_IPV6, unix.IPV6_FREEBIND
			}
			serr = unix.SetsockoptInt(int(fd), level, opt, 1)
		})
		if err == nil {
			err = serr
		}
		if err != nil {
			return fmt.Errorf("IP_FREEBIND on %s: %w", address, err)
		}
		return nil
	}
}
