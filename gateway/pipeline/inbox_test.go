package pipeline

import (
	"strconv"
	"testing"
	"time"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/decode"
)

func fixObs(src, device string, n int) *decode.Observations {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	return &decode.Observations{Fixes: []avl.Fix{{Source: src, DeviceID: device, Time: now.Add(time.Duration(n) * time.Second),
		Received: now, Lat: 33.7, Lon: -117.8, Valid: true}}}
}

// A flooding source cannot hold back a quiet one: the quiet source's
// observation comes out in the first chunk, however deep the flood.
func TestInboxFairAcrossSources(t *testing.T) {
	in := newInbox(100000, func(int) {}, func() {})
	for i := 0; i < 3*takeChunk; i++ {
		in.push("flood", fixObs("flood", strconv.Itoa(i), i))
	}
	in.push("quiet", fixObs("quiet", "2A12", 0))
	got := in.take(nil)
	if len(got) != takeChunk {
		t.Fatalf("took %d, want a chunk of %d", len(got), takeChunk)
	}
	found := false
	for _, it := range got {
		found = found || it.source == "quiet"
	}
	if !found {
		t.Fatal("the quiet source's fix waited behind the flood")
	}
	total := len(got)
	for {
		select {
		case <-in.notify:
		default:
			t.Fatalf("more queued (%d) but the loop was not woken", in.depth())
		}
		got = in.take(got)
		total += len(got)
		if in.depth() == 0 {
			break
		}
	}
	if total != 3*takeChunk+1 {
		t.Errorf("took %d observations in all, want %d", total, 3*takeChunk+1)
	}
}

// Within a source order is kept; above the cap positions coalesce per device
// (counted) while events are still all kept.
func TestInboxOrderAndCoalescing(t *testing.T) {
	coalesced, over := 0, 0
	in := newInbox(10, func(n int) { coalesced += n }, func() { over++ })
	for i := 0; i < 10; i++ {
		in.push("a", fixObs("a", "D", i))
	}
	for i := 10; i < 15; i++ {
		in.push("a", fixObs("a", "D", i)) // above the cap: one slot, latest wins
	}
	in.push("a", &decode.Observations{Events: []channels.Event{{Kind: channels.Emergency, RadioID: "1201"}}})
	got := in.take(nil)
	if coalesced != 4 || over != 1 {
		t.Errorf("coalesced %d (want 4), events over cap %d (want 1)", coalesced, over)
	}
	if len(got) != 12 {
		t.Fatalf("took %d, want 10 fixes, the emergency and the latest coalesced fix", len(got))
	}
	for i := 0; i < 10; i++ {
		if got[i].fix == nil || got[i].fix.Time.Second() != i {
			t.Fatalf("item %d out of order: %+v", i, got[i])
		}
	}
	if got[10].event == nil || got[11].fix == nil || got[11].fix.Time.Second() != 14 {
		t.Errorf("tail = %+v %+v; want the emergency, then the newest fix", got[10], got[11])
	}
	if in.depth() != 0 {
		t.Errorf("depth %d after taking everything", in.depth())
	}
}

// A batch's pushes (one recvmmsg of many datagrams) wake the loop once, at
// the end: woken by the first, the loop would step with it alone. A push
// outside any batch wakes it at once, as before.
func TestInboxBatchWakesOnceAtItsEnd(t *testing.T) {
	in := newInbox(100000, func(int) {}, func() {})
	woken := func() bool {
		select {
		case <-in.notify:
			return true
		default:
			return false
		}
	}
	in.batch(func() {
		for i := range 16 {
			in.push("udp", fixObs("udp", strconv.Itoa(i), i))
			if woken() {
				t.Fatalf("push %d inside a batch woke the loop", i)
			}
		}
		in.batch(func() { in.push("udp", fixObs("udp", "nested", 0)) }) // a nested batch ends inside the outer one
		if woken() {
			t.Fatal("the end of a nested batch woke the loop before the outer batch ended")
		}
	})
	if !woken() {
		t.Fatal("the end of a batch of pushes did not wake the loop")
	}
	if got := in.depth(); got != 17 {
		t.Fatalf("depth after the batch: %d, want 17", got)
	}
	in.batch(func() {})
	if woken() {
		t.Fatal("an empty batch woke the loop")
	}
	in.push("serial", fixObs("serial", "2A12", 0))
	if !woken() {
		t.Fatal("a push outside a batch did not wake the loop")
	}
}
