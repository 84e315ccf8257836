package influx

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/change"
	"radiogw/gateway/publish/outbox"
)

var base = time.Now().UTC().Truncate(time.Hour).Add(-2 * time.Hour)

func openOutbox(t testing.TB, dir string, mod func(*outbox.Options)) *outbox.Outbox {
	t.Helper()
	opts := outbox.Options{Dir: dir, Fsync: outbox.FsyncBatch}
	if mod != nil {
		mod(&opts)
	}
	o, err := outbox.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func newSink(t testing.TB, o *outbox.Outbox, url string) *Sink {
	t.Helper()
	s, err := New(Options{Site: "tustin", URL: url, Bucket: "radiogw/autogen", Token: "radiogw:secret",
		BatchSize: 5000, FlushEvery: 50 * time.Millisecond, Timeout: 5 * time.Second,
		MaxBackoff: 300 * time.Millisecond, Outbox: o})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fix i: 100 units, each fix at its own time, so every point is distinct.
func fix(i int) avl.Change {
	t := base.Add(time.Duration(i) * 10 * time.Millisecond)
	return avl.Change{Kind: avl.FixAccepted, Time: t, Live: i%7 != 0,
		Unit: avl.Unit{ID: fmt.Sprintf("2A%02d", i%100), Type: "patrol"},
		Fix: avl.Fix{Source: "avl-udp", Time: t, Lat: 33.7 + float64(i%1000)*1e-4, Lon: -117.8 - float64(i%500)*1e-4,
			SpeedKmh: float64(i % 120), Heading: float64(i % 360), HDOP: avl.Unknown, AltitudeM: avl.Unknown, AccuracyM: avl.Unknown}}
}

func fixes(from, n int) change.Batch {
	b := change.Batch{Units: make([]avl.Change, n)}
	for i := range b.Units {
		b.Units[i] = fix(from + i)
	}
	return b
}

// transmission i on tac2, 1.5 s long, ending at its time.
func transmission(i int) channels.Change {
	return channels.Change{Kind: channels.TransmissionEnd, Time: base.Add(time.Duration(i)*time.Minute + 1500*time.Millisecond),
		Duration: 1500 * time.Millisecond, RadioID: fmt.Sprintf("%d", 1200+i%10),
		Channel: channels.ChannelState{Name: "tac2"}}
}

// runSink runs s.Run until the returned stop is called.
func runSink(s *Sink) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = s.Run(ctx) }()
	return func() { cancel(); wg.Wait() }
}

func waitDrained(t testing.TB, o *outbox.Outbox, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if o.Stats().Depth == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("outbox not drained within %v: %+v", within, o.Stats())
}
