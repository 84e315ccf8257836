//go:build !linux

package source

import (
	"context"
	"net"
)

// read is the one-datagram-per-call loop where recvmmsg does not exist.
func (s *udpSource) read(ctx context.Context, conn *net.UDPConn, h Hooks) error {
	return s.readEach(ctx, conn, h)
}
