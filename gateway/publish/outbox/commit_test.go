package outbox

import (
	"testing"
	"time"
)

// Under "batch", appends close together share one fsync (group commit): an
// append after a quiet spell is fsynced at once, the rest of the interval's
// appends together when it ends, and Close fsyncs what is still pending.
func TestGroupCommit(t *testing.T) {
	dir := t.TempDir()
	o, err := Open(Options{Dir: dir, CommitEvery: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	syncs := func() (uint64, bool) {
		o.mu.Lock()
		defer o.mu.Unlock()
		return o.syncs, o.unsynced
	}
	if err := o.Append(Entry{Class: ClassPosition, Time: time.Now(), Data: []byte("first")}); err != nil {
		t.Fatal(err)
	}
	if n, pending := syncs(); n != 1 || pending {
		t.Fatalf("after a first append: %d fsyncs, pending %v; want it fsynced at once", n, pending)
	}
	for i := range 100 {
		if err := o.Append(Entry{Class: ClassPosition, Time: time.Now(), Data: []byte{byte(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	if n, pending := syncs(); n != 1 || !pending {
		t.Fatalf("100 appends within the interval: %d fsyncs, pending %v; want them waiting for one", n, pending)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, pending := syncs()
		if !pending {
			if n != 2 {
				t.Fatalf("the interval's appends took %d fsyncs, want 1", n-1)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the group was never fsynced")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := o.Append(Entry{Class: ClassPosition, Time: time.Now(), Data: []byte("last")}); err != nil {
		t.Fatal(err)
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	if n, pending := syncs(); pending || n != 3 {
		t.Fatalf("after Close: %d fsyncs, pending %v; want the last append fsynced", n, pending)
	}
	r, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if d := r.Depth(); d != 102 {
		t.Fatalf("reopened outbox holds %d entries, want 102", d)
	}
}
