package source

import (
	"context"
	"net"
	"testing"
)

// 192.0.2.77 (TEST-NET-1) is on no interface of any machine: a plain bind to
// it fails, a free bind succeeds, as a standby's bind to a virtual IP that
// keepalived has not moved to it yet must. Nothing is sent.
func TestFreeBindListensOnAnAbsentAddress(t *testing.T) {
	const absent = "192.0.2.77:0"
	if c, err := net.ListenPacket("udp", absent); err == nil {
		c.Close()
		t.Fatalf("plain bind to %s succeeded; this machine holds TEST-NET-1, the test proves nothing here", absent)
	}
	for _, network := range []string{"udp", "tcp"} {
		lc := net.ListenConfig{Control: bindControl(true)}
		var err error
		if network == "udp" {
			var c net.PacketConn
			if c, err = lc.ListenPacket(context.Background(), network, absent); err == nil {
				c.Close()
			}
		} else {
			var l net.Listener
			if l, err = lc.Listen(context.Background(), network, absent); err == nil {
				l.Close()
			}
		}
		if err != nil {
			t.Errorf("free bind %s %s: %v", network, absent, err)
		}
	}
}
