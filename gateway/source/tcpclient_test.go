package source

import (
	"bufio"
	"net"
	"slices"
	"strings"
	"testing"
	"time"
)

// device is a test TCP server standing in for a console or terminal server.
type device struct {
	t     *testing.T
	ln    net.Listener
	addr  string
	conns chan net.Conn
}

func newDevice(t *testing.T, addr string) *device {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	d := &device{t: t, ln: ln, addr: ln.Addr().String(), conns: make(chan net.Conn, 16)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			d.conns <- c
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return d
}

func (d *device) accept() net.Conn {
	d.t.Helper()
	select {
	case c := <-d.conns:
		d.t.Cleanup(func() { c.Close() })
		return c
	case <-time.After(10 * time.Second):
		d.t.Fatal("source never connected")
		return nil
	}
}

func startClient(t *testing.T, cfg Config) (Source, *recorder) {
	t.Helper()
	cfg.Type, cfg.Name = TypeTCPClient, "console-tcp"
	cfg.Backoff = fastBackoff
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := newRecorder()
	start(t, src, r)
	return src, r
}

// TestTCPClientPeerRestart: the device drops mid-frame and restarts on the
// same port; the half-written frame is dropped and counted, the rest flows,
// Seq continues and Peer is the configured address.
func TestTCPClientPeerRestart(t *testing.T) {
	d := newDevice(t, "127.0.0.1:0")
	_, r := startClient(t, Config{Address: d.addr})
	c := d.accept()
	c.Write([]byte("one\r\ntwo\nthr"))
	eventually(t, "two frames", func() bool { return len(r.data()) == 2 })
	c.Close()
	d.ln.Close()
	eventually(t, "down", func() bool {
		_, ev := r.snapshot()
		return len(ev) == 2
	})

	d2 := newDevice(t, d.addr) // restarted on the same port
	c2 := d2.accept()
	c2.Write([]byte("four\n"))
	eventually(t, "frame after restart", func() bool { return len(r.data()) == 3 })
	fs, ev := r.snapshot()
	checkSeq(t, fs, "console-tcp")
	if got := r.data(); !slices.Equal(got, []string{"one", "two", "four"}) {
		t.Fatalf("frames %q", got)
	}
	for _, f := range fs {
		if f.Peer != d.addr {
			t.Fatalf("Peer %q, want %q", f.Peer, d.addr)
		}
	}
	if r.count("truncated") != 1 || r.count("reconnect") < 1 {
		t.Fatalf("counts %v", r.counts)
	}
	if ev[0] != "up "+d.addr || !strings.HasPrefix(ev[1], "down "+d.addr) || ev[2] != "up "+d.addr {
		t.Fatalf("events %q", ev)
	}
}

func TestTCPClientKeepaliveAndSend(t *testing.T) {
	d := newDevice(t, "127.0.0.1:0")
	src, r := startClient(t, Config{Address: d.addr, Keepalive: "PING\r\n", KeepaliveEvery: 10 * time.Millisecond})
	c := d.accept()
	eventually(t, "up", func() bool { return r.ups() == 1 })
	if err := src.(Sender).SendTo(d.addr, []byte("POLL\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := src.(Sender).SendTo("10.9.9.9:1", []byte("x")); err == nil {
		t.Fatal("SendTo another peer succeeded")
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	pings, polls := 0, 0
	for pings < 3 || polls < 1 {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("after %d pings %d polls: %v", pings, polls, err)
		}
		switch line {
		case "PING\r\n":
			pings++
		case "POLL\r\n":
			polls++
		default:
			t.Fatalf("device got %q: keepalive and send interleaved", line)
		}
	}
}

// TestTCPClientSilentPeer: a peer that accepts and then says nothing (a
// wedged terminal server) is dropped after ReadTimeout and redialled.
func TestTCPClientSilentPeer(t *testing.T) {
	d := newDevice(t, "127.0.0.1:0")
	_, r := startClient(t, Config{Address: d.addr, ReadTimeout: 50 * time.Millisecond})
	d.accept()
	d.accept() // the redial
	eventually(t, "read timeout counted", func() bool { return r.count("read_timeout") >= 1 })
	_, ev := r.snapshot()
	if !strings.Contains(ev[1], "silent") {
		t.Fatalf("down event %q does not say the peer went silent", ev[1])
	}
}

func TestTCPClientRefusedAtStart(t *testing.T) {
	d := newDevice(t, "127.0.0.1:0")
	addr := d.addr
	d.ln.Close()
	src, r := startClient(t, Config{Address: addr})
	eventually(t, "retrying", func() bool { return r.count("reconnect") >= 2 })
	if err := src.(Sender).SendTo("", []byte("x")); err == nil {
		t.Fatal("SendTo while disconnected succeeded")
	}
	d2 := newDevice(t, addr)
	d2.accept().Write([]byte("late\n"))
	eventually(t, "frame", func() bool { return slices.Equal(r.data(), []string{"late"}) })
}
