package source

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"
)

func startUDP(t *testing.T, cfg Config) (*udpSource, *recorder) {
	t.Helper()
	cfg.Type, cfg.Name = TypeUDP, "avl-udp"
	return startBound[*udpSource](t, cfg)
}

func dialUDP(t *testing.T, local string, to net.Addr) *net.UDPConn {
	t.Helper()
	var la *net.UDPAddr
	if local != "" {
		la = net.UDPAddrFromAddrPort(mustAddrPort(t, local))
	}
	c, err := net.DialUDP("udp", la, to.(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestUDPDatagramsPeersAndReply(t *testing.T) {
	u, r := startUDP(t, Config{})
	c := dialUDP(t, "", u.Addr())
	for i := range 3 {
		fmt.Fprintf(c, "lrrp-%d", i)
	}
	eventually(t, "3 datagrams", func() bool { return len(r.data()) == 3 })
	fs, _ := r.snapshot()
	checkSeq(t, fs, "avl-udp")
	if got := r.data(); !slices.Equal(got, []string{"lrrp-0", "lrrp-1", "lrrp-2"}) {
		t.Fatalf("frames %q", got)
	}
	peer := c.LocalAddr().String()
	if fs[0].Peer != peer {
		t.Fatalf("Peer %q, want the sender %q", fs[0].Peer, peer)
	}

	// The reply leaves from the bound socket, so the radio sees the port it reports to.
	if err := u.SendTo(fs[0].Peer, []byte("request")); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 64)
	n, from, err := c.ReadFromUDP(buf)
	if err != nil {
		t.Fatal(err)
	}
	if string(buf[:n]) != "request" || from.String() != u.Addr().String() {
		t.Fatalf("reply %q from %s, want %q from %s", buf[:n], from, "request", u.Addr())
	}
	if err := u.SendTo("not-an-address", nil); err == nil {
		t.Fatal("SendTo accepted a malformed peer")
	}
}

func TestUDPAllowListAndOversize(t *testing.T) {
	u, r := startUDP(t, Config{Allow: []string{"127.0.0.2/32"}, MaxFrame: 16})
	outsider := dialUDP(t, "127.0.0.1:0", u.Addr())
	radio := dialUDP(t, "127.0.0.2:0", u.Addr())
	outsider.Write([]byte("spoofed"))
	radio.Write([]byte(strings.Repeat("x", 17)))
	radio.Write([]byte(strings.Repeat("y", 16)))
	eventually(t, "the allowed datagram", func() bool { return len(r.data()) == 1 })
	eventually(t, "denied and oversize counted", func() bool { return r.count("denied") == 1 && r.count("oversize") == 1 })
	if got := r.data()[0]; got != strings.Repeat("y", 16) {
		t.Fatalf("frame %q", got)
	}
	// Replies go only where the allow list would listen.
	if err := u.SendTo(outsider.LocalAddr().String(), []byte("x")); !errors.Is(err, ErrDenied) {
		t.Fatalf("SendTo outside the allow list: %v, want ErrDenied", err)
	}
	if err := u.SendTo(radio.LocalAddr().String(), []byte("x")); err != nil {
		t.Fatalf("SendTo an allowed peer: %v", err)
	}
}

// TestUDPPeerRestart: a radio that restarts comes back from a new port; its
// frames keep flowing and Seq keeps counting.
func TestUDPPeerRestart(t *testing.T) {
	u, r := startUDP(t, Config{})
	first := dialUDP(t, "", u.Addr())
	first.Write([]byte("before"))
	eventually(t, "first frame", func() bool { return len(r.data()) == 1 })
	first.Close()
	second := dialUDP(t, "", u.Addr())
	second.Write([]byte("after"))
	eventually(t, "second frame", func() bool { return len(r.data()) == 2 })
	fs, _ := r.snapshot()
	checkSeq(t, fs, "avl-udp")
	if fs[0].Peer == fs[1].Peer || fs[1].Peer != second.LocalAddr().String() {
		t.Fatalf("peers %q then %q", fs[0].Peer, fs[1].Peer)
	}
}

// TestUDPPortTakenRetries: a bind failure is a down source that keeps
// retrying, not a dead daemon.
func TestUDPPortTakenRetries(t *testing.T) {
	hog, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := hog.LocalAddr().String()
	src, err := New(Config{Type: TypeUDP, Name: "u", Listen: addr, Backoff: fastBackoff})
	if err != nil {
		t.Fatal(err)
	}
	r := newRecorder()
	start(t, src, r)
	eventually(t, "retrying", func() bool { return r.count("reconnect") >= 2 })
	hog.Close()
	eventually(t, "bound after the port freed", func() bool { return r.ups() == 1 })
	c := dialUDP(t, "", src.(*udpSource).Addr())
	c.Write([]byte("hi"))
	eventually(t, "frame", func() bool { return slices.Equal(r.data(), []string{"hi"}) })
}
