package cor

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 23, 22, 0, 0, 0, time.UTC)

func ms(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }

func mustDetector(t *testing.T, cfg Config) *Detector {
	t.Helper()
	d, err := NewDetector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDebounce(t *testing.T) {
	d := mustDetector(t, Config{Line: "dcd", Debounce: 50 * time.Millisecond})
	up, down := Lines{DCD: true}, Lines{}
	steps := []struct {
		l       Lines
		at      int
		changed bool
		busy    bool
	}{
		{down, 0, false, false},
		{up, 10, false, false},   // edge seen, debouncing
		{down, 30, false, false}, // bounce: back before 50 ms
		{up, 40, false, false},   // debounce restarts here
		{up, 80, false, false},   // 40 ms held
		{up, 90, true, true},     // 50 ms held: busy
		{up, 500, false, true},
		{down, 600, false, true},
		{down, 649, false, true},
		{down, 650, true, false},
		{down, 700, false, false},
	}
	for i, s := range steps {
		changed, busy := d.Sample(s.l, ms(s.at))
		if changed != s.changed || busy != s.busy {
			t.Fatalf("step %d at %d ms: changed=%v busy=%v, want %v %v", i, s.at, changed, busy, s.changed, s.busy)
		}
		if d.Busy() != s.busy {
			t.Fatalf("step %d: Busy()=%v", i, d.Busy())
		}
	}
}

func TestNoDebounceAndInvert(t *testing.T) {
	d := mustDetector(t, Config{Line: "CTS", Invert: true})
	// Inverted: a low line is carrier.
	if changed, busy := d.Sample(Lines{CTS: false}, ms(0)); !changed || !busy {
		t.Fatalf("low line inverted: %v %v", changed, busy)
	}
	if changed, busy := d.Sample(Lines{CTS: true, DCD: false}, ms(1)); !changed || busy {
		t.Fatalf("high line inverted: %v %v", changed, busy)
	}
}

func TestLineSelection(t *testing.T) {
	for name, l := range map[string]Lines{"dcd": {DCD: true}, "cts": {CTS: true}, "dsr": {DSR: true}, "ri": {RI: true}} {
		d := mustDetector(t, Config{Line: name})
		if _, busy := d.Sample(Lines{DCD: !l.DCD, CTS: !l.CTS, DSR: !l.DSR, RI: !l.RI}, ms(0)); busy {
			t.Errorf("%s: busy from the other lines", name)
		}
		if _, busy := d.Sample(l, ms(1)); !busy {
			t.Errorf("%s: not busy from its own line", name)
		}
	}
}

func TestNewDetectorRejects(t *testing.T) {
	for _, cfg := range []Config{{Line: "rts"}, {Line: ""}, {Line: "dcd", Debounce: -time.Second}} {
		if _, err := NewDetector(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}

// script is a LineSource that plays readings and then fails.
type script struct {
	mu    sync.Mutex
	reads []Lines
	err   error
}

func (s *script) Lines() (Lines, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.reads) == 0 {
		return Lines{}, s.err
	}
	l := s.reads[0]
	s.reads = s.reads[1:]
	return l, nil
}

func TestPollEdgesAndUnplug(t *testing.T) {
	up, down := Lines{DCD: true}, Lines{}
	unplugged := errors.New("port has been closed")
	src := &script{reads: []Lines{down, up, up, down, down, up, up}, err: unplugged}
	d := mustDetector(t, Config{Line: "dcd"})
	var edges []bool
	err := d.Poll(context.Background(), src, time.Millisecond, func(busy bool, at time.Time) {
		if at.IsZero() {
			t.Error("edge without time")
		}
		edges = append(edges, busy)
	})
	if !errors.Is(err, unplugged) {
		t.Fatalf("Poll returned %v", err)
	}
	// up, down, up, then the unplug idles the channel.
	if want := []bool{true, false, true, false}; !reflect.DeepEqual(edges, want) {
		t.Fatalf("edges %v want %v", edges, want)
	}
	if d.Busy() {
		t.Fatal("detector still busy after the source failed")
	}
}

// endless keeps reporting the same level.
type endless struct{ l Lines }

func (e endless) Lines() (Lines, error) { return e.l, nil }

func TestPollStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	d := mustDetector(t, Config{Line: "dsr"})
	done := make(chan error, 1)
	edges := make(chan bool, 4)
	go func() {
		done <- d.Poll(ctx, endless{Lines{DSR: true}}, time.Millisecond, func(busy bool, _ time.Time) { edges <- busy })
	}()
	if busy := <-edges; !busy {
		t.Fatal("first edge not busy")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Poll after cancel: %v", err)
	}
	if len(edges) != 0 {
		t.Fatal("repeated edges for a steady line")
	}
	if err := d.Poll(ctx, endless{}, 0, func(bool, time.Time) {}); err == nil {
		t.Fatal("zero interval accepted")
	}
}

func BenchmarkSample(b *testing.B) {
	d, _ := NewDetector(Config{Line: "dcd", Debounce: 20 * time.Millisecond})
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		d.Sample(Lines{DCD: i%64 < 32}, t0.Add(time.Duration(i)*time.Millisecond))
	}
}
