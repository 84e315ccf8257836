package source

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"radiogw/gateway/frame"
)

// BenchmarkUDPDrain measures the receiving side alone: the pipeline is
// held while a burst of real NMEA datagrams from 64 senders queues in the
// socket, then timed while the source reads and emits all of them. ns/op
// and cpu-ns/op are then per datagram of the read loop (the senders are
// idle meanwhile), the cost that matters at 100,000 reports/s.
func BenchmarkUDPDrain(b *testing.B) {
	src, err := New(Config{Type: TypeUDP, Name: "bench", Listen: "127.0.0.1:0", MaxFrame: 512})
	if err != nil {
		b.Fatal(err)
	}
	var got, target atomic.Int64
	var holding atomic.Bool
	held, release, drained := make(chan struct{}), make(chan struct{}), make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		src.Run(ctx, Hooks{Emit: func(frame.Frame) {
			if holding.Load() {
				held <- struct{}{}
				<-release
			}
			if got.Add(1) == target.Load() {
				drained <- struct{}{}
			}
		}})
	}()
	b.Cleanup(func() { cancel(); <-done })
	u := src.(*udpSource)
	deadline := time.Now().Add(5 * time.Second)
	for u.Addr() == nil {
		if time.Now().After(deadline) {
			b.Fatal("source never bound")
		}
		time.Sleep(time.Millisecond)
	}
	senders := udpSenders(b, 64, u.Addr().(*net.UDPAddr))
	lines := realLineBytes(b)
	const burst = 2000 // about 2 MB of socket buffer, well inside 8 MiB
	b.SetBytes(int64(len(lines[0])))
	b.ReportAllocs()
	b.ResetTimer()
	var cpu time.Duration
	for sent := 0; sent < b.N; {
		b.StopTimer()
		n := min(burst, b.N-sent)
		holding.Store(true)
		senders[0].Write(lines[sent%len(lines)])
		<-held // the reader waits in Emit with the first datagram
		holding.Store(false)
		for i := 1; i < n; i++ {
			k := sent + i
			if _, err := senders[k%len(senders)].Write(lines[k%len(lines)]); err != nil {
				b.Fatal(err)
			}
		}
		sent += n
		target.Store(int64(sent))
		start := cpuTime()
		b.StartTimer()
		release <- struct{}{}
		select {
		case <-drained:
		case <-time.After(time.Minute):
			b.Fatalf("received %d of %d", got.Load(), sent)
		}
		b.StopTimer()
		cpu += cpuTime() - start
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
	if b.N > 0 {
		b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
	}
}
