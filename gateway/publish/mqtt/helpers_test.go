package mqtt

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"radiogw/avl"
	"radiogw/gateway/change"
	"radiogw/gateway/publish/outbox"
)

const root = "radiogw/test"

// running is a sink with its outbox, running until the test ends.
type running struct {
	*Sink
	metrics *metricsLog
	q       *outbox.Outbox
	halt    func() // ends Run (the sink stays open)
	stop    func() // ends Run, closes the sink and the outbox
}

// startSink runs a sink against broker with an outbox in dir (a fresh one
// when dir is "").
func startSink(t testing.TB, broker, dir string, mod func(*Options)) *running {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	q, err := outbox.Open(outbox.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	rec := newMetricsLog()
	opts := Options{Site: "test", Broker: broker, ClientID: fmt.Sprintf("radiogw-test-%d", time.Now().UnixNano()),
		TopicRoot: root, Queue: q, OnMetric: rec.on, UnitRate: 50, MapEvery: 200 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if mod != nil {
		mod(&opts)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Run(ctx)
	}()
	var once sync.Once
	r := &running{Sink: s, metrics: rec, q: q, halt: func() { cancel(); <-done }}
	r.stop = func() {
		once.Do(func() {
			r.halt()
			cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer ccancel()
			s.Close(cctx)
			q.Close()
		})
	}
	t.Cleanup(r.stop)
	return r
}

// pending is how many events wait in the outbox.
func (r *running) pending(t testing.TB) int {
	t.Helper()
	es, err := r.q.Peek(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

// recorder is a subscriber that keeps every message in arrival order.
type recorder struct {
	mu   sync.Mutex
	msgs []msg
	last map[string][]byte
	c    paho.Client
}

type msg struct {
	topic   string
	payload []byte
	at      time.Time
}

// subscribeOpts connects a recording subscriber to filter; clientID != ""
// makes it a persistent session (clean session off) under that ID.
func subscribeOpts(t testing.TB, co *paho.ClientOptions, filter, clientID string) *recorder {
	t.Helper()
	r := &recorder{last: map[string][]byte{}}
	if clientID == "" {
		clientID = fmt.Sprintf("sub-%d", time.Now().UnixNano())
	} else {
		co.SetCleanSession(false)
	}
	co.SetClientID(clientID).SetAutoReconnect(true).SetConnectRetry(true).
		SetConnectRetryInterval(100 * time.Millisecond).SetMaxReconnectInterval(200 * time.Millisecond).
		SetOrderMatters(true).
		SetOnConnectHandler(func(c paho.Client) {
			c.Subscribe(filter, 1, func(_ paho.Client, m paho.Message) {
				r.mu.Lock()
				r.msgs = append(r.msgs, msg{m.Topic(), m.Payload(), time.Now()})
				r.last[m.Topic()] = m.Payload()
				r.mu.Unlock()
			}).WaitTimeout(5 * time.Second)
		})
	r.c = paho.NewClient(co)
	if tok := r.c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscriber connect: %v", tok.Error())
	}
	t.Cleanup(func() { r.c.Disconnect(100) })
	return r
}

func subscribe(t testing.TB, addr, filter string) *recorder {
	t.Helper()
	return subscribeOpts(t, paho.NewClientOptions().AddBroker("tcp://"+addr), filter, "")
}

func (r *recorder) snapshot() []msg {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]msg(nil), r.msgs...)
}

func (r *recorder) lastOn(topic string) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last[topic]
}

// waitFor polls cond until it holds or within passes.
func waitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	waitForOr(t, within, what, cond, nil)
}

// waitForOr is waitFor whose failure also says what explain returns, for
// a wait whose timeout needs the state behind it to be understood.
func waitForOr(t testing.TB, within time.Duration, what string, cond func() bool, explain func() string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			if explain != nil {
				t.Fatalf("timed out after %s waiting for %s: %s", within, what, explain())
			}
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var t0 = time.Date(2026, 11, 23, 22, 0, 0, 0, time.UTC)

// unitAt is unit id's state after its seq-th fix: latitude encodes seq.
func unitAt(id string, seq int) avl.Unit {
	at := t0.Add(time.Duration(seq) * 100 * time.Millisecond)
	return avl.Unit{ID: id, AlphaTag: id + " Patrol", RadioIDs: []string{"12" + id[len(id)-2:]},
		Position: &avl.Position{Lat: 33 + float64(seq)/1e5, Lon: -117.8, FixTime: at, SpeedKmh: 42.5,
			Heading: 270, HDOP: 0.9, Altitude: avl.Unknown, Source: "avl-udp"},
		Motion: avl.Moving, Updated: at}
}

func unitChange(u avl.Unit) avl.Change {
	return avl.Change{Kind: avl.UnitUpdated, Time: u.Updated, Unit: u}
}

func event(seq int) change.Event {
	return change.Event{ID: fmt.Sprintf("ev-%06d", seq), Kind: "ptt_start", Time: t0.Add(time.Duration(seq) * time.Millisecond),
		Channel: "tac2", Unit: "2A12", RadioID: "1201"}
}

// seqOf reads the fix sequence back from a unit payload.
func seqOf(t testing.TB, b []byte) int {
	t.Helper()
	var p struct {
		Position *struct{ Lat float64 } `json:"position"`
	}
	if err := json.Unmarshal(b, &p); err != nil || p.Position == nil {
		t.Fatalf("unit payload %q: %v", b, err)
	}
	return int((p.Position.Lat-33)*1e5 + 0.5)
}

// eventIDs lists event IDs in arrival order, and the order of first
// arrivals after de-duplication.
func eventIDs(t testing.TB, msgs []msg) (all, unique []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, m := range msgs {
		if len(m.topic) < len(root+"/events/") || m.topic[:len(root+"/events/")] != root+"/events/" {
			continue
		}
		var e struct{ ID string }
		if err := json.Unmarshal(m.payload, &e); err != nil {
			t.Fatalf("event payload %q: %v", m.payload, err)
		}
		all = append(all, e.ID)
		if !seen[e.ID] {
			seen[e.ID] = true
			unique = append(unique, e.ID)
		}
	}
	return all, unique
}

// sharedDir is a directory mosquitto can use after it drops root privileges
// to its own user (t.TempDir is private to the test's user).
func sharedDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "radiogw-mosquitto-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// metricsLog keeps what a sink reports through Options.OnMetric, as the
// runtime's collectors would: counters add up, gauges keep their value.
type metricsLog struct {
	mu sync.Mutex
	v  map[metricKey]float64
}

type metricKey struct{ name, label string }

func newMetricsLog() *metricsLog { return &metricsLog{v: map[metricKey]float64{}} }

func (r *metricsLog) on(name string, labels map[string]string, v float64) {
	k := metricKey{name: name}
	for _, l := range labels { // at most one label
		k.label = l
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch name {
	case MetricConnected, MetricMemoryBacklog:
		r.v[k] = v
	default:
		r.v[k] += v
	}
}

// String lists the metrics that are not zero, for a failure's message.
func (r *metricsLog) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for k, v := range r.v {
		if v != 0 {
			out = append(out, fmt.Sprintf("%s{%s}=%g", k.name, k.label, v))
		}
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// value is a metric's value; label is its label's value, "" for none.
func (r *metricsLog) value(name, label string) float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.v[metricKey{name, label}]
}
