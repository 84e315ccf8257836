package avl

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// busyTracker has units with every kind of state: positions with and
// without optional values, late breadcrumbs, stale, motion, beat, status,
// emergency, channel, an unlisted unit.
func busyTracker(t testing.TB) *Tracker {
	t.Helper()
	tr := NewTracker(fenceConfig())
	tr.ApplyFix(fix("4521", 0, 0.009, 0))
	f := fix("4521", 20, 0.0095, 0)
	f.SpeedKmh, f.Heading, f.HDOP, f.AltitudeM, f.AccuracyM = 12.5, 271, 0.9, 41, 6
	tr.ApplyFix(f)
	late := fix("4521", 10, 0.0093, 0) // late: history only
	late.Source = "lrrp"
	tr.ApplyFix(late)
	tr.ApplyFix(fix("4531", 0, 0, 0.002))
	tr.ApplyFix(fix("9001", 5, -0.003, 0))
	tr.ApplyRadio(RadioActivity{RadioID: "1201", Channel: "tac2", Talking: true, At: t0.Add(30 * time.Second)})
	tr.ApplyStatus(StatusUpdate{RadioID: "1301", Status: "enroute", At: t0.Add(40 * time.Second)})
	tr.SetEmergency("1201", &Emergency{ID: "e-1", Since: t0.Add(50 * time.Second), AckedBy: "disp4", AckedAt: t0.Add(55 * time.Second)}, t0.Add(55*time.Second))
	tr.Expire(t0.Add(3 * time.Minute))
	return tr
}

