package source

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"radiogw/gateway/frame"
)

// TestUDPManyPeers: datagrams from many senders on several addresses,
// read in batches, each arrive intact, in order per sender, attributed to
// the sender that sent them, and all frames of one sender share one Peer
// string (the cache, not a fresh format per datagram).
func TestUDPManyPeers(t *testing.T) {
	u, r := startUDP(t, Config{})
	const perIP, rounds = 20, 50
	var senders []*net.UDPConn
	for _, ip := range []string{"127.0.0.1", "127.0.0.2", "127.0.0.3"} {
		for range perIP {
			senders = append(senders, dialUDP(t, ip+":0", u.Addr()))
		}
	}
	for i := range rounds {
		for k, c := range senders {
			if _, err := fmt.Fprintf(c, "%d:%d:%s", k, i, strings.Repeat("x", k%7)); err != nil {
				t.Fatal(err)
			}
		}
	}
	total := len(senders) * rounds
	eventually(t, "every datagram", func() bool { return len(r.data()) == total })
	fs, _ := r.snapshot()
	checkSeq(t, fs, "avl-udp")
	next := make([]int, len(senders))
	peerData := map[int]*byte{}
	for _, f := range fs {
		parts := strings.SplitN(string(f.Data), ":", 3)
		if len(parts) != 3 {
			t.Fatalf("mangled datagram %q", f.Data)
		}
		k, _ := strconv.Atoi(parts[0])
		i, _ := strconv.Atoi(parts[1])
		if want := strings.Repeat("x", k%7); parts[2] != want {
			t.Fatalf("datagram %q: payload %q, want %q", f.Data, parts[2], want)
		}
		if want := senders[k].LocalAddr().String(); f.Peer != want {
			t.Fatalf("datagram %q from %s attributed to %q", f.Data, want, f.Peer)
		}
		if i != next[k] {
			t.Fatalf("sender %d: datagram %d arrived when %d was due", k, i, next[k])
		}
		next[k]++
		p := unsafe.StringData(f.Peer)
		if first, ok := peerData[k]; ok && first != p {
			t.Fatalf("sender %d: Peer string formatted again for datagram %d", k, i)
		}
		peerData[k] = p
	}
	if n := r.count(DiscardKernelDrop); n != 0 {
		t.Fatalf("%d kernel drops counted on a quiet socket", n)
	}
}

// TestUDPDualStackPeers: on a socket bound to every address, IPv4 senders
// arrive as IPv4-mapped IPv6 sockaddrs and are shown as plain IPv4; IPv6
// senders keep their brackets.
func TestUDPDualStackPeers(t *testing.T) {
	u, r := startUDP(t, Config{Listen: "[::]:0"})
	port := u.Addr().(*net.UDPAddr).Port
	v4 := dialUDP(t, "127.0.0.1:0", net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))))
	v6 := dialUDP(t, "[::1]:0", net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.IPv6Loopback(), uint16(port))))
	v4.Write([]byte("four"))
	eventually(t, "the IPv4 datagram", func() bool { return len(r.data()) == 1 })
	v6.Write([]byte("six"))
	eventually(t, "the IPv6 datagram", func() bool { return len(r.data()) == 2 })
	fs, _ := r.snapshot()
	if fs[0].Peer != v4.LocalAddr().String() || !strings.HasPrefix(fs[0].Peer, "127.0.0.1:") {
		t.Errorf("IPv4 sender shown as %q, want %q", fs[0].Peer, v4.LocalAddr())
	}
	if fs[1].Peer != v6.LocalAddr().String() || !strings.HasPrefix(fs[1].Peer, "[::1]:") {
		t.Errorf("IPv6 sender shown as %q, want %q", fs[1].Peer, v6.LocalAddr())
	}
	// Replies (a CalAmp ack, an LRRP request) leave the dual-stack socket
	// for either family, from the port the radio reports to.
	for i, c := range []*net.UDPConn{v4, v6} {
		if err := u.SendTo(fs[i].Peer, []byte("ack-"+fs[i].Peer)); err != nil {
			t.Fatalf("reply to %s: %v", fs[i].Peer, err)
		}
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		buf := make([]byte, 64)
		n, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			t.Fatalf("no reply at %s: %v", fs[i].Peer, err)
		}
		if string(buf[:n]) != "ack-"+fs[i].Peer || from.Port() != uint16(port) {
			t.Fatalf("%s got %q from %s, want its ack from port %d", fs[i].Peer, buf[:n], from, port)
		}
	}
}

