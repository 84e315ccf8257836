package netguard

import (
	"io"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"
)

type events struct {
	mu sync.Mutex
	n  map[string]int
}

func (e *events) add(ev string) { e.mu.Lock(); e.n[ev]++; e.mu.Unlock() }
func (e *events) get(ev string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.n[ev]
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func listen(t *testing.T, lim Limits) (*Listener, *events, chan net.Conn) {
	t.Helper()
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ev := &events{n: map[string]int{}}
	l := Wrap(raw, "test", lim, ev.add, quiet())
	t.Cleanup(func() { l.Close() })
	accepted := make(chan net.Conn, 100)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	return l, ev, accepted
}

func dialFrom(t *testing.T, src, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedByServer reports whether the server closed c within a moment.
func closedByServer(c net.Conn) bool {
	c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	_, err := c.Read(make([]byte, 1))
	return err == io.EOF
}

func TestCapsPerAddressAndEviction(t *testing.T) {
	l, ev, accepted := listen(t, Limits{MaxConns: 3, MaxPerAddr: 2})
	addr := l.Addr().String()
	a1, a2 := dialFrom(t, "127.0.0.1", addr), dialFrom(t, "127.0.0.1", addr)
	first := <-accepted
	<-accepted
	if c := dialFrom(t, "127.0.0.1", addr); !closedByServer(c) {
		t.Error("a third connection from one address was admitted past max_conns_per_addr = 2")
	}
	if ev.get(EventRefusedAddr) != 1 {
		t.Errorf("refused_per_addr = %d, want 1", ev.get(EventRefusedAddr))
	}
	// One established, so only the other of 127.0.0.1's is evictable.
	SetPending(first, false)
	dialFrom(t, "127.0.0.2", addr)
	<-accepted
	if l.Open() != 3 {
		t.Fatalf("open = %d, want 3", l.Open())
	}
	// At the cap: the oldest pending connection (a2's) makes room.
	dialFrom(t, "127.0.0.3", addr)
	newest := <-accepted
	if !closedByServer(a2) || ev.get(EventEvicted) != 1 {
		t.Errorf("the oldest pending connection was not evicted (evicted_pending = %d)", ev.get(EventEvicted))
	}
	if closedByServer(a1) {
		t.Error("an established connection was evicted")
	}
	newest.Close()
	if l.Open() != 3 { // a2's slot stays taken until its owner closes it
		t.Logf("open after close: %d", l.Open())
	}
}

func TestRefusedWhenNothingPending(t *testing.T) {
	l, ev, accepted := listen(t, Limits{MaxConns: 1})
	addr := l.Addr().String()
	dialFrom(t, "127.0.0.1", addr)
	SetPending(<-accepted, false)
	if c := dialFrom(t, "127.0.0.2", addr); !closedByServer(c) || ev.get(EventRefusedMax) != 1 {
		t.Errorf("refused_max_conns = %d, want 1", ev.get(EventRefusedMax))
	}
}

// flaky returns EMFILE a few times before each real Accept.
type flaky struct {
	net.Listener
	mu    sync.Mutex
	fails int
}

func (f *flaky) Accept() (net.Conn, error) {
	f.mu.Lock()
	if f.fails > 0 {
		f.fails--
		f.mu.Unlock()
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: syscall.EMFILE}
	}
	f.mu.Unlock()
	return f.Listener.Accept()
}

func TestAcceptErrorsRetried(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ev := &events{n: map[string]int{}}
	l := Wrap(&flaky{Listener: raw, fails: 5}, "test", Limits{}, ev.add, quiet())
	defer l.Close()
	go func() {
		if c, err := net.Dial("tcp", raw.Addr().String()); err == nil {
			defer c.Close()
			time.Sleep(time.Second)
		}
	}()
	c, err := l.Accept()
	if err != nil {
		t.Fatalf("Accept gave up: %v", err)
	}
	c.Close()
	if ev.get(EventAcceptError) != 5 {
		t.Errorf("accept_error = %d, want 5", ev.get(EventAcceptError))
	}
	if !l.Accepting() {
		t.Error("not accepting after a successful Accept")
	}
	l.Close()
	if _, err := l.Accept(); err == nil {
		t.Error("Accept after Close succeeded")
	}
	if l.Accepting() {
		t.Error("accepting after Close")
	}
}

func TestHosts(t *testing.T) {
	h := NewHosts([]string{"WallMap.example.org."})
	for host, want := range map[string]bool{"127.0.0.1:8080": true, "[::1]:8080": true, "192.0.2.2": true,
		"localhost:8080": true, "wallmap.example.org:8080": true, "evil.example:8080": false,
		"wallmap.example.org.evil.example": false, "": true} {
		if got := h.Allowed(host); got != want {
			t.Errorf("Allowed(%q) = %v, want %v", host, got, want)
		}
	}
}
