package outbox

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// smallDisk mounts a tmpfs of size bytes: a disk that really fills up.
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mounting a %s tmpfs needs root: %v: %s", size, err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// An outbox four times the size of its disk: on the full disk it drops its
// oldest positions (counted) to take new entries, keeps every event, and
// records acknowledgements.
func TestFullDiskMakesRoom(t *testing.T) {
	dir := smallDisk(t, "1m")
	o, err := Open(Options{Dir: filepath.Join(dir, "influx"), Reserve: 64 << 10, SegmentBytes: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	pos := bytes.Repeat([]byte("p"), 200)
	events := 0
	for i := 0; i < 20000; i++ {
		e := Entry{Class: ClassPosition, Time: time.Now(), Data: pos}
		if i%50 == 0 {
			e.Class = ClassEvent
			events++
		}
		if err := o.Append(e); err != nil {
			t.Fatalf("append %d on a full disk: %v (stats %+v)", i, err, o.Stats())
		}
	}
	st := o.Stats()
	if st.Dropped[DropFullPosition] == 0 || st.Dropped[DropWriteError] != 0 || st.Dropped[DropCapEvent] != 0 {
		t.Fatalf("dropped %v: want positions dropped for room and nothing else", st.Dropped)
	}
	got, err := o.Peek(10000)
	if err != nil {
		t.Fatal(err)
	}
	ev := 0
	for _, e := range got {
		if e.Class == ClassEvent {
			ev++
		}
	}
	if ev != events {
		t.Errorf("%d events left of %d", ev, events)
	}
	// The last free page goes to something else: acknowledgements still go in.
	f, _ := os.Create(filepath.Join(dir, "filler"))
	for {
		if _, err := f.Write(make([]byte, 4096)); err != nil {
			break
		}
	}
	f.Close()
	if err := o.Ack(got[len(got)/2].Index); err != nil {
		t.Fatalf("ack on a full disk: %v", err)
	}
	if readAck(filepath.Join(dir, "influx", ackFile)) != got[len(got)/2].Index {
		t.Errorf("ack not recorded")
	}
}

// AckWhole drops whole segments up to the index and leaves the segment that
// holds it: nothing is read.
func TestAckWhole(t *testing.T) {
	o, err := Open(Options{Dir: t.TempDir(), SegmentBytes: 1 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	for i := 0; i < 100; i++ {
		if err := o.Append(Entry{Class: ClassPosition, Data: bytes.Repeat([]byte("x"), 100)}); err != nil {
			t.Fatal(err)
		}
	}
	before := o.Stats().Segments
	if err := o.AckWhole(50); err != nil {
		t.Fatal(err)
	}
	st := o.Stats()
	if st.Segments >= before || st.Depth < 50 || st.Depth >= 100 {
		t.Fatalf("after AckWhole(50): %d segments of %d, depth %d", st.Segments, before, st.Depth)
	}
	es, _ := o.Scan(50, 1000)
	if len(es) != 50 || es[0].Index != 51 {
		t.Fatalf("scan after 50: %d entries from %d", len(es), es[0].Index)
	}
}