// A reply to an IPv6 peer from an IPv4 socket is refused with an error.
func TestUDPReplyAcrossFamiliesRefused(t *testing.T) {
	u, _ := startUDP(t, Config{Listen: "127.0.0.1:0"})
	if err := u.SendTo("[::1]:9", []byte("x")); err == nil {
		t.Fatal("an IPv4 socket sent to an IPv6 peer")
	}
}

// TestUDPKernelDropsCounted stalls the pipeline so the socket buffer fills
// and the kernel drops datagrams; every datagram sent must then be either
// a frame or a kernel_drop count, read from the per-datagram SO_RXQ_OVFL
// control message of the batch reader.
func TestUDPKernelDropsCounted(t *testing.T) {
	src, err := New(Config{Type: TypeUDP, Name: "u", Listen: "127.0.0.1:0", MaxFrame: 2048, Backoff: fastBackoff})
	if err != nil {
		t.Fatal(err)
	}
	var frames, drops atomic.Int64
	gate := make(chan struct{})
	var once sync.Once
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		src.Run(ctx, Hooks{
			Emit: func(frame.Frame) {
				once.Do(func() { <-gate }) // the first frame holds the reader
				frames.Add(1)
			},
			Count: func(what string) {
				if what == DiscardKernelDrop {
					drops.Add(1)
				}
			},
		})
	}()
	defer func() { cancel(); <-done }()
	u := src.(*udpSource)
	eventually(t, "bound", func() bool { return u.Addr() != nil })
	c := dialUDP(t, "", u.Addr())

	payload := []byte(strings.Repeat("p", 1400))
	sent := 0
	send := func() {
		if _, err := c.Write(payload); err != nil {
			t.Fatal(err)
		}
		sent++
	}
	send()
	time.Sleep(50 * time.Millisecond) // the reader takes it and blocks in Emit
	// 8 MiB of socket buffer (at most twice net.core.rmem_max) holds a few
	// thousand of these; send well past that.
	for range 20000 {
		send()
	}
	close(gate)
	// The drop counter reaches us on the next datagram the kernel queues.
	eventually(t, "the backlog read", func() bool {
		send()
		time.Sleep(10 * time.Millisecond)
		return drops.Load() > 0 && frames.Load()+drops.Load() == int64(sent)
	})
	if f, d := frames.Load(), drops.Load(); f+d != int64(sent) || d == 0 {
		t.Fatalf("sent %d: %d frames + %d kernel drops", sent, f, d)
	}
	t.Logf("sent %d: %d frames, %d kernel drops", sent, frames.Load(), drops.Load())
}

func TestPeerNamesBounded(t *testing.T) {
	p := newPeerNames(8)
	for round := range 3 {
		for i := range 20 {
			ap := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(round), byte(i)}), uint16(5000+i))
			if got, want := p.name(ap), ap.String(); got != want {
				t.Fatalf("%v named %q, want %q", ap, got, want)
			}
			if len(p.names) > 8 {
				t.Fatalf("cache holds %d names, bound is 8", len(p.names))
			}
		}
	}
	mapped := netip.AddrPortFrom(netip.MustParseAddr("::ffff:192.0.2.7"), 4001)
	if got := p.name(mapped); got != "192.0.2.7:4001" {
		t.Fatalf("IPv4-mapped sender named %q", got)
	}
	if a, b := p.name(mapped), p.name(mapped); unsafe.StringData(a) != unsafe.StringData(b) {
		t.Fatal("a cached sender's name was formatted again")
	}
}
