package mqtt

import (
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"radiogw/avl"
	"radiogw/gateway/publish"
	"radiogw/gateway/testsvc"
)

// latencyRecorder measures write-to-subscriber latency from the "updated"
// time the benchmark stamps into each unit state.
type latencyRecorder struct {
	mu   sync.Mutex
	lat  []time.Duration
	seen int
	want int
	done chan struct{}
}

func (l *latencyRecorder) onMessage(_ paho.Client, m paho.Message) {
	var p struct {
		Updated time.Time `json:"updated"`
	}
	if json.Unmarshal(m.Payload(), &p) != nil {
		return
	}
	d := time.Since(p.Updated)
	l.mu.Lock()
	l.lat = append(l.lat, d)
	l.seen++
	if l.seen == l.want {
		close(l.done)
	}
	l.mu.Unlock()
}

func (l *latencyRecorder) expect(n int) chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen, l.want, l.done = 0, n, make(chan struct{})
	return l.done
}

// BenchmarkPublish10kUnits: every op is one update of each of 10,000 units
// (one tracker batch), published to a real mosquitto and received by a
// display subscribed to units/#. Reports unit publishes per second and the
// write-to-subscriber latency p50/p99. Coalescing is off (a high UnitRate)
// so every update is published.
func BenchmarkPublish10kUnits(b *testing.B) {
	const units = 10000
	s, rec, ids := benchSetup(b, units, 1e6)
	batch := publish.Batch{Units: make([]avl.Change, units)}
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu := time.Now(), benchCPUTime()
	for op := 0; op < b.N; op++ {
		done := rec.expect(units)
		now := time.Now()
		for i, id := range ids {
			u := unitAt(id, op)
			u.Updated = now
			batch.Units[i] = unitChange(u)
		}
		if err := s.Write(batch); err != nil {
			b.Fatal(err)
		}
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			b.Fatalf("not all %d unit states arrived", units)
		}
	}
	elapsed, cpuUsed := time.Since(start), benchCPUTime()-cpu
	b.StopTimer()
	b.ReportMetric(float64(b.N*units)/elapsed.Seconds(), "publishes/s")
	// The process's CPU includes the display subscriber (paho and a JSON
	// decode per message), so this is an upper bound on the sink's own cost.
	b.ReportMetric(float64(cpuUsed)/float64(b.N*units), "cpu-ns/publish")
	rec.report(b)
}

// BenchmarkSteady10kUnits: 10,000 units on the map, fixes arriving at a
// steady 2,000 per second (20 every 10 ms, each unit every 5 s, so the
// default UnitRate of 2 coalesces nothing); one op is one 10 ms tick.
// Reports fix-to-subscriber latency p50/p99 as a wall display sees it.
func BenchmarkSteady10kUnits(b *testing.B) {
	const units, perTick = 10000, 20
	s, rec, ids := benchSetup(b, units, 2)
	// Every unit is on the map before the clock starts.
	done := rec.expect(units)
	all := publish.Batch{Units: make([]avl.Change, units)}
	for i, id := range ids {
		all.Units[i] = unitChange(unitAt(id, 0))
	}
	s.Write(all)
	<-done
	rec.reset()

	done = rec.expect(b.N * perTick)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	b.ReportAllocs()
	b.ResetTimer()
	next := 0
	for op := 0; op < b.N; op++ {
		<-tick.C
		batch := publish.Batch{Units: make([]avl.Change, perTick)}
		now := time.Now()
		for i := range batch.Units {
			u := unitAt(ids[next%units], 1+next/units)
			u.Updated = now
			batch.Units[i] = unitChange(u)
			next++
		}
		if err := s.Write(batch); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		b.Fatalf("not every fix arrived")
	}
	b.StopTimer()
	rec.report(b)
}

// benchSetup starts mosquitto, a display subscribed to units/# and a sink.
func benchSetup(b *testing.B, units int, unitRate float64) (*running, *latencyRecorder, []string) {
	m := testsvc.StartMosquitto(b, testsvc.MosquittoOptions{Extra: "max_queued_messages 0\nmax_inflight_messages 0\n"})
	rec := &latencyRecorder{}
	sub := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + m.Addr).SetClientID("bench-display").
		SetOrderMatters(false))
	if tok := sub.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		b.Fatal(tok.Error())
	}
	b.Cleanup(func() { sub.Disconnect(100) })
	if tok := sub.Subscribe(root+"/units/#", 1, rec.onMessage); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		b.Fatal(tok.Error())
	}
	s := startSink(b, "tcp://"+m.Addr, "", func(o *Options) { o.UnitRate = unitRate; o.MapEvery = time.Hour })
	waitFor(b, 10*time.Second, "sink connected", s.client.IsConnectionOpen)
	ids := make([]string, units)
	for i := range ids {
		ids[i] = fmt.Sprintf("U%05d", i)
	}
	return s, rec, ids
}

func (l *latencyRecorder) reset() {
	l.mu.Lock()
	l.lat = l.lat[:0]
	l.mu.Unlock()
}

func (l *latencyRecorder) report(b *testing.B) {
	l.mu.Lock()
	lat := append([]time.Duration(nil), l.lat...)
	l.mu.Unlock()
	if len(lat) == 0 {
		b.Fatal("no latency samples")
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2])/1e6, "p50_ms")
	b.ReportMetric(float64(lat[len(lat)*99/100])/1e6, "p99_ms")
}
