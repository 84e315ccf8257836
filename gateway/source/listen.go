package source

import (
	"context"
	"net"
)

// ListenTCP opens a TCP listener for sources that serve a protocol of their
// own (the runtime's http source), with the same bind rule as the built-in
// listeners: freeBind lets a member of an active/standby pair bind the
// virtual IP before keepalived moves it here.
func ListenTCP(ctx context.Context, addr string, freeBind bool) (net.Listener, error) {
	lc := net.ListenConfig{Control: bindControl(freeBind)}
	return lc.Listen(ctx, "tcp", addr)
}
