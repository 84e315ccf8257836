package avl

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// gpsdDir holds real receiver captures with gpsd's decoded reports.
const gpsdDir = "../testdata/captures/nmea/gpsd"

// tpv is the part of a gpsd TPV report the tracker cares about.
type tpv struct {
	Mode  int      `json:"mode"`
	Time  string   `json:"time"`
	Lat   *float64 `json:"lat"`
	Lon   *float64 `json:"lon"`
	Speed *float64 `json:"speed"` // m/s
	Track *float64 `json:"track"`
	Eph   *float64 `json:"eph"` // horizontal error estimate, metres
}

func readTPVs(t testing.TB, path string) []tpv {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatalf("real data: %v", err)
	}
	defer fh.Close()
	var out []tpv
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, `{"class":"TPV"`) {
			continue
		}
		var r tpv
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// toFix turns a TPV report into a Fix the way a decoder would: validity
// from the mode, unknown values as NaN.
func toFix(dev string, r tpv) Fix {
	f := Fix{Source: "gpsd-capture", DeviceID: dev, Valid: r.Mode >= 2,
		SpeedKmh: Unknown, Heading: Unknown, HDOP: Unknown, AltitudeM: Unknown, AccuracyM: Unknown}
	if ts, err := time.Parse(time.RFC3339Nano, r.Time); err == nil {
		f.Time, f.Received = ts, ts.Add(800*time.Millisecond)
	}
	if r.Lat != nil && r.Lon != nil {
		f.Lat, f.Lon = *r.Lat, *r.Lon
	}
	if r.Speed != nil {
		f.SpeedKmh = *r.Speed * 3.6
	}
	if r.Track != nil {
		f.Heading = *r.Track
	}
	if r.Eph != nil {
		f.AccuracyM = *r.Eph
	}
	return f
}

// TestRealReceivers runs gpsd's reports of three real receivers (parked,
// drifting a few metres) through the tracker with a 50 m accuracy limit.
func TestRealReceivers(t *testing.T) {
	cfg := testConfig()
	p := cfg.Types[DefaultType]
	p.MaxAccuracyM = 50
	cfg.Types[DefaultType] = p
	tr := NewTracker(cfg)

	wantRejected := map[string]uint64{}
	for _, name := range []string{"bu353-glonass", "mtk-3329", "ublox-lea-5q"} {
		reports := readTPVs(t, filepath.Join(gpsdDir, name+".log.chk"))
		if len(reports) == 0 {
			t.Fatalf("%s: no TPV reports", name)
		}
		var accepted []Fix
		for _, r := range reports {
			f := toFix(name, r)
			// What the filter must do, judged from the report alone.
			want := ""
			switch {
			case r.Mode < 2 || r.Time == "":
				want = RejectInvalid
			case r.Eph != nil && *r.Eph > 50:
				want = RejectAccuracy
			}
			cs := tr.ApplyFix(f)
			if want == "" {
				if cs[0].Kind != FixAccepted || !cs[0].Live {
					t.Fatalf("%s %s: %v %q, want accepted", name, r.Time, kinds(cs), cs[0].Reason)
				}
				accepted = append(accepted, f)
				continue
			}
			wantRejected[want]++
			if cs[0].Kind != FixRejected || cs[0].Reason != want {
				t.Fatalf("%s %s mode %d: %v %q, want %q", name, r.Time, r.Mode, kinds(cs), cs[0].Reason, want)
			}
		}
		u, ok := tr.Unit(name)
		if len(accepted) == 0 {
			if ok {
				t.Fatalf("%s: unit tracked without an accepted fix", name)
			}
			continue
		}
		if !ok || !u.Unlisted {
			t.Fatalf("%s: unit %+v", name, u)
		}
		last := accepted[len(accepted)-1]
		if u.Position.Lat != last.Lat || u.Position.Lon != last.Lon || u.Position.Heading != last.Heading ||
			!u.Position.FixTime.Equal(last.Time) || u.Motion != Stopped || u.Stale != Fresh {
			t.Errorf("%s: position %+v motion %v stale %v, want last fix %v,%v stopped", name, *u.Position, u.Motion, u.Stale, last.Lat, last.Lon)
		}
		// A receiver on a desk stands still: one crumb, then one a minute
		// or after a move of 10 m.
		wantCrumbs := 0
		var kept Fix
		for i, f := range accepted {
			if i == 0 || f.Time.Sub(kept.Time) >= time.Minute || haversineM(kept.Lat, kept.Lon, f.Lat, f.Lon) >= 10 {
				wantCrumbs++
				kept = f
			}
		}
		if got := tr.Track(name); len(got) != wantCrumbs || len(got) >= len(accepted) {
			t.Errorf("%s: %d breadcrumbs for %d fixes standing still, want %d", name, len(got), len(accepted), wantCrumbs)
		}
	}
	got := tr.Rejections()
	if len(got) != len(wantRejected) || got[RejectInvalid] != wantRejected[RejectInvalid] || got[RejectAccuracy] != wantRejected[RejectAccuracy] {
		t.Errorf("rejections %v, want %v", got, wantRejected)
	}
	if wantRejected[RejectAccuracy] == 0 || wantRejected[RejectInvalid] == 0 {
		t.Fatalf("captures no longer exercise both filters: %v", wantRejected)
	}
	// The receivers sit in Moscow and near Duisburg: from Düsseldorf, the
	// German one is nearest.
	n := tr.Nearest(NearestQuery{Lat: 51.2277, Lon: 6.7735, N: 1})
	if len(n) != 1 || n[0].Unit.ID != "mtk-3329" || n[0].DistanceM < 25e3 || n[0].DistanceM > 40e3 {
		t.Errorf("nearest to Düsseldorf: %+v", n)
	}
}
