package mqtt

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingConn counts the writes that reach the network and can hold them
// until released, as a slow peer or a busy kernel would.
type countingConn struct {
	net.Conn
	writes atomic.Int64
	hold   chan struct{} // when non-nil, every write waits for a receive
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	if c.hold != nil {
		<-c.hold
	}
	return c.Conn.Write(p)
}

// tcpPair is a connected loopback TCP pair.
func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// Packets written while a flush is in the kernel go out together in the next
// one, in order and complete.
func TestBatchConnGroupsWritesWhileFlushing(t *testing.T) {
	c, srv := tcpPair(t)
	cc := &countingConn{Conn: c, hold: make(chan struct{})}
	b := newBatchConn(cc, time.Second)
	defer b.Close()

	var want bytes.Buffer
	write := func(i int) {
		p := bytes.Repeat([]byte{byte('a' + i%26)}, 10+i%50)
		want.Write(p)
		if n, err := b.Write(p); err != nil || n != len(p) {
			t.Fatalf("write %d: %d, %v", i, n, err)
		}
	}
	write(0)
	waitFor(t, 5*time.Second, "the first packet's flush to start", func() bool { return cc.writes.Load() == 1 })
	for i := 1; i < 1000; i++ { // all of these wait behind the first flush
		write(i)
	}
	close(cc.hold)

	got := make([]byte, want.Len())
	srv.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(srv, got); err != nil {
		t.Fatalf("read: %v", err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatal("bytes arrived changed or out of order")
	}
	if n := cc.writes.Load(); n != 2 {
		t.Fatalf("1000 packets took %d writes, want 2 (one for the first, one for the rest)", n)
	}
}

// A single packet on an idle connection goes out without waiting for more.
func TestBatchConnIdleWriteGoesOutAlone(t *testing.T) {
	c, srv := tcpPair(t)
	b := newBatchConn(c, time.Second)
	defer b.Close()
	if _, err := b.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 4)
	srv.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(srv, got); err != nil || string(got) != "ping" {
		t.Fatalf("read %q, %v", got, err)
	}
}

// Reads come through the buffer intact, whatever sizes the caller asks for.
func TestBatchConnReads(t *testing.T) {
	c, srv := tcpPair(t)
	b := newBatchConn(c, time.Second)
	defer b.Close()
	want := bytes.Repeat([]byte("\x40\x02\x00\x01"), 50000) // PUBACKs
	go srv.Write(want)
	got := make([]byte, len(want))
	for off := 0; off < len(got); {
		n, err := b.Read(got[off:min(off+3, len(got))])
		if err != nil {
			t.Fatalf("read at %d: %v", off, err)
		}
		off += n
	}
	if !bytes.Equal(got, want) {
		t.Fatal("read bytes differ")
	}
}

// When the peer is gone the flush fails: later writes return that error, a
// pending read returns, and Close does not hang.
func TestBatchConnPeerGone(t *testing.T) {
	c, srv := tcpPair(t)
	b := newBatchConn(c, time.Second)
	readErr := make(chan error, 1)
	go func() {
		_, err := b.Read(make([]byte, 10))
		readErr <- err
	}()
	srv.(*net.TCPConn).SetLinger(0) // a reset, as from a killed broker
	srv.Close()
	var err error
	deadline := time.Now().Add(10 * time.Second)
	for err == nil && time.Now().Before(deadline) {
		_, err = b.Write(make([]byte, 4096))
		time.Sleep(time.Millisecond)
	}
	if err == nil {
		t.Fatal("writes to a reset connection kept succeeding")
	}
	select {
	case rerr := <-readErr:
		if rerr == nil {
			t.Fatal("read on a dead connection returned no error")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a pending read did not return after the connection failed")
	}
	closed := make(chan struct{})
	go func() { b.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hung on a failed connection")
	}
	if _, err := b.Write([]byte("x")); err == nil {
		t.Fatal("write after Close succeeded")
	}
}

// A peer that stops reading fills the queue: Write blocks at the bound and
// returns a deadline error at the write deadline; Close then returns within
// its grace and unblocks the reader.
func TestBatchConnBoundedQueue(t *testing.T) {
	c, srv := net.Pipe() // unbuffered: nothing is written until the peer reads
	defer srv.Close()
	b := newBatchConn(c, time.Minute)
	b.maxPending = 1024
	b.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
	var err error
	written := 0
	for i := 0; i < 100 && err == nil; i++ {
		var n int
		n, err = b.Write(make([]byte, 100))
		written += n
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("write into a full queue: %v, want a deadline error", err)
	}
	if written > 2*1024 { // the flush in progress holds at most one queue's worth
		t.Fatalf("%d bytes accepted with a 1 KiB bound", written)
	}

	var wg sync.WaitGroup
	wg.Add(2)
	blocked := make(chan error, 2)
	b.SetWriteDeadline(time.Time{})
	go func() { defer wg.Done(); _, err := b.Write(make([]byte, 1000)); blocked <- err }()
	go func() { defer wg.Done(); _, err := b.Read(make([]byte, 1)); blocked <- err }()
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	b.Close()
	if d := time.Since(start); d > closeGrace+2*time.Second {
		t.Fatalf("Close took %s with a peer that does not read", d)
	}
	wg.Wait()
	for range 2 {
		if err := <-blocked; err == nil {
			t.Fatal("a blocked call returned no error after Close")
		}
	}
}

// Close sends what is still queued (paho closes right after queueing a
// DISCONNECT) before closing.
func TestBatchConnCloseFlushes(t *testing.T) {
	c, srv := tcpPair(t)
	cc := &countingConn{Conn: c, hold: make(chan struct{})}
	b := newBatchConn(cc, time.Second)
	b.Write([]byte("first"))
	waitFor(t, 5*time.Second, "flush started", func() bool { return cc.writes.Load() == 1 })
	b.Write([]byte("+disconnect"))
	go func() { time.Sleep(20 * time.Millisecond); close(cc.hold) }()
	b.Close()
	srv.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(srv)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "first+disconnect" {
		t.Fatalf("peer got %q", got)
	}
}

// BenchmarkBatchConnWrite is the per-packet cost paho pays for a publish.
func BenchmarkBatchConnWrite(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			io.Copy(io.Discard, c)
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	bc := newBatchConn(c, 10*time.Second)
	defer bc.Close()
	p := make([]byte, 530) // a unit state publish
	b.ReportAllocs()
	b.SetBytes(int64(len(p)))
	start := benchCPUTime()
	for b.Loop() {
		if _, err := bc.Write(p); err != nil {
			b.Fatal(err)
		}
	}
	benchReportCPU(b, start)
}
