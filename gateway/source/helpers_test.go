package source

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"radiogw/gateway/frame"
)

// recorder captures everything a source reports through its hooks.
type recorder struct {
	mu     sync.Mutex
	frames []frame.Frame
	counts map[string]int
	events []string // "up peer" / "down peer err"

	batches      int  // Hooks.Batch calls
	inBatch      bool // a Batch call is delivering
	batchedEmits int  // frames emitted inside a Batch call
}

func newRecorder() *recorder { return &recorder{counts: map[string]int{}} }

func (r *recorder) hooks() Hooks {
	return Hooks{
		Emit: func(f frame.Frame) {
			r.mu.Lock()
			r.frames = append(r.frames, f)
			if r.inBatch {
				r.batchedEmits++
			}
			r.mu.Unlock()
		},
		Batch: func(deliver func()) {
			r.mu.Lock()
			r.batches++
			r.inBatch = true
			r.mu.Unlock()
			deliver()
			r.mu.Lock()
			r.inBatch = false
			r.mu.Unlock()
		},
		Up: func(peer string) {
			r.mu.Lock()
			r.events = append(r.events, "up "+peer)
			r.mu.Unlock()
		},
		Down: func(peer string, err error) {
			r.mu.Lock()
			r.events = append(r.events, fmt.Sprintf("down %s %v", peer, err))
			r.mu.Unlock()
		},
		Count: func(what string) {
			r.mu.Lock()
			r.counts[what]++
			r.mu.Unlock()
		},
	}
}

func (r *recorder) count(what string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[what]
}

func (r *recorder) snapshot() ([]frame.Frame, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.frames), slices.Clone(r.events)
}

func (r *recorder) data() []string {
	fs, _ := r.snapshot()
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = string(f.Data)
	}
	return out
}

func (r *recorder) ups() int {
	_, ev := r.snapshot()
	n := 0
	for _, e := range ev {
		if len(e) >= 2 && e[:2] == "up" {
			n++
		}
	}
	return n
}

// eventually polls cond for up to 10 s.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// start runs src in the background; the cleanup cancels it and requires Run
// to return nil promptly.
func start(t testing.TB, src Source, r *recorder) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, r.hooks()) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run returned %v after cancel", err)
				}
			case <-time.After(5 * time.Second):
				t.Errorf("Run did not return after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// checkSeq asserts Seq runs 1..n without gaps, as one source numbers frames.
func checkSeq(t testing.TB, fs []frame.Frame, name string) {
	t.Helper()
	for i, f := range fs {
		if f.Seq != uint64(i+1) {
			t.Fatalf("frame %d has Seq %d", i, f.Seq)
		}
		if f.Source != name {
			t.Fatalf("frame %d Source %q, want %q", i, f.Source, name)
		}
		if f.Received.IsZero() {
			t.Fatalf("frame %d has no Received time", i)
		}
	}
}

var fastBackoff = Backoff{Min: 5 * time.Millisecond, Max: 40 * time.Millisecond, ResetAfter: time.Second}

func mustAddrPort(t testing.TB, s string) netip.AddrPort {
	t.Helper()
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		t.Fatal(err)
	}
	return ap
}

// dataDir holds the real captures (read-only), beside the repository.
const dataDir = "../../testdata/captures"

// startBound starts a listening source on a free loopback port and waits
// until it has bound.
func startBound[S interface {
	Source
	Addr() net.Addr
}](t *testing.T, cfg Config) (S, *recorder) {
	t.Helper()
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	cfg.Backoff = fastBackoff
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := newRecorder()
	start(t, src, r)
	s := src.(S)
	eventually(t, cfg.Type+" bound", func() bool { return s.Addr() != nil })
	return s, r
}