// encodeAll streams a capture into one line per unit.
func encodeAll(t testing.TB, c *Capture) [][]byte {
	t.Helper()
	var lines [][]byte
	if err := c.EncodeUnits(func(line []byte) error {
		lines = append(lines, bytes.Clone(line))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return lines
}

// roundTrip restores tr's streamed snapshot into a new tracker for cfg.
func roundTrip(t testing.TB, tr *Tracker, cfg Config) *Tracker {
	t.Helper()
	tr2 := NewTracker(cfg)
	l := tr2.NewLoader()
	for _, line := range encodeAll(t, tr.Capture()) {
		if err := l.AddUnitJSON(line); err != nil {
			t.Fatalf("%v in %s", err, line)
		}
	}
	l.Commit()
	return tr2
}

// checkSameState compares two trackers unit by unit and breadcrumb by breadcrumb.
func checkSameState(t *testing.T, want, got *Tracker) {
	t.Helper()
	wu, gu := want.Units(), got.Units()
	if len(wu) != len(gu) {
		t.Fatalf("units %v, want %v", ids(gu), ids(wu))
	}
	for i := range wu {
		if !sameUnit(&wu[i], &gu[i]) || !wu[i].Updated.Equal(gu[i].Updated) {
			t.Fatalf("unit %s:\n got %+v %+v\nwant %+v %+v", wu[i].ID, gu[i], gu[i].Position, wu[i], wu[i].Position)
		}
		wt, gt := want.Track(wu[i].ID), got.Track(wu[i].ID)
		if len(wt) != len(gt) {
			t.Fatalf("%s: %d breadcrumbs, want %d", wu[i].ID, len(gt), len(wt))
		}
		for j := range wt {
			if !sameCrumb(wt[j], gt[j]) {
				t.Fatalf("%s breadcrumb %d:\n got %+v\nwant %+v", wu[i].ID, j, gt[j], wt[j])
			}
		}
	}
}

func sameCrumb(a, b Crumb) bool {
	return a.Time.Equal(b.Time) && a.Lat == b.Lat && a.Lon == b.Lon && a.Source == b.Source &&
		sameFloat(a.SpeedKmh, b.SpeedKmh) && sameFloat(a.Heading, b.Heading)
}

func TestSnapshotRoundTrip(t *testing.T) {
	tr := busyTracker(t)
	u := mustUnit(t, tr, "2A12")
	if u.Beat != "B3" || u.Stale != Aging || u.Motion != Moving || u.Emergency == nil || len(tr.Track("2A12")) != 3 {
		t.Fatalf("fixture not busy enough: %+v", u)
	}
	lines := encodeAll(t, tr.Capture())
	if len(lines) != 3 {
		t.Fatalf("%d lines, want one per unit", len(lines))
	}
	for _, l := range lines {
		if !json.Valid(l) || bytes.Contains(l, []byte("null")) || bytes.Contains(l, []byte("NaN")) || bytes.ContainsRune(l, '\n') {
			t.Errorf("unit line is not one line of JSON without null/NaN: %s", l)
		}
	}
	if !strings.HasPrefix(string(lines[0]), `{"id":"2A12"`) || !strings.HasPrefix(string(lines[2]), `{"id":"9001"`) {
		t.Errorf("units not in ID order: %s", bytes.Join(lines, []byte("\n")))
	}

	tr2 := roundTrip(t, tr, fenceConfig())
	checkSameState(t, tr, tr2)
	if got := tr2.Track("2A12"); got[1].Source != "lrrp" || got[2].SpeedKmh != 12.5 || got[2].Heading != 271 || !math.IsNaN(got[0].SpeedKmh) {
		t.Errorf("breadcrumbs after restore: %+v", got)
	}
	// A second round trip writes the same bytes.
	if again := encodeAll(t, tr2.Capture()); !bytes.Equal(bytes.Join(again, nil), bytes.Join(lines, nil)) {
		t.Errorf("second round trip differs:\n%s\n%s", bytes.Join(again, []byte("\n")), bytes.Join(lines, []byte("\n")))
	}

	// The restored tracker goes on from where it was: a duplicate of the
	// live fix is still a duplicate, the ladder continues.
	if cs := tr2.ApplyFix(fix("4521", 20, 0.0095, 0)); cs[0].Reason != RejectDuplicate {
		t.Errorf("after restore: %v %q", kinds(cs), cs[0].Reason)
	}
	if cs := tr2.ApplyFix(fix("4521", 10, 0.0093, 0)); cs[0].Reason != RejectDuplicate {
		t.Errorf("late duplicate after restore: %v %q", kinds(cs), cs[0].Reason)
	}
	cs := tr2.Expire(t0.Add(6 * time.Minute))
	if len(cs) == 0 || cs[0].Unit.Stale != Stale {
		t.Errorf("ladder after restore: %v", kinds(cs))
	}
}

// TestCaptureIsIsolated: what the tracker does after Capture does not show
// in the encoded snapshot (it is encoded on another goroutine).
func TestCaptureIsIsolated(t *testing.T) {
	tr := busyTracker(t)
	want := encodeAll(t, tr.Capture())
	c := tr.Capture()
	f := fix("4521", 60, 0.0099, 0)
	f.SpeedKmh = 30
	tr.ApplyFix(f)
	tr.ApplyFix(fix("4531", 60, 0, 0.003))
	tr.SetEmergency("1201", nil, t0.Add(70*time.Second))
	tr.ApplyStatus(StatusUpdate{RadioID: "1201", Status: "onscene", At: t0.Add(70 * time.Second)})
	if got := encodeAll(t, c); !bytes.Equal(bytes.Join(got, nil), bytes.Join(want, nil)) {
		t.Fatalf("capture changed with the tracker:\n%s\nwant\n%s", bytes.Join(got, []byte("\n")), bytes.Join(want, []byte("\n")))
	}
}

// TestLoaderReadsAnyLayout: a unit line edited by hand (crumbs not last,
// spaces, newlines) loads the same as the line EncodeUnits wrote.
func TestLoaderReadsAnyLayout(t *testing.T) {
	tr := busyTracker(t)
	line := encodeAll(t, tr.Capture())[0]
	at := bytes.Index(line, []byte(`,"crumbs":[`))
	moved := append(append([]byte(`{`), line[at+1:len(line)-1]...), ',')
	moved = append(append(moved, line[1:at]...), '}')
	var spaced bytes.Buffer
	if err := json.Indent(&spaced, line, "", "  "); err != nil {
		t.Fatal(err)
	}
	for _, in := range [][]byte{moved, spaced.Bytes()} {
		tr2 := NewTracker(fenceConfig())
		l := tr2.NewLoader()
		if err := l.AddUnitJSON(in); err != nil {
			t.Fatalf("%v in %s", err, in)
		}
		l.Commit()
		want, got := tr.Track("2A12"), tr2.Track("2A12")
		if len(got) != len(want) {
			t.Fatalf("%d crumbs from %s", len(got), in)
		}
		for i := range want {
			if !sameCrumb(want[i], got[i]) {
				t.Fatalf("crumb %d = %+v, want %+v, from %s", i, got[i], want[i], in)
			}
		}
	}
}

// TestCaptureEncodedConcurrently: the runtime encodes a capture on its own
// goroutine while the tracker goes on (run with -race).
func TestCaptureEncodedConcurrently(t *testing.T) {
	tr := busyTracker(t)
	c := tr.Capture()
	want := encodeAll(t, tr.Capture())
	done := make(chan [][]byte)
	go func() { done <- encodeAll(t, c) }()
	for i := 0; i < 500; i++ {
		f := fix("4521", float64(60+i), 0.0099+float64(i)*1e-5, 0)
		f.Source = "src" + strconv.Itoa(i%70) // new source names grow the table
		tr.ApplyFix(f)
		tr.ApplyFix(fix("9001", float64(60+i), -0.003, float64(i)*1e-5))
	}
	if got := <-done; !bytes.Equal(bytes.Join(got, nil), bytes.Join(want, nil)) {
		t.Fatal("capture changed while it was encoded")
	}
}

func TestLoaderRejectsBadUnits(t *testing.T) {
	lines := encodeAll(t, busyTracker(t).Capture())
	good := string(lines[0]) // 2A12: three crumbs from two sources
	if !strings.Contains(good, `"sources":["avl-udp","lrrp"],"crumbs":[`) {
		t.Fatalf("fixture line: %s", good)
	}
	crumbsAt := strings.Index(good, `"crumbs":[`) + len(`"crumbs":[`)
	withCrumbs := func(list string) string { return good[:crumbsAt] + list + "]}" }
	cases := map[string][]string{
		"not json":        {`{"id":`},
		"empty id":        {strings.Replace(good, `"id":"2A12"`, `"id":""`, 1)},
		"duplicate":       {good, good},
		"stale level":     {strings.Replace(good, `"stale":"aging"`, `"stale":"mouldy"`, 1)},
		"motion":          {strings.Replace(good, `"motion":"moving"`, `"motion":"flying"`, 1)},
		"position":        {strings.Replace(good, `"lat":33.75512`, `"lat":91`, 1)},
		"crumb count":     {withCrumbs(`1,2,3,4,5`)},
		"crumb latitude":  {withCrumbs(`1763935200000000000,900000001,0,-1,-1,0`)},
		"crumb longitude": {withCrumbs(`1763935200000000000,0,-1800000001,-1,-1,0`)},
		"crumb heading":   {withCrumbs(`1763935200000000000,0,0,-1,36000,0`)},
		"crumb speed":     {withCrumbs(`1763935200000000000,0,0,-2,0,0`)},
		"crumb source":    {withCrumbs(`1763935200000000000,0,0,-1,-1,3`)},
		"crumb not int":   {withCrumbs(`1.5,0,0,-1,-1,0`)},
		"crumb too large": {withCrumbs(`99999999999999999999,0,0,-1,-1,0`)},
		"crumb comma":     {withCrumbs(`1,0,0,-1,-1,0,`)},
		"crumb empty":     {withCrumbs(`1,0,,-1,-1,0`)},
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			tr := NewTracker(testConfig())
			tr.ApplyFix(fix("4521", 0, 0, 0))
			l := tr.NewLoader()
			var err error
			for _, line := range in {
				if err = l.AddUnitJSON([]byte(line)); err != nil {
					break
				}
			}
			if err == nil {
				t.Fatal("Loader accepted a bad unit")
			}
			if us := tr.Units(); len(us) != 1 || us[0].Position.Lat != baseLat {
				t.Fatalf("failed load changed the tracker: %v", ids(us))
			}
		})
	}
}

