package pipeline

import (
	"bufio"
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"radiogw/avl"
	"radiogw/channels"
)

var benchT0 = time.Date(2026, 11, 23, 22, 0, 0, 0, time.UTC)

// testRoster is the roster testdata/snapshot-v1.json was written with.
func testAVLConfig() avl.Config {
	return avl.Config{
		Roster: []avl.RosterEntry{
			{CallSign: "2A12", AlphaTag: "2A12 Patrol", Type: "patrol", RadioIDs: []string{"1201"}, AVLIDs: []string{"4521"}},
			{CallSign: "2A13", AlphaTag: "2A13 Patrol", Type: "patrol", RadioIDs: []string{"1301"}, AVLIDs: []string{"4531"}},
		},
		Types: map[string]avl.TypePolicy{avl.DefaultType: {Aging: 2 * time.Minute, Stale: 5 * time.Minute, Lost: 15 * time.Minute}},
	}
}

func testChannels() *channels.Tracker {
	return channels.NewTracker(channels.Config{Channels: []channels.ChannelConfig{{Name: "tac2", Freq: 460125000, HangTime: time.Second}}})
}

func testPipeline(t *testing.T, dir string) *Pipeline {
	t.Helper()
	d := benchPipeline(dir, avl.NewTracker(testAVLConfig()))
	d.chans = testChannels()
	return d
}

