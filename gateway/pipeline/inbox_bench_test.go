package pipeline

import (
	"fmt"
	"strconv"
	"syscall"
	"testing"
	"time"

	"radiogw/avl"
	"radiogw/gateway/decode"
)

func benchObservations(n int) []decode.Observations {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	obs := make([]decode.Observations, n)
	for i := range obs {
		obs[i].Fixes = []avl.Fix{{Source: "avl", Peer: "10.20.0.7:5005", DeviceID: strconv.Itoa(4500 + i),
			IDKind: avl.AVLID, Time: now, Received: now, Lat: 33.7, Lon: -117.8, Valid: true,
			SpeedKmh: 40, Heading: 90, HDOP: avl.Unknown, AltitudeM: avl.Unknown, AccuracyM: avl.Unknown}}
	}
	return obs
}

// A source pushes one decoded frame at a time; the tracker takes whatever
// queued up. Here it takes after every 100 pushes, as under load.
func BenchmarkInboxPushTake(b *testing.B) {
	in := newInbox(100000, func(int) {}, func() {})
	obs := benchObservations(100)
	var buf []item
	b.ReportAllocs()
	start := benchCPUTime()
	i := 0
	for b.Loop() {
		in.push("avl", &obs[i%100])
		if i++; i%100 == 0 {
			buf = in.take(buf)
		}
	}
	benchReportCPU(b, start)
}

// Every modem on its own address: each push finds or makes its peer's queue,
// and every take empties and retires the queues (the usual UDP site).
func BenchmarkInboxManyPeers(b *testing.B) {
	in := newInbox(100000, func(int) {}, func() {})
	obs := benchObservations(100)
	peers := make([]string, 1000)
	for i := range peers {
		peers[i] = fmt.Sprintf("10.1.%d.%d:5000", i/250, i%250)
	}
	var buf []item
	b.ReportAllocs()
	start := benchCPUTime()
	i := 0
	for b.Loop() {
		in.pushFrom("avl", peers[i%len(peers)], &obs[i%100])
		if i++; i%100 == 0 {
			buf = in.take(buf)
		}
	}
	benchReportCPU(b, start)
}

// Above the soft cap positions coalesce per device in a map.
func BenchmarkInboxPushCoalesced(b *testing.B) {
	in := newInbox(1, func(int) {}, func() {})
	in.push("avl", &benchObservations(1)[0])
	obs := benchObservations(1000)
	var buf []item
	b.ReportAllocs()
	start := benchCPUTime()
	i := 0
	for b.Loop() {
		in.push("avl", &obs[i%1000])
		if i++; i%1000 == 0 {
			buf = in.take(buf)
			in.push("avl", &obs[0])
		}
	}
	benchReportCPU(b, start)
}

func benchCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchReportCPU adds cpu-ns/op: on a shared machine ns/op includes waiting
// for a core.
func benchReportCPU(b *testing.B, start time.Duration) {
	if start > 0 && b.N > 0 {
		b.ReportMetric(float64(benchCPUTime()-start)/float64(b.N), "cpu-ns/op")
	}
}
