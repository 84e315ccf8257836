package outbox

import (
	"os"
	"path/filepath"
	"testing"
)

// A fix line as the InfluxDB sink queues it, for realistic sizes.
var benchLine = []byte("unit_position,site=tustin,source=avl-udp,type=patrol,unit=2A12 " +
	"heading=270,hdop=0.9,lat=33.74562,lon=-117.82311,speed_kmh=42.5 1795558445000000000")

func benchAppend(b *testing.B, fsync string, batch int) {
	o := open(b, b.TempDir(), func(op *Options) { op.Fsync = fsync })
	defer o.Close()
	es := make([]Entry, batch)
	for i := range es {
		es[i] = Entry{Class: ClassPosition, Time: t0, Data: benchLine}
	}
	b.ReportAllocs()
	b.SetBytes(int64(batch * len(benchLine)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := o.Append(es...); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "entries/s")
}

func BenchmarkAppendBatch100(b *testing.B)    { benchAppend(b, FsyncBatch, 100) }
func BenchmarkAppendAlways(b *testing.B)      { benchAppend(b, FsyncAlways, 1) }
func BenchmarkAppendNever100(b *testing.B)    { benchAppend(b, FsyncNever, 100) }
func BenchmarkAppendBatchSingle(b *testing.B) { benchAppend(b, FsyncBatch, 1) }

// BenchmarkDrain is the catch-up rate: Peek 5000 and Ack, over a backlog.
func BenchmarkDrain(b *testing.B) {
	o := open(b, b.TempDir(), func(op *Options) { op.Fsync = FsyncNever })
	defer o.Close()
	es := make([]Entry, 5000)
	for i := range es {
		es[i] = Entry{Class: ClassPosition, Time: t0, Data: benchLine}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if err := o.Append(es...); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		got, err := o.Peek(5000)
		if err != nil || len(got) != 5000 {
			b.Fatal(len(got), err)
		}
		if err := o.Ack(got[len(got)-1].Index); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*5000)/b.Elapsed().Seconds(), "entries/s")
}

// FuzzOpen feeds arbitrary bytes as a segment file: Open must cut what it
// cannot read, never panic, and everything it then returns must read back.
func FuzzOpen(f *testing.F) {
	var good []byte
	for i, e := range entries(ClassEvent, 0, 3) {
		good = appendRecord(good, uint64(i+1), e.Class, e.Time, t0, e.Data)
	}
	good = appendRecord(good, 4, ClassPosition, t0, t0, benchLine)
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, segName(1)), data, 0o640); err != nil {
			t.Fatal(err)
		}
		o, err := Open(Options{Dir: dir, Fsync: FsyncNever})
		if err != nil {
			return
		}
		defer o.Close()
		got, err := o.Peek(1 << 20)
		if err != nil {
			t.Fatalf("peek after open: %v", err)
		}
		if len(got) != o.Stats().Depth {
			t.Fatalf("peek %d, depth %d", len(got), o.Stats().Depth)
		}
		if err := o.Append(Entry{Class: ClassEvent, Data: []byte("x")}); err != nil {
			t.Fatal(err)
		}
		after, _ := o.Peek(1 << 20)
		if len(after) != len(got)+1 || string(after[len(after)-1].Data) != "x" {
			t.Fatalf("append after open: %d -> %d", len(got), len(after))
		}
	})
}

// BenchmarkOpen replays a 200,000-entry backlog (about 30 MB), as at start
// after an outage.
func BenchmarkOpen(b *testing.B) {
	dir := b.TempDir()
	o := open(b, dir, func(op *Options) { op.Fsync = FsyncNever })
	es := make([]Entry, 1000)
	for i := range es {
		es[i] = Entry{Class: ClassPosition, Time: t0, Data: benchLine}
	}
	for i := 0; i < 200; i++ {
		if err := o.Append(es...); err != nil {
			b.Fatal(err)
		}
	}
	o.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		o := open(b, dir, nil)
		if d := o.Stats().Depth; d != 200000 {
			b.Fatalf("depth %d", d)
		}
		o.Close()
	}
}

// BenchmarkAppendAtCap appends batches of 100 positions to an outbox held at
// its 32 MiB cap (nothing is acknowledged): the cost of the drop policy.
func BenchmarkAppendAtCap(b *testing.B) {
	o := open(b, b.TempDir(), func(op *Options) { op.MaxBytes = 32 << 20; op.Fsync = FsyncNever })
	defer o.Close()
	es := make([]Entry, 100)
	for i := range es {
		es[i] = Entry{Class: ClassPosition, Time: t0, Data: benchLine}
	}
	for o.Stats().Dropped[DropCapPosition] == 0 {
		if err := o.Append(es...); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := o.Append(es...); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "entries/s")
}
