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
	m := testsvc.StartMosquitto(b, testsvc.MosquittoOptions{Extra: "max_queued_messages 0\nmax_inflight_messages 0\n"})
	rec := &latencyRecorder{}
	sub := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + m.Addr).SetClientID("bench-display").
		SetOrderMatters(false))
	if tok := sub.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		b.Fatal(tok.Error())
	}
	defer sub.Disconnect(100)
	if tok := sub.Subscribe(root+"/units/#", 1, rec.onMessage); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		b.Fatal(tok.Error())
	}
	s := startSink(b, "tcp://"+m.Addr, "", func(o *Options) { o.UnitRate = 1e6; o.MapEvery = time.Hour })
	waitFor(b, 10*time.Second, "sink connected", s.client.IsConnectionOpen)

	ids := make([]string, units)
	for i := range ids {
		ids[i] = fmt.Sprintf("U%05d", i)
	}
	batch := publish.Batch{Units: make([]avl.Change, units)}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
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
			b.Fatalf("only %d of %d unit states arrived", rec.seen, units)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	rec.mu.Lock()
	lat := append([]time.Duration(nil), rec.lat...)
	rec.mu.Unlock()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(b.N*units)/elapsed.Seconds(), "publishes/s")
	b.ReportMetric(float64(lat[len(lat)/2])/1e6, "p50_ms")
	b.ReportMetric(float64(lat[len(lat)*99/100])/1e6, "p99_ms")
}
