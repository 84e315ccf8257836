package source

import (
	"fmt"
	"net"
	"testing"
	"time"
)

// TestMmsgReaderBatches: datagrams already queued come back from one read,
// each with its own bytes, length and sender; an oversize one is cut at the
// buffer size and so still recognisable.
func TestMmsgReaderBatches(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conn := pc.(*net.UDPConn)
	local := conn.LocalAddr()
	sock, err := detachUDP(conn, time.Second)
	if err != nil {
		pc.Close()
		t.Fatal(err)
	}
	defer sock.close()
	r := newMmsgReader(8, 17, 64)
	a := dialUDP(t, "127.0.0.1:0", local)
	b := dialUDP(t, "127.0.0.2:0", local)
	want := []string{"a0", "b1", "a2-longer", "b3", "a4", "this one is far too long", "a6", "b7", "a8", "b9"}
	from := []*net.UDPConn{a, b, a, b, a, b, a, b, a, b}
	for i, s := range want {
		if _, err := from[i].Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(20 * time.Millisecond) // all queued before the first read
	got := 0
	for _, batch := range []int{8, 2} {
		n, err := r.read(sock)
		if err != nil {
			t.Fatal(err)
		}
		if n != batch {
			t.Fatalf("read returned %d datagrams, want %d", n, batch)
		}
		for i := range n {
			data, addr, _ := r.message(i)
			w := want[got]
			if len(w) > 17 {
				w = w[:17]
			}
			if string(data) != w {
				t.Errorf("datagram %d: %q, want %q", got, data, w)
			}
			if sender := from[got].LocalAddr().String(); addr.String() != sender {
				t.Errorf("datagram %d from %s, want %s", got, addr, sender)
			}
			got++
		}
	}
	// The next read waits for the socket and sees the new datagram.
	go func() {
		time.Sleep(20 * time.Millisecond)
		fmt.Fprint(a, "late")
	}()
	if n, err := r.read(sock); err != nil || n != 1 {
		t.Fatalf("waiting read: %d, %v", n, err)
	}
	if data, _, _ := r.message(0); string(data) != "late" {
		t.Fatalf("waiting read got %q", data)
	}
	// A read on a quiet socket returns nothing once its timeout passes.
	if err := sock.waitAtMost(30 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if n, err := r.read(sock); err != nil || n != 0 {
		t.Fatalf("read of a quiet socket: %d, %v", n, err)
	}
	if waited := time.Since(start); waited < 25*time.Millisecond {
		t.Fatalf("the read of a quiet socket returned after %v, before its 30 ms timeout", waited)
	}
}
