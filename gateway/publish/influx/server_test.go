package influx

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"radiogw/channels"
	"radiogw/gateway/change"
	"radiogw/gateway/publish/influx/influxtest"
	"radiogw/gateway/publish/outbox"
)

func count(t *testing.T, srv *influxtest.Server, meas, field string) int64 {
	t.Helper()
	n, err := srv.Count(meas, field)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// 50,000 fixes stream in while influxd is down for a few seconds: every one
// arrives, once.
func TestOutageLosesNothing(t *testing.T) {
	srv := influxtest.Start(t, "radiogw")
	o := openOutbox(t, t.TempDir(), nil)
	defer o.Close()
	s := newSink(t, o, srv.URL)
	stop := runSink(s)
	defer stop()

	const total, per = 50000, 100
	const down, up = 15000, 15000 + 150*per // about 3 s of writes apart
	outage := time.Duration(0)
	var downAt time.Time
	for i := 0; i < total; i += per {
		switch i {
		case down:
			srv.Stop()
			downAt = time.Now()
		case up:
			srv.Start()
			outage = time.Since(downAt)
		}
		if err := s.Write(fixes(i, per)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	waitDrained(t, o, 30*time.Second)
	t.Logf("influxd was down for %v", outage)
	if n := count(t, srv, "unit_position", "lat"); n != total {
		t.Fatalf("influx has %d fixes, want %d", n, total)
	}
	// Exactly once: 100 series of 500 distinct timestamps each.
	r, err := srv.Query(`SELECT count("lat") FROM "unit_position" GROUP BY "unit"`)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Series) != 100 {
		t.Fatalf("%d unit series, want 100", len(r.Series))
	}
	for _, se := range r.Series {
		if se.Values[0][1].(interface{ String() string }).String() != "500" {
			t.Fatalf("unit %s has %v fixes, want 500", se.Tags["unit"], se.Values[0][1])
		}
	}
	st := s.Stats()
	if st.Retries == 0 {
		t.Fatal("no retry counted although influxd was down")
	}
	if st.Written < total || st.Rejected != 0 {
		t.Fatalf("stats: %+v", st)
	}
	t.Logf("stats: written %d, retries %d, outbox %+v", st.Written, st.Retries, o.Stats())
}

// A crash between Write and the acknowledgement loses nothing: the reopened
// outbox is drained by a new sink.
func TestCrashAndReopen(t *testing.T) {
	srv := influxtest.Start(t, "radiogw")
	dir := t.TempDir()
	o := openOutbox(t, dir, nil)
	s := newSink(t, o, srv.URL)
	stop := runSink(s)
	for i := 0; i < 10000; i += 500 {
		b := fixes(i, 500)
		b.Channels = []channels.Change{transmission(i / 500)}
		if err := s.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	waitDrained(t, o, 20*time.Second)
	srv.Stop() // what follows is queued, never acknowledged
	for i := 10000; i < 20000; i += 500 {
		b := fixes(i, 500)
		b.Channels = []channels.Change{transmission(i / 500)}
		s.Write(b)
	}
	stop()
	// The crash: files stay as they are, without Close or Ack.
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	if d := o.Stats().Depth; d != 10020 {
		t.Fatalf("queued before the crash: %d", d)
	}
	// The crash also tore the write of one more entry halfway.
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	f, err := os.OpenFile(segs[len(segs)-1], os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{0x60, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3})
	f.Close()

	srv.Start()
	o2 := openOutbox(t, dir, nil)
	defer o2.Close()
	if st := o2.Stats(); st.Depth != 10020 || st.Dropped[outbox.DropTorn] != 1 {
		t.Fatalf("replayed %d entries (want 10020), torn %d (want 1)", st.Depth, st.Dropped[outbox.DropTorn])
	}
	s2 := newSink(t, o2, srv.URL)
	stop2 := runSink(s2)
	defer stop2()
	waitDrained(t, o2, 20*time.Second)
	if n := count(t, srv, "unit_position", "lat"); n != 20000 {
		t.Fatalf("fixes: %d, want 20000", n)
	}
	if n := count(t, srv, "transmission", "duration_s"); n != 40 {
		t.Fatalf("transmissions: %d, want 40", n)
	}
}

// An outbox at its cap keeps every event and the newest positions, says so
// in its counters, and what is left arrives.
func TestCapPolicyEndToEnd(t *testing.T) {
	srv := influxtest.Start(t, "radiogw")
	o := openOutbox(t, t.TempDir(), func(op *outbox.Options) { op.MaxBytes = 256 << 10; op.SegmentBytes = 32 << 10 })
	defer o.Close()
	s := newSink(t, o, srv.URL) // not running yet: InfluxDB is "unreachable"
	for i := 0; i < 10000; i += 100 {
		b := fixes(i, 100)
		b.Channels = []channels.Change{transmission(i / 100)}
		if err := s.Write(b); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	st := o.Stats()
	if st.Bytes > 256<<10 || st.Dropped[outbox.DropCapPosition] == 0 || st.Dropped[outbox.DropCapEvent] != 0 {
		t.Fatalf("cap policy: %+v", st)
	}
	kept := 10100 - int(st.Dropped[outbox.DropCapPosition])
	if st.Depth != kept {
		t.Fatalf("depth %d, want %d (10,100 minus %d dropped)", st.Depth, kept, st.Dropped[outbox.DropCapPosition])
	}
	stop := runSink(s)
	defer stop()
	waitDrained(t, o, 20*time.Second)
	if n := count(t, srv, "transmission", "duration_s"); n != 100 {
		t.Fatalf("transmissions: %d, want all 100", n)
	}
	if n := count(t, srv, "unit_position", "lat"); n != int64(kept-100) {
		t.Fatalf("fixes: %d, want the %d kept", n, kept-100)
	}
	// The kept fixes are the newest ones.
	r, err := srv.Query(`SELECT last("lat") FROM "unit_position" WHERE "unit" = '2A99'`)
	if err != nil || len(r.Series) == 0 {
		t.Fatalf("newest fix of 2A99 missing: %v", err)
	}
	if got, want := r.Series[0].Values[0][0].(interface{ String() string }).String(), ns(fix(9999).Time); got != want {
		t.Fatalf("newest fix time %s, want %s", got, want)
	}
}

// Full outbox of events only: Write reports ErrOverflow, never silently.
func TestEventOverflowIsReported(t *testing.T) {
	o := openOutbox(t, t.TempDir(), func(op *outbox.Options) { op.MaxBytes = 8 << 10; op.SegmentBytes = 2 << 10 })
	defer o.Close()
	s := newSink(t, o, "")
	var err error
	for i := 0; i < 200 && err == nil; i++ {
		err = s.Write(change.Batch{Channels: []channels.Change{transmission(i)}})
	}
	if !errors.Is(err, outbox.ErrOverflow) {
		t.Fatalf("want ErrOverflow, got %v", err)
	}
	if o.Stats().Dropped[outbox.DropCapEvent] == 0 {
		t.Fatal("cap_event not counted")
	}
}

// Points the server refuses do not block the queue: they are counted and
// skipped, and their neighbours arrive.
func TestRejectedPointsAreSkipped(t *testing.T) {
	srv := influxtest.Start(t, "radiogw")
	o := openOutbox(t, t.TempDir(), nil)
	defer o.Close()
	ts := ns(base)
	lines := []string{
		"unit_position,site=tustin,unit=A lat=1 " + ts,
		"this is not line protocol",
		"unit_position,site=tustin,unit=B lat=2 " + ts,
		`unit_position,site=tustin,unit=C lat="a string" ` + ts, // field type conflict
		"unit_position,site=tustin,unit=D lat=4 " + ts,
	}
	for _, l := range lines {
		if err := o.Append(outbox.Entry{Class: outbox.ClassPosition, Time: base, Data: []byte(l)}); err != nil {
			t.Fatal(err)
		}
	}
	s := newSink(t, o, srv.URL)
	stop := runSink(s)
	defer stop()
	waitDrained(t, o, 20*time.Second)
	if st := s.Stats(); st.Rejected != 2 || st.Written != 3 {
		t.Fatalf("stats: %+v", st)
	}
	if n := count(t, srv, "unit_position", "lat"); n != 3 {
		t.Fatalf("%d points, want 3", n)
	}
}

// Export's output is accepted as is by InfluxDB 1.8's /write.
func TestExportImports(t *testing.T) {
	srv := influxtest.Start(t, "radiogw")
	o := openOutbox(t, t.TempDir(), nil)
	defer o.Close()
	s := newSink(t, o, "")
	b := fixes(0, 1000)
	b.Channels = []channels.Change{transmission(1), {Kind: channels.StatusChanged, Time: base, RadioID: "1201",
		Status: `on "scene"`, StatusCode: "6"}}
	if err := s.Write(b); err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	if n, err := Export(o, &sb); err != nil || n != 1002 {
		t.Fatalf("export: %d %v", n, err)
	}
	resp, err := http.Post(srv.URL+"/write?db=radiogw", "text/plain", strings.NewReader(sb.String()))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("import: HTTP %d", resp.StatusCode)
	}
	if n := count(t, srv, "unit_position", "lat"); n != 1000 {
		t.Fatalf("imported %d fixes", n)
	}
	r, err := srv.Query(`SELECT "status", "code" FROM "unit_status"`)
	if err != nil || len(r.Series) != 1 || r.Series[0].Values[0][1] != `on "scene"` {
		t.Fatalf("status round trip: %+v %v", r, err)
	}
}

func TestCloseFlushes(t *testing.T) {
	srv := influxtest.Start(t, "radiogw")
	o := openOutbox(t, t.TempDir(), nil)
	defer o.Close()
	s := newSink(t, o, srv.URL)
	s.Write(fixes(0, 12000))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if d := o.Stats().Depth; d != 0 {
		t.Fatalf("depth after Close: %d", d)
	}
	if n := count(t, srv, "unit_position", "lat"); n != 12000 {
		t.Fatalf("%d fixes", n)
	}
}

// The drain loop wakes for what is worth a request, not for every tracker
// step: a write after a quiet spell goes out at once, a partial batch waits
// up to FlushEvery for more, and a full batch goes out at once again.
func TestWritesWakeTheDrainOnlyWhenWorthARequest(t *testing.T) {
	srv := influxtest.Start(t, "radiogw")
	o := openOutbox(t, t.TempDir(), nil)
	defer o.Close()
	s, err := New(Options{Site: "tustin", URL: srv.URL, Bucket: "radiogw/autogen", Token: "radiogw:secret",
		BatchSize: 100, FlushEvery: 10 * time.Second, Timeout: 5 * time.Second,
		MaxBackoff: 300 * time.Millisecond, Outbox: o})
	if err != nil {
		t.Fatal(err)
	}
	stop := runSink(s)
	defer stop()
	sent := func(more func(uint64) bool, within time.Duration) bool {
		deadline := time.Now().Add(within)
		for time.Now().Before(deadline) && !more(s.Stats().Written) {
			time.Sleep(10 * time.Millisecond)
		}
		return more(s.Stats().Written)
	}
	time.Sleep(100 * time.Millisecond) // the drain finds the outbox empty and sleeps
	if err := s.Write(fixes(0, 10)); err != nil {
		t.Fatal(err)
	}
	if !sent(func(n uint64) bool { return n > 0 && o.Stats().Depth == 0 }, 5*time.Second) {
		t.Fatalf("a write after a quiet spell was not sent at once (FlushEvery is 10 s): %+v", s.Stats())
	}
	first := s.Stats().Written
	if err := s.Write(fixes(10, 10)); err != nil {
		t.Fatal(err)
	}
	if sent(func(n uint64) bool { return n > first }, time.Second) {
		t.Fatalf("a partial batch right after a request was sent before FlushEvery: %+v", s.Stats())
	}
	if err := s.Write(fixes(20, 100)); err != nil {
		t.Fatal(err)
	}
	if !sent(func(n uint64) bool { return n > first && o.Stats().Depth == 0 }, 5*time.Second) {
		t.Fatalf("a full batch waited for FlushEvery: %+v, outbox %+v", s.Stats(), o.Stats())
	}
}
