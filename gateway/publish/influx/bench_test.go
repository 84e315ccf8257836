package influx

import (
	"testing"
	"time"

	"radiogw/gateway/publish/influx/influxtest"
)

// BenchmarkEndToEnd streams fixes through Write (fsync batch, 100 per
// batch) while Run writes them to a local influxd: points/s delivered.
func BenchmarkEndToEnd(b *testing.B) {
	srv := influxtest.Start(b, "radiogw")
	o := openOutbox(b, b.TempDir(), nil)
	defer o.Close()
	s := newSink(b, o, srv.URL)
	stop := runSink(s)
	defer stop()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Write(fixes(i*100, 100)); err != nil {
			b.Fatal(err)
		}
	}
	waitDrained(b, o, 5*time.Minute)
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "points/s")
}

// BenchmarkCatchUp drains a 50,000-point backlog to a local influxd, as
// after an outage: points/s.
func BenchmarkCatchUp(b *testing.B) {
	srv := influxtest.Start(b, "radiogw")
	o := openOutbox(b, b.TempDir(), nil)
	defer o.Close()
	s := newSink(b, o, srv.URL)
	const backlog = 50000
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for j := 0; j < backlog; j += 1000 {
			if err := s.Write(fixes(i*backlog+j, 1000)); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		stop := runSink(s)
		waitDrained(b, o, 5*time.Minute)
		stop()
	}
	b.ReportMetric(float64(b.N*backlog)/b.Elapsed().Seconds(), "points/s")
}

// BenchmarkWrite is the tracker-side cost: encode 100 fixes and append them
// to the outbox with one fsync.
func BenchmarkWrite(b *testing.B) {
	o := openOutbox(b, b.TempDir(), nil)
	defer o.Close()
	s := newSink(b, o, "")
	batch := fixes(0, 100)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Write(batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "points/s")
}
