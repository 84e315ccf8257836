// Package sdtest stands in for systemd's notification socket in tests: it
// listens on a unixgram socket, hands its path out for NOTIFY_SOCKET and
// records every datagram the service sends.
package sdtest

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Socket is a fake NOTIFY_SOCKET.
type Socket struct {
	Path string

	conn *net.UnixConn
	mu   sync.Mutex
	msgs []Message
	more chan struct{} // closed and replaced on every message
}

// Message is one datagram and when it arrived.
type Message struct {
	State string // e.g. "READY=1" or "RELOADING=1\nMONOTONIC_USEC=123"
	At    time.Time
}

// Has reports whether the datagram carries the assignment kv (e.g. "READY=1").
func (m Message) Has(kv string) bool {
	for _, line := range strings.Split(m.State, "\n") {
		if line == kv {
			return true
		}
	}
	return false
}

// Field returns the value of key in the datagram, if present.
func (m Message) Field(key string) (string, bool) {
	for _, line := range strings.Split(m.State, "\n") {
		if v, ok := strings.CutPrefix(line, key+"="); ok {
			return v, true
		}
	}
	return "", false
}

// Listen opens the socket in a short temporary directory (socket paths are
// limited to 108 bytes) and closes it when the test ends.
func Listen(t testing.TB) *Socket {
	t.Helper()
	dir, err := os.MkdirTemp("", "sd")
	if err != nil {
		t.Fatal(err)
	}
	s := &Socket{Path: filepath.Join(dir, "notify"), more: make(chan struct{})}
	s.conn, err = net.ListenUnixgram("unixgram", &net.UnixAddr{Name: s.Path, Net: "unixgram"})
	if err != nil {
		os.RemoveAll(dir)
		t.Fatalf("listen on notify socket: %v", err)
	}
	done := make(chan struct{})
	go s.read(done)
	t.Cleanup(func() {
		s.conn.Close()
		<-done
		os.RemoveAll(dir)
	})
	return s
}

func (s *Socket) read(done chan<- struct{}) {
	defer close(done)
	buf := make([]byte, 4096)
	for {
		n, err := s.conn.Read(buf)
		if err != nil {
			return
		}
		s.mu.Lock()
		s.msgs = append(s.msgs, Message{State: string(buf[:n]), At: time.Now()})
		close(s.more)
		s.more = make(chan struct{})
		s.mu.Unlock()
	}
}

// Env is the environment a service needs to notify this socket.
func (s *Socket) Env() []string { return []string{"NOTIFY_SOCKET=" + s.Path} }

// Messages returns everything received so far.
func (s *Socket) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// WaitFrom waits for the first message at index from or later that carries
// kv, and returns it with its index. It fails the test after within.
func (s *Socket) WaitFrom(t testing.TB, from int, kv string, within time.Duration) (Message, int) {
	t.Helper()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		for i := from; i < len(s.msgs); i++ {
			if s.msgs[i].Has(kv) {
				m := s.msgs[i]
				s.mu.Unlock()
				return m, i
			}
		}
		more := s.more
		s.mu.Unlock()
		select {
		case <-more:
		case <-deadline.C:
			t.Fatalf("no %q on the notify socket within %s (after message %d); received: %q", kv, within, from, s.states())
			return Message{}, -1
		}
	}
}

// Count is how many messages since index from carry kv.
func (s *Socket) Count(from int, kv string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for i := from; i < len(s.msgs); i++ {
		if s.msgs[i].Has(kv) {
			n++
		}
	}
	return n
}

// Len is the number of messages received so far.
func (s *Socket) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

func (s *Socket) states() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.msgs))
	for i, m := range s.msgs {
		out[i] = m.State
	}
	return out
}
