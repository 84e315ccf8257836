package mqtt

import (
	"strconv"
	"syscall"
	"testing"
	"time"

	"radiogw/avl"
)

// benchUnit is a unit as the wall map sees it most of the time: listed,
// positioned, on a beat and a channel.
func benchUnit(i int, now time.Time) avl.Unit {
	return avl.Unit{ID: "2A" + strconv.Itoa(1000+i), AlphaTag: "2A" + strconv.Itoa(1000+i) + " Patrol", Type: "patrol",
		RadioIDs: []string{strconv.Itoa(1200 + i)}, AVLIDs: []string{strconv.Itoa(4500 + i)},
		Position: &avl.Position{Lat: 33.7 + float64(i%400)*0.0005, Lon: -117.8 - float64(i/400)*0.0005,
			FixTime: now.Add(-3 * time.Second), SpeedKmh: 42.6, Heading: 270, HDOP: 0.9, Altitude: avl.Unknown,
			Source: "avl"},
		Stale: avl.Fresh, Motion: avl.Moving, Beat: "B7", Status: "enroute", StatusAt: now.Add(-time.Minute),
		Channel: "tac2", LastHeard: now.Add(-30 * time.Second), Updated: now}
}

func BenchmarkUnitPayload(b *testing.B) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	u := benchUnit(1, now)
	b.ReportAllocs()
	start := benchCPUTime()
	var n int
	for b.Loop() {
		p, err := UnitPayload("tustin", &u, now)
		if err != nil {
			b.Fatal(err)
		}
		n = len(p)
	}
	b.ReportMetric(float64(n), "bytes/payload")
	benchReportCPU(b, start)
}

// BenchmarkAppendUnitPayload is the sink's path: encoding into a buffer it
// reuses.
func BenchmarkAppendUnitPayload(b *testing.B) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	u := benchUnit(1, now)
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	start := benchCPUTime()
	for b.Loop() {
		var err error
		if buf, err = AppendUnitPayload(buf[:0], "tustin", &u, now); err != nil {
			b.Fatal(err)
		}
	}
	benchReportCPU(b, start)
}

// BenchmarkUnitPayloadReflect is the encoding/json encoder UnitPayload
// replaced, for comparison.
func BenchmarkUnitPayloadReflect(b *testing.B) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	u := benchUnit(1, now)
	b.ReportAllocs()
	start := benchCPUTime()
	for b.Loop() {
		if _, err := refUnitPayload("tustin", &u, now); err != nil {
			b.Fatal(err)
		}
	}
	benchReportCPU(b, start)
}

func BenchmarkOwnTracksPayload(b *testing.B) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	u := benchUnit(1, now)
	b.ReportAllocs()
	start := benchCPUTime()
	for b.Loop() {
		if _, err := OwnTracksPayload(&u, DefaultAccuracyM); err != nil {
			b.Fatal(err)
		}
	}
	benchReportCPU(b, start)
}

// The Home Assistant tracker payload goes out with every unit state when
// mqtt { homeassistant = true }.
func BenchmarkTrackerPayload(b *testing.B) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	u := benchUnit(1, now)
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	start := benchCPUTime()
	for b.Loop() {
		var err error
		if buf, err = AppendTrackerPayload(buf[:0], "tustin", &u, DefaultAccuracyM); err != nil {
			b.Fatal(err)
		}
	}
	benchReportCPU(b, start)
}

// The map is re-encoded whole, at most once per MapEvery, whenever any unit
// moved: its cost grows with the fleet, not with the report rate.
func BenchmarkMapPayload1k(b *testing.B)  { benchMap(b, 1000) }
func BenchmarkMapPayload10k(b *testing.B) { benchMap(b, 10000) }

func benchMap(b *testing.B, n int) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	units := make([]*avl.Unit, n)
	for i := range units {
		u := benchUnit(i, now)
		units[i] = &u
	}
	b.ReportAllocs()
	start := benchCPUTime()
	var size int
	for b.Loop() {
		p, err := mapPayload("tustin", units, now, MaxMapBytes)
		if err != nil {
			b.Fatal(err)
		}
		size = len(p)
	}
	b.ReportMetric(float64(size)/float64(n), "bytes/unit")
	b.ReportMetric(float64(size), "bytes/payload")
	benchReportCPU(b, start)
	if b.N > 0 {
		b.ReportMetric(float64(benchCPUTime()-start)/float64(b.N)/float64(n), "cpu-ns/unit")
	}
}

// cpuTime is the process's user+system CPU time: on a shared machine ns/op
// includes waiting for a core, cpu-ns/op does not.
func benchCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchReportCPU(b *testing.B, start time.Duration) {
	if start > 0 && b.N > 0 {
		b.ReportMetric(float64(benchCPUTime()-start)/float64(b.N), "cpu-ns/op")
	}
}