// installV1 puts the snapshot file the previous radiogw wrote into dir.
func installV1(t *testing.T, dir string) {
	t.Helper()
	raw, err := os.ReadFile("testdata/snapshot-v1.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "snapshot.json"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

// checkV1State checks what testdata/snapshot-v1.json holds.
func checkV1State(t *testing.T, d *Pipeline) {
	t.Helper()
	us := d.units.Units()
	if len(us) != 3 || us[0].ID != "2A12" || us[1].ID != "2A13" || us[2].ID != "9001" {
		t.Fatalf("units %+v", us)
	}
	p := us[0].Position
	if p == nil || p.Lat != 33.755320000000005 || p.Lon != -117.82301 || p.SpeedKmh != 38.25 ||
		!p.FixTime.Equal(benchT0.Add(40*time.Second)) || us[0].Emergency == nil || us[0].Emergency.AckedBy != "disp4" {
		t.Fatalf("2A12 %+v %+v", us[0], p)
	}
	if us[1].Status != "enroute" || !us[2].Unlisted {
		t.Fatalf("2A13 %+v, 9001 %+v", us[1], us[2])
	}
	if tr := d.units.Track("2A12"); len(tr) != 4 || tr[1].Source != "lrrp" || tr[2].SpeedKmh != 42.5 || tr[2].Heading != 271 {
		t.Fatalf("2A12 track %+v", tr)
	}
	if c, ok := d.chans.Channel("tac2"); !ok || !c.Busy || c.Talker != "1201" {
		t.Fatalf("tac2 %+v", c)
	}
	// Identities are kept by sender address without the port: a modem that
	// picks a new source port is the same device.
	if id := d.idents[identKey("avl-udp", "192.0.2.7:5000")]; id.id != "4521" || id.kind != avl.AVLID {
		t.Fatalf("identities %v", d.idents)
	}
}

// TestSnapshotUpgrade: the snapshot written by the previous radiogw (one
// whole document, breadcrumbs as full fixes) restores, and the next
// snapshot, in the streamed format, restores the same state.
func TestSnapshotUpgrade(t *testing.T) {
	dir := t.TempDir()
	installV1(t, dir)
	d := testPipeline(t, dir)
	if err := d.restoreSnapshot(); err != nil {
		t.Fatal(err)
	}
	checkV1State(t, d)

	d.writeSnapshot(benchT0.Add(5*time.Minute), true)
	raw, err := os.ReadFile(filepath.Join(dir, "snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	if len(lines) != 3+3 || lines[0] != `{"version":2,"written":"2026-11-23T22:05:00Z","units":3}` ||
		!strings.HasPrefix(lines[3], `{"id":"2A12",`) {
		t.Fatalf("streamed snapshot:\n%s", raw)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("temporary files left behind: %v", ents)
	}

	d2 := testPipeline(t, dir)
	if err := d2.restoreSnapshot(); err != nil {
		t.Fatal(err)
	}
	checkV1State(t, d2)
	for _, u := range d.units.Units() {
		a, b := d.units.Track(u.ID), d2.units.Track(u.ID)
		if len(a) != len(b) {
			t.Fatalf("%s: track %v, want %v", u.ID, b, a)
		}
		for i := range a {
			if !a[i].Time.Equal(b[i].Time) || a[i].Lat != b[i].Lat || a[i].Lon != b[i].Lon || a[i].Source != b[i].Source {
				t.Fatalf("%s crumb %d: %+v, want %+v", u.ID, i, b[i], a[i])
			}
		}
	}
}

// TestSnapshotRejectsDamage: a damaged snapshot restores nothing at all,
// rather than half a fleet.
func TestSnapshotRejectsDamage(t *testing.T) {
	dir := t.TempDir()
	installV1(t, dir)
	d := testPipeline(t, dir)
	if err := d.restoreSnapshot(); err != nil {
		t.Fatal(err)
	}
	d.writeSnapshot(benchT0.Add(5*time.Minute), true)
	good, err := os.ReadFile(filepath.Join(dir, "snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	v1, _ := os.ReadFile("testdata/snapshot-v1.json")
	lastNL := bytes.LastIndexByte(good[:len(good)-1], '\n')
	cases := map[string][]byte{
		"truncated":       good[:lastNL+1],
		"cut mid-line":    good[:len(good)-10],
		"extra unit":      append(bytes.Clone(good), good[lastNL+1:]...),
		"version":         bytes.Replace(good, []byte(`"version":2`), []byte(`"version":3`), 1),
		"no version":      []byte(`{"written":"2026-11-23T22:05:00Z"}`),
		"not json":        []byte("snapshot"),
		"empty":           nil,
		"bad unit":        bytes.Replace(good, []byte(`"stale":"aging"`), []byte(`"stale":"mouldy"`), 1),
		"v1 truncated":    v1[:len(v1)/2],
		"v1 bad unit":     bytes.Replace(v1, []byte(`"lat":33.74262`), []byte(`"lat":95`), 1),
		"v1 units ver":    bytes.Replace(v1, []byte(`"units":{"version":1`), []byte(`"units":{"version":7`), 1),
		"v1 bad channels": bytes.Replace(v1, []byte(`"channels":{"version":1`), []byte(`"channels":{"version":9`), 1),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "snapshot.json"), data, 0o600); err != nil {
				t.Fatal(err)
			}
			d := testPipeline(t, dir)
			d.units.ApplyFix(avl.Fix{Source: "s", DeviceID: "4531", Time: benchT0, Lat: 33.7, Lon: -117.8, Valid: true,
				SpeedKmh: avl.Unknown, Heading: avl.Unknown, HDOP: avl.Unknown, AltitudeM: avl.Unknown, AccuracyM: avl.Unknown})
			if err := d.restoreSnapshot(); err == nil {
				t.Fatal("damaged snapshot restored")
			}
			if us := d.units.Units(); len(us) != 1 || us[0].ID != "2A13" || len(d.idents) != 0 {
				t.Fatalf("a failed restore changed the state: %+v %v", us, d.idents)
			}
			if c, _ := d.chans.Channel("tac2"); c.Busy {
				t.Fatal("a failed restore changed the channels")
			}
		})
	}
}

// FuzzDecodeSnapshot: any file, either version, must decode without a
// panic; what decodes must restore and stream out again.
func FuzzDecodeSnapshot(f *testing.F) {
	v1, err := os.ReadFile("testdata/snapshot-v1.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(v1)
	tr := avl.NewTracker(testAVLConfig())
	l := tr.NewLoader()
	s, err := decodeSnapshot(bufio.NewReader(bytes.NewReader(v1)), l)
	if err != nil {
		f.Fatal(err)
	}
	l.Commit()
	var v2 bytes.Buffer
	w := bufio.NewWriter(&v2)
	if err := encodeSnapshot(w, snapshotHeader{Version: 2, Written: benchT0, Units: tr.Capture().Len()}, s.chans, s.idents, tr.Capture()); err != nil {
		f.Fatal(err)
	}
	w.Flush()
	f.Add(v2.Bytes())
	f.Add([]byte(`{"version":2,"written":"2026-11-23T22:05:00Z","units":0}` + "\n{\"version\":1}\n{}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tr := avl.NewTracker(testAVLConfig())
		l := tr.NewLoader()
		s, err := decodeSnapshot(bufio.NewReader(bytes.NewReader(data)), l)
		if err != nil {
			return
		}
		l.Commit()
		c := tr.Capture()
		var out bytes.Buffer
		w := bufio.NewWriter(&out)
		if err := encodeSnapshot(w, snapshotHeader{Version: 2, Units: c.Len()}, s.chans, s.idents, c); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		tr2 := avl.NewTracker(testAVLConfig())
		l2 := tr2.NewLoader()
		if _, err := decodeSnapshot(bufio.NewReader(&out), l2); err != nil {
			t.Fatalf("own snapshot rejected: %v\n%s", err, out.Bytes())
		}
		if l2.Len() != c.Len() {
			t.Fatalf("%d units back, %d written", l2.Len(), c.Len())
		}
	})
}

// benchFleet builds a tracker with n listed units whose breadcrumb rings are
// full, as a large site has them after an hour of reports.
func benchFleet(tb testing.TB, n, crumbs int) *avl.Tracker {
	tb.Helper()
	cfg := avl.Config{Types: map[string]avl.TypePolicy{avl.DefaultType: {}}, Breadcrumbs: crumbs}
	for i := 0; i < n; i++ {
		id := strconv.Itoa(i)
		cfg.Roster = append(cfg.Roster, avl.RosterEntry{CallSign: "B" + id, AlphaTag: "Unit " + id, Type: "patrol",
			AVLIDs: []string{"A" + id}, RadioIDs: []string{"R" + id}})
	}
	tr := avl.NewTracker(cfg)
	ids := make([]string, n)
	for i := range ids {
		ids[i] = "A" + strconv.Itoa(i)
	}
	for k := 0; k < crumbs; k++ {
		at := benchT0.Add(time.Duration(k) * 5 * time.Second)
		for i := 0; i < n; i++ {
			f := avl.Fix{Source: "avl-udp", DeviceID: ids[i], Time: at, Received: at.Add(time.Second),
				Lat: 33.7 + float64(i%1000)*1e-4 + float64(k)*2e-4, Lon: -117.8 - float64(i/1000)*1e-4, // 22 m per 5 s: moving, so every fix is a crumb
				Valid: true, SpeedKmh: 40 + float64(k%7), Heading: float64((k * 17) % 360), HDOP: 0.9,
				AltitudeM: avl.Unknown, AccuracyM: avl.Unknown}
			if cs := tr.ApplyFix(f); cs[0].Kind != avl.FixAccepted {
				tb.Fatalf("setup fix rejected: %s", cs[0].Reason)
			}
		}
	}
	return tr
}

// benchPipeline is a pipeline writing its snapshot into dir, around units.
func benchPipeline(dir string, units *avl.Tracker) *Pipeline {
	p := New(avl.Config{}, channels.Config{}, Settings{DataDir: dir},
		Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	p.units = units
	return p
}

// peakHeap samples the heap's object bytes until stopped and returns the
// highest value above the one at the start.
func peakHeap() (stop func() uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	runtime.GC()
	base := read()
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			if v := read(); v > peak {
				peak = v
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		if peak < base {
			return 0
		}
		return peak - base
	}
}

var fleets = map[int]*avl.Tracker{}

const benchUnits = 100000

// benchTracker returns (once per ring length) 100,000 units with full rings.
func benchTracker(b *testing.B, crumbs int) *avl.Tracker {
	if tr, ok := fleets[crumbs]; ok {
		return tr
	}
	clear(fleets) // one fleet in memory at a time
	runtime.GC()
	fleets[crumbs] = benchFleet(b, benchUnits, crumbs)
	return fleets[crumbs]
}

// benchRings: the default ring and the 100 crumbs every unit kept before.
var benchRings = []int{avl.DefaultBreadcrumbs, 100}

// BenchmarkSnapshotWrite100k: the shutdown snapshot of 100,000 units with
// full breadcrumb rings (copy on the loop goroutine, then the write).
// capture-ms is the part that runs on the loop goroutine.
func BenchmarkSnapshotWrite100k(b *testing.B) {
	for _, crumbs := range benchRings {
		b.Run("crumbs="+strconv.Itoa(crumbs), func(b *testing.B) {
			tr := benchTracker(b, crumbs)
			dir := b.TempDir()
			d := benchPipeline(dir, tr)
			start := time.Now()
			c := tr.Capture()
			captured := time.Since(start)
			runtime.KeepAlive(c)
			c = nil
			b.ReportAllocs()
			stop := peakHeap()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				d.writeSnapshot(benchT0, true)
			}
			b.StopTimer()
			b.ReportMetric(float64(stop())/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(captured.Microseconds())/1e3, "capture-ms")
			st, err := os.Stat(filepath.Join(dir, "snapshot.json"))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(st.Size())/(1<<20), "file-MiB")
		})
	}
}

// BenchmarkSnapshotRestore100k: the start-up restore of that snapshot.
func BenchmarkSnapshotRestore100k(b *testing.B) {
	for _, crumbs := range benchRings {
		b.Run("crumbs="+strconv.Itoa(crumbs), func(b *testing.B) {
			dir := b.TempDir()
			benchPipeline(dir, benchTracker(b, crumbs)).writeSnapshot(benchT0, true)
			b.ReportAllocs()
			stop := peakHeap()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				d := benchPipeline(dir, avl.NewTracker(avl.Config{Breadcrumbs: crumbs}))
				if err := d.restoreSnapshot(); err != nil {
					b.Fatal(err)
				}
				if n := len(d.units.Track("B1")); n != crumbs {
					b.Fatalf("restored %d crumbs", n)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(stop())/(1<<20), "peak-heap-MiB")
		})
	}
}
