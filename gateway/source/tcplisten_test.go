package source

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func startListener(t *testing.T, cfg Config) (*tcpListener, *recorder) {
	t.Helper()
	cfg.Type, cfg.Name = TypeTCPListen, "modems"
	return startBound[*tcpListener](t, cfg)
}

func dialTCP(t testing.TB, addr net.Addr) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func framesFrom(r *recorder, peer string) []string {
	fs, _ := r.snapshot()
	var out []string
	for _, f := range fs {
		if f.Peer == peer {
			out = append(out, string(f.Data))
		}
	}
	return out
}

// TestTCPListenerPerConnectionFraming: two modems interleave half frames;
// each connection keeps its own framing state and Peer.
func TestTCPListenerPerConnectionFraming(t *testing.T) {
	l, r := startListener(t, Config{})
	a, b := dialTCP(t, l.Addr()), dialTCP(t, l.Addr())
	a.Write([]byte("A1\r\nA"))
	b.Write([]byte("B"))
	time.Sleep(20 * time.Millisecond)
	b.Write([]byte("1\n"))
	a.Write([]byte("2\n"))
	eventually(t, "3 frames", func() bool { return len(r.data()) == 3 })
	fs, _ := r.snapshot()
	checkSeq(t, fs, "modems")
	if got := framesFrom(r, a.LocalAddr().String()); !slices.Equal(got, []string{"A1", "A2"}) {
		t.Fatalf("from a: %q", got)
	}
	if got := framesFrom(r, b.LocalAddr().String()); !slices.Equal(got, []string{"B1"}) {
		t.Fatalf("from b: %q", got)
	}

	// Answer one modem by its Peer.
	if err := l.SendTo(b.LocalAddr().String(), []byte("ACK\n")); err != nil {
		t.Fatal(err)
	}
	b.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 8)
	if n, err := b.Read(buf); err != nil || string(buf[:n]) != "ACK\n" {
		t.Fatalf("modem read %q, %v", buf[:n], err)
	}
	if err := l.SendTo("127.0.0.1:1", []byte("x")); err == nil {
		t.Fatal("SendTo an unknown peer succeeded")
	}

	// A half-written frame at disconnect is counted, never emitted.
	a.Write([]byte("A3-half"))
	a.Close()
	eventually(t, "down for a", func() bool {
		_, ev := r.snapshot()
		return slices.ContainsFunc(ev, func(e string) bool { return strings.HasPrefix(e, "down "+a.LocalAddr().String()) })
	})
	if r.count("truncated") != 1 || len(r.data()) != 3 {
		t.Fatalf("half frame: counts %v frames %q", r.counts, r.data())
	}
}

func TestTCPListenerMaxConnsAndAllow(t *testing.T) {
	l, r := startListener(t, Config{MaxConns: 2, Listen: "127.0.0.1:0", Allow: []string{"127.0.0.1"}})
	a, b := dialTCP(t, l.Addr()), dialTCP(t, l.Addr())
	a.Write([]byte("a\n"))
	b.Write([]byte("b\n"))
	eventually(t, "two served", func() bool { return len(r.data()) == 2 })
	extra := dialTCP(t, l.Addr())
	extra.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := extra.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("third connection read %v, want EOF (closed at once)", err)
	}
	eventually(t, "rejection counted", func() bool { return r.count("conn_rejected") == 1 })

	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.3")}}
	stranger, err := d.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer stranger.Close()
	eventually(t, "denied counted", func() bool { return r.count("denied") == 1 })
}

func TestTCPListenerIdleClose(t *testing.T) {
	l, r := startListener(t, Config{IdleTimeout: 50 * time.Millisecond})
	c := dialTCP(t, l.Addr())
	c.Write([]byte("hello\n"))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("idle connection read %v, want EOF", err)
	}
	eventually(t, "idle_close", func() bool { return r.count("idle_close") == 1 })
	if got := r.data(); !slices.Equal(got, []string{"hello"}) {
		t.Fatalf("frames %q", got)
	}
}

// TestTCPListenerRandomMegabyte: a modem spews 1 MiB of noise, then speaks
// properly: every valid frame after the noise arrives, none over MaxFrame.
func TestTCPListenerRandomMegabyte(t *testing.T) {
	for _, framing := range []string{FramingLine, FramingSTXETX, FramingTAIP} {
		t.Run(framing, func(t *testing.T) {
			l, r := startListener(t, Config{Framing: framing, MaxFrame: 100})
			noise := make([]byte, 1<<20)
			rand.NewChaCha8([32]byte{7, 8}).Read(noise)
			var in bytes.Buffer
			in.Write(noise)
			var want []string
			for i := range 100 {
				f := fmt.Sprintf("RPV%05d+3739438-1220384601512612;ID=%04d", i, i)
				want = append(want, f)
				switch framing {
				case FramingLine:
					if i == 0 {
						in.WriteString("\n")
					}
					in.WriteString(f + "\r\n")
				case FramingSTXETX:
					in.WriteString("\x02" + f + "\x03")
				case FramingTAIP:
					in.WriteString(">" + f + "<")
				}
			}
			c := dialTCP(t, l.Addr())
			if _, err := c.Write(in.Bytes()); err != nil {
				t.Fatal(err)
			}
			eventually(t, "the valid frames", func() bool {
				got := r.data()
				return len(got) >= len(want) && slices.Equal(got[len(got)-len(want):], want)
			})
			for _, f := range r.data() {
				if len(f) > 100 {
					t.Fatalf("frame of %d bytes", len(f))
				}
			}
		})
	}
}

func openFDs(t testing.TB) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// TestTCPListener10kConnections opens and drops 10,000 connections (half
// with a reset, half with a FIN, some mid-frame) and checks the listener
// gives back every goroutine and fd.
func TestTCPListener10kConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("10k connections")
	}
	l, r := startListener(t, Config{MaxConns: 10000, IdleTimeout: 10 * time.Second})
	// Baseline once the listener runs, so only per-connection leaks count.
	time.Sleep(20 * time.Millisecond)
	baseG, baseFD := runtime.NumGoroutine(), openFDs(t)

	const total, workers = 10000, 8
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < total; i += workers {
				c, err := net.Dial("tcp", l.Addr().String())
				if err != nil {
					t.Errorf("dial %d: %v", i, err)
					return
				}
				if i%3 == 0 {
					c.Write([]byte("$GPRMC,half"))
				}
				if i%2 == 0 {
					c.(*net.TCPConn).SetLinger(0) // RST, and no TIME_WAIT piling up
				}
				c.Close()
			}
		})
	}
	wg.Wait()
	// A dial completes in the kernel before the listener accepts it, so the
	// last connections may still be in the accept queue here: wait for every
	// one to have come up and gone down.
	eventually(t, "every connection up and down once", func() bool {
		_, ev := r.snapshot()
		ups := r.ups()
		return ups == total+1 && len(ev)-ups == total // + the listener's own up
	})
	eventually(t, "no connection left registered", func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return len(l.conns) == 0
	})
	eventually(t, "goroutines and fds back to baseline", func() bool {
		return runtime.NumGoroutine() <= baseG && openFDs(t) <= baseFD
	})
}
