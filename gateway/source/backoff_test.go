package source

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestBackoffCapsDoublesAndResets(t *testing.T) {
	b := backoff{policy: Backoff{Min: 200 * time.Millisecond, Max: 30 * time.Second, ResetAfter: time.Minute}}
	wantCaps := []time.Duration{200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000}
	for i, c := range wantCaps {
		c *= time.Millisecond
		for range 50 {
			saved := b.cap
			if d := b.next(); d < 0 || d >= c {
				t.Fatalf("attempt %d: wait %s outside [0, %s)", i, d, c)
			}
			b.cap = saved
		}
		b.next()
	}
	b.reset()
	if d := b.next(); d >= 200*time.Millisecond {
		t.Fatalf("after reset wait %s, want under the minimum cap", d)
	}
}

func TestBackoffJitterSpreads(t *testing.T) {
	seen := map[time.Duration]bool{}
	for range 20 {
		b := backoff{policy: Backoff{Min: time.Second, Max: time.Second}}
		seen[b.next()] = true
	}
	if len(seen) < 10 {
		t.Fatalf("full jitter gave only %d distinct waits in 20 draws", len(seen))
	}
}

func TestReconnectCountsAndTransitions(t *testing.T) {
	r := newRecorder()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	boom := errors.New("boom")
	attempts := 0
	err := reconnect(ctx, fastBackoff, r.hooks(), "dev", false, func(ctx context.Context, up func()) error {
		attempts++
		switch attempts {
		case 1, 2: // absent at start: one Down, no Up
			return boom
		case 3: // comes up, then drops
			up()
			return boom
		case 4: // up until shutdown
			up()
			cancel()
			<-ctx.Done()
			return ctx.Err()
		}
		t.Fatal("attempt after cancel")
		return nil
	})
	if err != nil {
		t.Fatalf("reconnect returned %v on cancel", err)
	}
	_, ev := r.snapshot()
	want := []string{"down dev boom", "up dev", "down dev boom", "up dev", "down dev <nil>"}
	if strings.Join(ev, "|") != strings.Join(want, "|") {
		t.Fatalf("events %q, want %q", ev, want)
	}
	if n := r.count("reconnect"); n != 3 {
		t.Fatalf("reconnect counted %d, want 3", n)
	}
}

func TestReconnectFailFast(t *testing.T) {
	r := newRecorder()
	boom := errors.New("no such device")
	err := reconnect(context.Background(), fastBackoff, r.hooks(), "", true, func(context.Context, func()) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want the startup error", err)
	}
}

func TestReconnectStopsWhileWaiting(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := newRecorder()
	done := make(chan error)
	go func() {
		done <- reconnect(ctx, Backoff{Min: time.Hour, Max: time.Hour}, r.hooks(), "", false,
			func(context.Context, func()) error { return errors.New("down") })
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("reconnect kept waiting out its backoff after cancel")
	}
}
