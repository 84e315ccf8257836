package mqtt

import (
	"errors"
	"fmt"
	"sort"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"radiogw/avl"
	"radiogw/gateway/change"
	"radiogw/gateway/publish/outbox"
	"radiogw/gateway/testsvc"
)

// flakyQueue refuses appends while full is set, as a full disk does.
type flakyQueue struct {
	Queue
	full atomic.Bool
}

func (q *flakyQueue) Append(es ...outbox.Entry) error {
	if q.full.Load() {
		return fmt.Errorf("append: %w", syscall.ENOSPC)
	}
	return q.Queue.Append(es...)
}

// Events the outbox refused go out from memory, in the order they were
// written relative to those it took, and the unit state written with them
// is published although the write "failed".
func TestEventsFromMemoryInOrder(t *testing.T) {
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	sub := subscribe(t, m.Addr, root+"/#")
	var q *flakyQueue
	s := startSink(t, "tcp://"+m.Addr, "", func(o *Options) {
		q = &flakyQueue{Queue: o.Queue}
		o.Queue = q
	})
	waitFor(t, 10*time.Second, "connected", func() bool { up, _ := s.Connected(); return up })
	for i := 0; i < 60; i++ {
		q.full.Store(i/10%2 == 1) // 10 written, 10 refused, ...
		err := s.Write(change.Batch{Events: []change.Event{event(i)}, Units: []avl.Change{unitChange(unitAt("2A12", i))}})
		if refused := q.full.Load(); refused != errors.Is(err, change.ErrNotDurable) {
			t.Fatalf("write %d: %v (outbox full: %v)", i, err, refused)
		}
	}
	waitFor(t, 30*time.Second, "memory and outbox drained", func() bool { return s.pending(t) == 0 && s.MemoryBacklog() == 0 })
	waitFor(t, 10*time.Second, "every event", func() bool { _, u := eventIDs(t, sub.snapshot()); return len(u) == 60 })
	_, unique := eventIDs(t, sub.snapshot())
	if !sort.StringsAreSorted(unique) {
		t.Errorf("events out of order: %v", unique)
	}
	waitFor(t, 10*time.Second, "final state", func() bool {
		b := sub.lastOn(root + "/units/2A12")
		return b != nil && seqOf(t, b) == 59
	})
}

// Held in memory while the broker is down, then published in order when
// it comes back.
func TestMemoryEventsWaitForBroker(t *testing.T) {
	port := testsvc.FreePort(t)
	var q *flakyQueue
	s := startSink(t, fmt.Sprintf("tcp://127.0.0.1:%d", port), "", func(o *Options) {
		q = &flakyQueue{Queue: o.Queue}
		o.Queue = q
	})
	for i := 0; i < 40; i++ {
		q.full.Store(i%3 == 0)
		s.Write(change.Batch{Events: []change.Event{event(i)}})
	}
	if n := s.MemoryBacklog(); n != 14 {
		t.Fatalf("%d events held in memory, want 14", n)
	}
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{Port: port})
	sub := subscribe(t, m.Addr, root+"/#")
	waitFor(t, 30*time.Second, "drained", func() bool { return s.pending(t) == 0 && s.MemoryBacklog() == 0 })
	_, unique := eventIDs(t, sub.snapshot())
	if !sort.StringsAreSorted(unique) {
		t.Errorf("events out of order: %v", unique)
	}
}

// lastQueue is a queue whose newest index is fixed; keepInMemory only asks
// for that.
type lastQueue struct{ Queue }

func (lastQueue) Last() uint64 { return 7 }

// Over maxMemEvents the oldest events go, emergencies (and CAP alerts)
// never: order is kept, and a memory of emergencies only is kept whole.
func TestMemoryCapDropsOldestNonEmergency(t *testing.T) {
	s := &Sink{opts: Options{Queue: lastQueue{}}}
	entry := func(data string) outbox.Entry { return outbox.Entry{Class: outbox.ClassEvent, Data: []byte(data)} }
	var fill []outbox.Entry
	for i := range maxMemEvents {
		switch {
		case i%4 == 0:
			fill = append(fill, entry(fmt.Sprintf("emergency_declared\n%d", i)))
		case i%4 == 1:
			fill = append(fill, entry(fmt.Sprintf("\x00rLabel\x00cap/%d\n<alert/>", i)))
		default:
			fill = append(fill, entry(fmt.Sprintf("status\n%d", i)))
		}
	}
	s.keepInMemory(fill)
	var more []outbox.Entry
	for i := range 5 {
		more = append(more, entry(fmt.Sprintf("status\nnew%d", i)))
	}
	s.keepInMemory(more)
	if len(s.mem) != maxMemEvents {
		t.Fatalf("%d events in memory, want the cap %d", len(s.mem), maxMemEvents)
	}
	// The first 5 non-emergencies were at 2, 3, 6, 7, 10: the rest stays in order.
	gone := map[int]bool{2: true, 3: true, 6: true, 7: true, 10: true}
	k := 0
	for i := range maxMemEvents {
		if gone[i] {
			continue
		}
		if string(s.mem[k].data) != string(fill[i].Data) || s.mem[k].after != 7 {
			t.Fatalf("memory event %d is %q (after %d), want %q", k, s.mem[k].data, s.mem[k].after, fill[i].Data)
		}
		k++
	}
	for i := range more {
		if string(s.mem[k+i].data) != string(more[i].Data) {
			t.Fatalf("memory event %d is %q, want %q", k+i, s.mem[k+i].data, more[i].Data)
		}
	}

	only := &Sink{opts: Options{Queue: lastQueue{}}}
	var emergencies []outbox.Entry
	for i := range maxMemEvents + 3 {
		emergencies = append(emergencies, entry(fmt.Sprintf("emergency_declared\n%d", i)))
	}
	only.keepInMemory(emergencies)
	if len(only.mem) != maxMemEvents+3 {
		t.Errorf("%d of %d emergencies kept: none may be dropped", len(only.mem), maxMemEvents+3)
	}
}
