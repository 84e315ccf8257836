package outbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 23, 22, 0, 0, 0, time.UTC)

func open(t testing.TB, dir string, mod func(*Options)) *Outbox {
	t.Helper()
	opts := Options{Dir: dir, Fsync: FsyncBatch}
	if mod != nil {
		mod(&opts)
	}
	o, err := Open(opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return o
}

func entries(class Class, from, n int) []Entry {
	es := make([]Entry, n)
	for i := range es {
		es[i] = Entry{Class: class, Time: t0.Add(time.Duration(from+i) * time.Second),
			Data: fmt.Appendf(nil, "%s %d", class, from+i)}
	}
	return es
}

func datas(es []Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = string(e.Data)
	}
	return out
}

func TestAppendPeekAckReopen(t *testing.T) {
	dir := t.TempDir()
	o := open(t, dir, nil)
	if err := o.Append(entries(ClassPosition, 0, 5)...); err != nil {
		t.Fatal(err)
	}
	if err := o.Append(entries(ClassEvent, 5, 5)...); err != nil {
		t.Fatal(err)
	}
	got, err := o.Peek(3)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Index != 1 || got[2].Index != 3 || string(got[1].Data) != "position 1" {
		t.Fatalf("peek 3: %+v", got)
	}
	if !got[1].Time.Equal(t0.Add(time.Second)) || got[1].Class != ClassPosition {
		t.Fatalf("entry 2 time/class: %v %v", got[1].Time, got[1].Class)
	}
	page, _ := o.Scan(8, 100)
	if len(page) != 2 || page[0].Index != 9 {
		t.Fatalf("scan after 8: %+v", page)
	}
	again, _ := o.Peek(3)
	if len(again) != 3 || again[0].Index != 1 {
		t.Fatalf("peek does not remove: %+v", again)
	}
	if err := o.Ack(3); err != nil {
		t.Fatal(err)
	}
	st := o.Stats()
	if st.Depth != 7 || st.Appended != 10 || st.Acked != 3 {
		t.Fatalf("stats after ack: %+v", st)
	}
	if d := o.Depth(); d != st.Depth {
		t.Fatalf("Depth() = %d, Stats().Depth = %d", d, st.Depth)
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}

	o = open(t, dir, nil)
	defer o.Close()
	// What Ack tallied incrementally is what a full scan finds.
	if re := o.Stats(); re.Depth != st.Depth || re.Bytes != st.Bytes || !re.OldestTime.Equal(st.OldestTime) {
		t.Fatalf("after reopen %+v, before %+v", re, st)
	}
	got, err = o.Peek(100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 7 || got[0].Index != 4 || got[6].Index != 10 || got[6].Class != ClassEvent {
		t.Fatalf("after reopen: %v", datas(got))
	}
	if err := o.Append(entries(ClassEvent, 10, 1)...); err != nil {
		t.Fatal(err)
	}
	got, _ = o.Peek(100)
	if got[len(got)-1].Index != 11 {
		t.Fatalf("index continues after reopen: got %d", got[len(got)-1].Index)
	}
	if err := o.Ack(11); err != nil {
		t.Fatal(err)
	}
	if st := o.Stats(); st.Depth != 0 || st.Bytes != 0 || !st.OldestTime.IsZero() {
		t.Fatalf("empty after ack all: %+v", st)
	}
	if d := o.Depth(); d != 0 {
		t.Fatalf("Depth() after ack all = %d", d)
	}
	if got, _ := o.Peek(10); len(got) != 0 {
		t.Fatalf("peek after ack all: %v", datas(got))
	}
}

func TestAckAcrossSegmentsDeletesFiles(t *testing.T) {
	dir := t.TempDir()
	o := open(t, dir, func(op *Options) { op.SegmentBytes = 512 })
	defer o.Close()
	for i := 0; i < 20; i++ {
		if err := o.Append(entries(ClassPosition, i*10, 10)...); err != nil {
			t.Fatal(err)
		}
	}
	if n := o.Stats().Segments; n < 10 {
		t.Fatalf("want many segments, got %d", n)
	}
	got, _ := o.Peek(1000)
	if len(got) != 200 {
		t.Fatalf("peek across segments: %d", len(got))
	}
	for i, e := range got {
		if e.Index != uint64(i+1) {
			t.Fatalf("entry %d has index %d", i, e.Index)
		}
	}
	if err := o.Ack(195); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"+segExt))
	if len(files) > 2 {
		t.Fatalf("acked segments not deleted: %v", files)
	}
	got, _ = o.Peek(1000)
	if len(got) != 5 || got[0].Index != 196 {
		t.Fatalf("after ack 195: %v", datas(got))
	}
}

func TestTornTailIsCut(t *testing.T) {
	dir := t.TempDir()
	o := open(t, dir, nil)
	if err := o.Append(entries(ClassEvent, 0, 10)...); err != nil {
		t.Fatal(err)
	}
	o.Close()
	seg := filepath.Join(dir, segName(1))
	fi, _ := os.Stat(seg)
	// A crash in the middle of writing the last record.
	if err := os.Truncate(seg, fi.Size()-5); err != nil {
		t.Fatal(err)
	}
	o = open(t, dir, nil)
	defer o.Close()
	got, err := o.Peek(100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 9 || string(got[8].Data) != "event 8" {
		t.Fatalf("want the 9 whole records, got %v", datas(got))
	}
	if d := o.Stats().Dropped[DropTorn]; d != 1 {
		t.Fatalf("torn counter = %d", d)
	}
	// The log continues cleanly after the cut.
	if err := o.Append(entries(ClassEvent, 100, 1)...); err != nil {
		t.Fatal(err)
	}
	o.Close()
	o = open(t, dir, nil)
	got, _ = o.Peek(100)
	if len(got) != 10 || string(got[9].Data) != "event 100" || got[9].Index != 10 {
		t.Fatalf("after append past the cut: %v", datas(got))
	}
	if d := o.Stats().Dropped[DropTorn]; d != 0 {
		t.Fatalf("second open found another torn record: %d", d)
	}
}

func TestCorruptRecordIsDetected(t *testing.T) {
	dir := t.TempDir()
	o := open(t, dir, nil)
	if err := o.Append(entries(ClassEvent, 0, 10)...); err != nil {
		t.Fatal(err)
	}
	o.Close()
	seg := filepath.Join(dir, segName(1))
	b, _ := os.ReadFile(seg)
	rec := len(b) / 10
	b[5*rec+headerLen+bodyFixed] ^= 0x40 // flip a data bit in record 6
	os.WriteFile(seg, b, 0o640)
	o = open(t, dir, nil)
	defer o.Close()
	got, _ := o.Peek(100)
	if len(got) != 5 {
		t.Fatalf("want records before the bad one, got %v", datas(got))
	}
	if o.Stats().Dropped[DropTorn] != 1 {
		t.Fatalf("dropped: %v", o.Stats().Dropped)
	}
}

func TestCapDropsPositionsFirst(t *testing.T) {
	dir := t.TempDir()
	rec := recordLen([]byte("position 100"))
	o := open(t, dir, func(op *Options) { op.MaxBytes = 40 * rec; op.SegmentBytes = 8 * rec })
	defer o.Close()
	// 20 events interleaved with 40 positions: 60 records, 20 over the cap.
	for i := 0; i < 20; i++ {
		if err := o.Append(entries(ClassPosition, 100+2*i, 2)...); err != nil {
			t.Fatal(err)
		}
		if err := o.Append(entries(ClassEvent, 100+i, 1)...); err != nil {
			t.Fatal(err)
		}
	}
	st := o.Stats()
	if st.Bytes > 40*rec {
		t.Fatalf("bytes %d over cap %d", st.Bytes, 40*rec)
	}
	if st.Dropped[DropCapEvent] != 0 || st.Dropped[DropCapPosition] < 15 {
		t.Fatalf("dropped = %v, want positions down to the low-water mark and no events", st.Dropped)
	}
	got, _ := o.Peek(1000)
	events, positions, lastIdx := 0, 0, uint64(0)
	for _, e := range got {
		if e.Class == ClassEvent {
			events++
		} else {
			positions++
		}
		if e.Index <= lastIdx {
			t.Fatalf("order broken at %d", e.Index)
		}
		lastIdx = e.Index
	}
	if events != 20 {
		t.Fatalf("events kept = %d, want 20", events)
	}
	if positions+int(st.Dropped[DropCapPosition]) != 40 {
		t.Fatalf("%d positions kept + %d dropped != 40", positions, st.Dropped[DropCapPosition])
	}
	// The positions that remain are the newest ones.
	if first := got[0]; first.Class != ClassEvent {
		t.Fatalf("oldest remaining is %q, want an event (old positions go first)", first.Data)
	}
	if last := got[len(got)-1]; string(last.Data) != "event 119" {
		t.Fatalf("newest = %q", last.Data)
	}
}

func TestCapOverflowOnEventsIsAnError(t *testing.T) {
	dir := t.TempDir()
	rec := recordLen([]byte("event 100"))
	o := open(t, dir, func(op *Options) { op.MaxBytes = 10 * rec; op.SegmentBytes = 4 * rec })
	defer o.Close()
	if err := o.Append(entries(ClassEvent, 100, 10)...); err != nil {
		t.Fatal(err)
	}
	err := o.Append(entries(ClassEvent, 200, 3)...)
	if !errors.Is(err, ErrOverflow) {
		t.Fatalf("want ErrOverflow, got %v", err)
	}
	st := o.Stats()
	if st.Dropped[DropCapEvent] != 3 || st.Depth != 10 {
		t.Fatalf("stats: %+v", st)
	}
	got, _ := o.Peek(100)
	if string(got[0].Data) != "event 103" || string(got[9].Data) != "event 202" {
		t.Fatalf("oldest events go first: %v", datas(got))
	}
}

func TestAgeDropsOldPositionsKeepsEvents(t *testing.T) {
	dir := t.TempDir()
	now := t0
	o := open(t, dir, func(op *Options) { op.MaxAge = time.Hour; op.Now = func() time.Time { return now } })
	defer o.Close()
	o.Append(entries(ClassPosition, 0, 5)...)
	o.Append(entries(ClassEvent, 5, 2)...)
	now = now.Add(30 * time.Minute)
	o.Append(entries(ClassPosition, 7, 3)...)
	now = now.Add(31 * time.Minute) // the first batch is now 61 min old
	if err := o.Append(entries(ClassPosition, 10, 1)...); err != nil {
		t.Fatal(err)
	}
	st := o.Stats()
	if st.Dropped[DropAgePosition] != 5 {
		t.Fatalf("age drops = %v", st.Dropped)
	}
	got, _ := o.Peek(100)
	want := []string{"event 5", "event 6", "position 7", "position 8", "position 9", "position 10"}
	if fmt.Sprint(datas(got)) != fmt.Sprint(want) {
		t.Fatalf("got %v want %v", datas(got), want)
	}
	if !st.OldestTime.Equal(t0) {
		t.Fatalf("oldest = %v, want the events' append time %v", st.OldestTime, t0)
	}
	// A second append does not drop again.
	o.Append(entries(ClassPosition, 11, 1)...)
	if d := o.Stats().Dropped[DropAgePosition]; d != 5 {
		t.Fatalf("age drops changed to %d", d)
	}
}

func TestWriteErrorIsReturnedAndCounted(t *testing.T) {
	o := open(t, t.TempDir(), nil)
	o.Append(entries(ClassEvent, 0, 2)...)
	o.w.Close() // the disk goes away
	err := o.Append(entries(ClassEvent, 2, 3)...)
	if err == nil {
		t.Fatal("append to a closed file succeeded")
	}
	if d := o.Stats().Dropped[DropWriteError]; d != 3 {
		t.Fatalf("write_error = %d", d)
	}
	if got, _ := o.Peek(10); len(got) != 2 {
		t.Fatalf("failed append left entries: %v", datas(got))
	}
}

func TestConcurrentAppendPeekAck(t *testing.T) {
	o := open(t, t.TempDir(), func(op *Options) { op.SegmentBytes = 4 << 10; op.Fsync = FsyncNever })
	defer o.Close()
	const batches, per = 200, 25
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < batches; i++ {
			if err := o.Append(entries(ClassEvent, i*per, per)...); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	next := 0
	deadline := time.Now().Add(30 * time.Second)
	for next < batches*per && time.Now().Before(deadline) {
		got, err := o.Peek(37)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range got {
			if want := fmt.Sprintf("event %d", next); string(e.Data) != want {
				t.Fatalf("got %q want %q", e.Data, want)
			}
			next++
		}
		if len(got) > 0 {
			if err := o.Ack(got[len(got)-1].Index); err != nil {
				t.Fatal(err)
			}
		}
		_ = o.Stats()
	}
	wg.Wait()
	if next != batches*per {
		t.Fatalf("received %d of %d", next, batches*per)
	}
	if st := o.Stats(); st.Depth != 0 || st.Acked != batches*per {
		t.Fatalf("stats: %+v", st)
	}
}

func TestOpenRejectsBadFsync(t *testing.T) {
	if _, err := Open(Options{Dir: t.TempDir(), Fsync: "sometimes"}); err == nil {
		t.Fatal("accepted fsync=sometimes")
	}
}