// v1File is a snapshot file as radiogw wrote it before breadcrumbs became
// compact (gateway's whole-document format, avl.Snapshot under "units").
const v1File = "../gateway/pipeline/testdata/snapshot-v1.json"

func readV1(t testing.TB) Snapshot {
	t.Helper()
	raw, err := os.ReadFile(v1File)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Units Snapshot `json:"units"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	return file.Units
}

// TestRestoreVersion1 restores a snapshot written by the previous code: an
// upgrade must not blank the wall map.
func TestRestoreVersion1(t *testing.T) {
	cfg := testConfig()
	tr := NewTracker(cfg)
	if err := tr.Restore(readV1(t)); err != nil {
		t.Fatal(err)
	}
	us := tr.Units()
	if got := ids(us); len(got) != 3 || got[0] != "2A12" || got[1] != "2A13" || got[2] != "9001" {
		t.Fatalf("units %v", got)
	}
	u := us[0]
	p := u.Position
	if p == nil || p.Lat != 33.755320000000005 || p.Lon != -117.82301 || p.SpeedKmh != 38.25 || p.Heading != 12.5 ||
		!math.IsNaN(p.HDOP) || !p.FixTime.Equal(t0.Add(40*time.Second)) || p.Source != "avl-udp" {
		t.Fatalf("2A12 position %+v", p)
	}
	if u.Stale != Aging || u.Motion != Moving || u.Channel != "tac2" || !u.Talking || u.Emergency == nil ||
		u.Emergency.AckedBy != "disp4" || !u.Updated.Equal(t0.Add(3*time.Minute)) {
		t.Fatalf("2A12 %+v", u)
	}
	if st := us[1]; st.Status != "enroute" || !st.StatusAt.Equal(t0.Add(40*time.Second)) {
		t.Fatalf("2A13 %+v", st)
	}
	if !us[2].Unlisted || us[2].Position == nil {
		t.Fatalf("9001 %+v", us[2])
	}
	track := tr.Track("2A12")
	want := []struct {
		sec      int
		src      string
		lat, kmh float64
	}{{0, "avl-udp", 33.75462, math.NaN()}, {10, "lrrp", 33.7549200, math.NaN()}, {20, "avl-udp", 33.7551200, 42.5}, {40, "avl-udp", 33.7553200, 38.3}} // speed kept to 0.1 km/h
	if len(track) != len(want) {
		t.Fatalf("2A12 track %+v", track)
	}
	for i, w := range want {
		c := track[i]
		if !c.Time.Equal(t0.Add(time.Duration(w.sec)*time.Second)) || c.Source != w.src || c.Lat != w.lat || !sameFloat(c.SpeedKmh, w.kmh) {
			t.Errorf("crumb %d = %+v, want %+v", i, c, w)
		}
	}
	// And it is written on in the new format like any other state.
	checkSameState(t, tr, roundTrip(t, tr, cfg))
}

func TestRestoreRejectsBadSnapshots(t *testing.T) {
	cases := map[string]func(s *Snapshot){
		"version":         func(s *Snapshot) { s.Version = 2 },
		"empty id":        func(s *Snapshot) { s.Units[0].ID = "" },
		"duplicate":       func(s *Snapshot) { s.Units[1].ID = s.Units[0].ID },
		"stale level":     func(s *Snapshot) { s.Units[0].Stale = "mouldy" },
		"motion":          func(s *Snapshot) { s.Units[0].Motion = "flying" },
		"position NaN":    func(s *Snapshot) { s.Units[0].Position.Lat = math.NaN() },
		"breadcrumb":      func(s *Snapshot) { s.Units[0].Track[0].Lon = 200 },
		"breadcrumb time": func(s *Snapshot) { s.Units[0].Track[0].Time = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC) },
	}
	for name, mod := range cases {
		t.Run(name, func(t *testing.T) {
			s := readV1(t)
			mod(&s)
			tr := NewTracker(testConfig())
			tr.ApplyFix(fix("4521", 0, 0, 0))
			if err := tr.Restore(s); err == nil {
				t.Fatal("Restore accepted a bad snapshot")
			}
			if us := tr.Units(); len(us) != 1 || us[0].Position.Lat != baseLat {
				t.Fatalf("failed Restore changed the tracker: %v", ids(us))
			}
		})
	}
}

func TestRestoreReresolves(t *testing.T) {
	// Saved while 2A14's modem 4541 was not in the roster.
	old := NewTracker(testConfig())
	old.ApplyFix(fix("4541", 0, 0.001, 0))
	old.ApplyStatus(StatusUpdate{RadioID: "4541", Status: "available", At: t0})

	cfg := testConfig()
	cfg.Roster = append(cfg.Roster, RosterEntry{CallSign: "2A14", AlphaTag: "2A14 Sgt", Type: "patrol", AVLIDs: []string{"4541"}})
	tr := roundTrip(t, old, cfg)
	if _, ok := tr.Unit("4541"); ok {
		t.Fatal("raw unit survived a restore into a roster that lists it")
	}
	u := mustUnit(t, tr, "2A14")
	if u.Unlisted || u.AlphaTag != "2A14 Sgt" || u.Position == nil || u.Status != "available" || len(tr.Track("2A14")) != 1 {
		t.Fatalf("2A14 = %+v", u)
	}
}
