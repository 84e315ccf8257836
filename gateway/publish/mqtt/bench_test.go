package mqtt

import (
	"bytes"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"radiogw/avl"
	"radiogw/gateway/change"
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
	// Only "updated" is read, without decoding the document: the display
	// runs in the benchmark's process and its CPU counts in cpu-ns.
	const key = `"updated":"`
	b := m.Payload()
	i := bytes.LastIndex(b, []byte(key))
	if i < 0 {
		return
	}
	b = b[i+len(key):]
	j := bytes.IndexByte(b, '"')
	if j < 0 {
		return
	}
	updated, err := time.Parse(time.RFC3339Nano, string(b[:j]))
	if err != nil {
		return
	}
	d := time.Since(updated)
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
	batch := change.Batch{Units: make([]avl.Change, units)}
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
func BenchmarkSteady10kUnits(b *testing.B) { benchSteady(b, 20) }

// BenchmarkSteady10kPerSecond: the project's target load, 10,000 fixes per
// second (100 every 10 ms, each of 10,000 units once a second, under the
// UnitRate ceiling of 2); also reports the process's CPU per publish
// (display included).
func BenchmarkSteady10kPerSecond(b *testing.B) { benchSteady(b, 100) }

func benchSteady(b *testing.B, perTick int) {
	const units = 10000
	s, rec, ids := benchSetup(b, units, 2)
	// Every unit is on the map before the clock starts.
	done := rec.expect(units)
	all := change.Batch{Units: make([]avl.Change, units)}
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
	cpu := benchCPUTime()
	next := 0
	for op := 0; op < b.N; op++ {
		<-tick.C
		batch := change.Batch{Units: make([]avl.Change, perTick)}
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
	cpuUsed := benchCPUTime() - cpu
	b.StopTimer()
	b.ReportMetric(float64(cpuUsed)/float64(b.N*perTick), "cpu-ns/publish")
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

// BenchmarkSinkAcked10kUnits: every op is one update of each of 10,000 units,
// published to a real mosquitto with no subscriber and counted when the
// broker acknowledged all of them. cpu-ns/publish is the sink's own cost per
// unit state (encode, paho, the connection), nothing else runs in the process.
func BenchmarkSinkAcked10kUnits(b *testing.B) {
	const units = 10000
	m := testsvc.StartMosquitto(b, testsvc.MosquittoOptions{Extra: "max_queued_messages 0\nmax_inflight_messages 0\n"})
	s := startSink(b, "tcp://"+m.Addr, "", func(o *Options) { o.UnitRate = 1e6; o.MapEvery = time.Hour })
	waitFor(b, 10*time.Second, "sink connected", s.client.IsConnectionOpen)
	ids := make([]string, units)
	for i := range ids {
		ids[i] = fmt.Sprintf("U%05d", i)
	}
	confirmed := func() float64 {
		return s.metrics.value(MetricPublished, "unit")
	}
	batch := change.Batch{Units: make([]avl.Change, units)}
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu := time.Now(), benchCPUTime()
	for op := 0; op < b.N; op++ {
		want := confirmed() + units
		for i, id := range ids {
			batch.Units[i] = unitChange(unitAt(id, op))
		}
		if err := s.Write(batch); err != nil {
			b.Fatal(err)
		}
		deadline := time.Now().Add(60 * time.Second)
		for confirmed() < want {
			if time.Now().After(deadline) {
				b.Fatalf("only %v of %v unit states acknowledged", confirmed(), want)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	elapsed, cpuUsed := time.Since(start), benchCPUTime()-cpu
	b.StopTimer()
	b.ReportMetric(float64(b.N*units)/elapsed.Seconds(), "publishes/s")
	b.ReportMetric(float64(cpuUsed)/float64(b.N*units), "cpu-ns/publish")
}

// BenchmarkSteadySinkOnly10kPerSecond: the 10,000 fixes per second of
// BenchmarkSteady10kPerSecond with no display in the process, so
// cpu-ns/publish is the sink's own CPU per unit state at that rate
// (including the idle-time wakeups a steady rate costs).
func BenchmarkSteadySinkOnly10kPerSecond(b *testing.B) {
	const units, perTick = 10000, 100
	m := testsvc.StartMosquitto(b, testsvc.MosquittoOptions{Extra: "max_queued_messages 0\nmax_inflight_messages 0\n"})
	s := startSink(b, "tcp://"+m.Addr, "", func(o *Options) { o.UnitRate = 2; o.MapEvery = time.Hour })
	waitFor(b, 10*time.Second, "sink connected", s.client.IsConnectionOpen)
	confirmed := func() float64 {
		return s.metrics.value(MetricPublished, "unit")
	}
	ids := make([]string, units)
	all := change.Batch{Units: make([]avl.Change, units)}
	for i := range ids {
		ids[i] = fmt.Sprintf("U%05d", i)
		all.Units[i] = unitChange(unitAt(ids[i], 0))
	}
	s.Write(all)
	waitFor(b, 30*time.Second, "every unit on the broker", func() bool { return confirmed() >= units })
	base := confirmed()

	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	b.ReportAllocs()
	b.ResetTimer()
	cpu := benchCPUTime()
	next := 0
	for op := 0; op < b.N; op++ {
		<-tick.C
		batch := change.Batch{Units: make([]avl.Change, perTick)}
		for i := range batch.Units {
			batch.Units[i] = unitChange(unitAt(ids[next%units], 1+next/units))
			next++
		}
		if err := s.Write(batch); err != nil {
			b.Fatal(err)
		}
	}
	waitFor(b, 60*time.Second, "every fix acknowledged", func() bool { return confirmed()-base >= float64(b.N*perTick) })
	cpuUsed := benchCPUTime() - cpu
	b.StopTimer()
	b.ReportMetric(float64(cpuUsed)/float64(b.N*perTick), "cpu-ns/publish")
}
