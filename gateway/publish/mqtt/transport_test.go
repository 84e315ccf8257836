package mqtt

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"radiogw/avl"
	"radiogw/gateway/broker"
	"radiogw/gateway/change"
)

// embedded is a running embedded broker; kill stops it once (broker.Close
// panics when called twice).
type embedded struct {
	*broker.Broker
	kill func()
}

func startEmbedded(t *testing.T, tcpAddr, wsAddr string) embedded {
	t.Helper()
	b, err := broker.Start(broker.Options{Listen: tcpAddr, WebSocket: wsAddr, TopicRoot: root,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("embedded broker: %v", err)
	}
	var once sync.Once
	e := embedded{Broker: b, kill: func() { once.Do(func() { b.Close() }) }}
	t.Cleanup(e.kill)
	return e
}

// The sink reaches the embedded broker over TCP and WebSocket through its own
// batching connection; the broker is killed while state and events flow and
// started again, empty, on the same addresses. The sink reconnects (no
// deadlock), the outbox drains, events written after the restart arrive in
// order, and a display connecting at the end sees every unit's last state.
func TestEmbeddedBrokerKilledMidStream(t *testing.T) {
	for _, scheme := range []string{"tcp", "ws"} {
		t.Run(scheme, func(t *testing.T) {
			b := startEmbedded(t, "127.0.0.1:0", "127.0.0.1:0")
			tcpAddr, wsAddr := b.Addr()[len("tcp://"):], b.WebSocketAddr()
			url := b.Addr()
			if scheme == "ws" {
				url = "ws://" + wsAddr + "/mqtt"
			}
			s := startSink(t, url, "", func(o *Options) { o.UnitRate = 1000 })
			waitFor(t, 10*time.Second, "sink connected", s.client.IsConnectionOpen)

			const n, kill, restart = 600, 200, 300
			units := make([]string, 50)
			for i := range units {
				units[i] = fmt.Sprintf("U%02d", i)
			}
			final := map[string]int{}
			var sub *recorder
			for i := 0; i < n; i++ {
				batch := change.Batch{Events: []change.Event{event(i)}}
				for j := 0; j < 10; j++ { // 10 unit states per step, 6,000 in all
					id := units[(i*10+j)%len(units)]
					batch.Units = append(batch.Units, unitChange(unitAt(id, i)))
					final[id] = i
				}
				if err := s.Write(batch); err != nil {
					t.Fatalf("write %d: %v", i, err)
				}
				switch i {
				case kill:
					b.kill()
				case restart:
					b = startEmbedded(t, tcpAddr, wsAddr)
					waitFor(t, 30*time.Second, "sink reconnected", s.client.IsConnectionOpen)
					sub = subscribe(t, tcpAddr, root+"/events/#")
				}
				time.Sleep(time.Millisecond)
			}
			waitFor(t, 30*time.Second, "outbox drained", func() bool { return s.pending(t) == 0 })
			waitFor(t, 10*time.Second, "the last event at the subscriber", func() bool {
				_, unique := eventIDs(t, sub.snapshot())
				return len(unique) > 0 && unique[len(unique)-1] == event(n-1).ID
			})
			_, unique := eventIDs(t, sub.snapshot())
			first := n - len(unique)
			for k, id := range unique {
				if want := event(first + k).ID; id != want {
					t.Fatalf("event %d after the restart is %s, want %s (gap or order broken)", k, id, want)
				}
			}
			if first > restart+1 {
				t.Fatalf("only events from %d on arrived after the restart at %d", first, restart)
			}
			fresh := subscribe(t, tcpAddr, root+"/units/#")
			for _, id := range units {
				topic := root + "/units/" + id
				waitFor(t, 10*time.Second, "retained "+id, func() bool {
					p := fresh.lastOn(topic)
					return p != nil && seqOf(t, p) == final[id]
				})
			}
		})
	}
}

// A burst of unit states through the batching connection arrives complete.
func TestEmbeddedBrokerBurst(t *testing.T) {
	b := startEmbedded(t, "127.0.0.1:0", "")
	sub := subscribe(t, b.Addr()[len("tcp://"):], root+"/units/#")
	s := startSink(t, b.Addr(), "", func(o *Options) { o.UnitRate = 1000; o.MapEvery = time.Hour })
	waitFor(t, 10*time.Second, "sink connected", s.client.IsConnectionOpen)
	const units = 5000
	batch := change.Batch{Units: make([]avl.Change, units)}
	for i := range batch.Units {
		batch.Units[i] = unitChange(unitAt(fmt.Sprintf("U%04d", i), i))
	}
	if err := s.Write(batch); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "every unit state", func() bool {
		sub.mu.Lock()
		defer sub.mu.Unlock()
		return len(sub.last) == units
	})
	for i := 0; i < units; i += 997 {
		if got := seqOf(t, sub.lastOn(fmt.Sprintf("%s/units/U%04d", root, i))); got != i {
			t.Fatalf("unit %d: fix %d", i, got)
		}
	}
}
