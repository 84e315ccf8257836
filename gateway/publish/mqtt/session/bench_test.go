package session

import (
	"context"
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"radiogw/gateway/testsvc"
)

// cpuTime is this process's user+system CPU time: on a shared machine ns/op
// includes waiting for a core, cpu-ns/op does not. The broker is a separate
// process and not counted.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchTopics are 10,000 unit topics, as a fleet's state round uses them.
var benchTopics = func() []string {
	t := make([]string, 10000)
	for i := range t {
		t[i] = fmt.Sprintf("radiogw/bench/units/U%05d", i)
	}
	return t
}()

// benchPayload is the size of a unit state payload (about 370 bytes).
var benchPayload = make([]byte, 370)

// One QoS 1 retained unit state through the session, batches of 256, until
// every PUBACK is in: the client's CPU per acknowledged message.
func BenchmarkSessionPublish(b *testing.B) {
	m := testsvc.StartMosquitto(b, testsvc.MosquittoOptions{})
	var acked atomic.Int64
	s := New(Options{ClientID: "bench"}, func(tags []uint64) { acked.Add(int64(len(tags))) })
	if err := s.Connect(context.Background(), dial(b, m.Addr)); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	batch := make([]Message, 256)
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; {
		n := min(len(batch), b.N-i)
		for j := range n {
			batch[j] = Message{Topic: benchTopics[(i+j)%len(benchTopics)], Payload: benchPayload, Retain: true, Tag: uint64(i + j)}
		}
		for msgs := batch[:n]; len(msgs) > 0; {
			k, err := s.Publish(msgs)
			if err != nil {
				b.Fatal(err)
			}
			msgs, i = msgs[k:], i+k
		}
	}
	for acked.Load() < int64(b.N) {
		time.Sleep(100 * time.Microsecond)
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// The same through paho: a token per publish, waited on in publish order
// (as the sink's completer does).
func BenchmarkPahoPublish(b *testing.B) {
	m := testsvc.StartMosquitto(b, testsvc.MosquittoOptions{})
	c := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + m.Addr).SetClientID("bench").
		SetOrderMatters(false).SetMaxResumePubInFlight(0))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		b.Fatal(tok.Error())
	}
	defer c.Disconnect(100)
	tokens := make(chan paho.Token, 4096)
	done := make(chan struct{})
	go func() {
		for t := range tokens {
			t.Wait()
		}
		close(done)
	}()
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		tokens <- c.Publish(benchTopics[i%len(benchTopics)], 1, true, benchPayload)
	}
	close(tokens)
	<-done
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}
