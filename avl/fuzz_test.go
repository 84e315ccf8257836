package avl

import (
	"encoding/json"
	"math"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// FuzzRestore feeds arbitrary snapshot files (as the runtime reads them
// from disk) to Restore. It must never panic; a snapshot it accepts must
// survive Snapshot -> JSON -> Restore unchanged.
func FuzzRestore(f *testing.F) {
	good, err := json.Marshal(busyTracker(f).Snapshot())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"version":1,"units":[]}`))
	f.Add([]byte(`{"version":1,"units":[{"id":"4541","unlisted":true,"stale":"lost","position":{"lat":33.7,"lon":-117.8,"fix_time":"2026-11-23T22:00:00Z"}}]}`))
	f.Add([]byte(`{"version":1,"units":[{"id":"2A12","stale":"fresh","track":[{"time":"2026-11-23T22:00:00Z","lat":91,"lon":0}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Snapshot
		if json.Unmarshal(data, &s) != nil {
			return
		}
		tr := NewTracker(fenceConfig())
		if tr.Restore(s) != nil {
			return
		}
		for _, u := range tr.Units() {
			if p := u.Position; p != nil && !validLatLon(p.Lat, p.Lon) {
				t.Fatalf("restored %s at %v,%v", u.ID, p.Lat, p.Lon)
			}
		}
		first := tr.Snapshot()
		enc, err := json.Marshal(first)
		if err != nil {
			t.Fatalf("snapshot of a restored tracker does not encode: %v", err)
		}
		var back Snapshot
		if err := json.Unmarshal(enc, &back); err != nil {
			t.Fatal(err)
		}
		tr2 := NewTracker(fenceConfig())
		if err := tr2.Restore(back); err != nil {
			t.Fatalf("own snapshot rejected: %v", err)
		}
		if second := tr2.Snapshot(); !reflect.DeepEqual(normalize(first), normalize(second)) {
			t.Fatalf("snapshot changed on a second round trip:\n%+v\n%+v", first, second)
		}
	})
}

// normalize re-encodes a snapshot so times compare by instant.
func normalize(s Snapshot) Snapshot {
	data, _ := json.Marshal(s)
	var out Snapshot
	_ = json.Unmarshal(data, &out)
	return out
}

// FuzzApplyFix sends a unit three fixes with arbitrary values. The live
// position must stay in range and never go back in time (unless it was dated
// after the new fix was received: a clock error), and the tracker's
// snapshot must always encode as JSON (no NaN or Inf leaks into it).
func FuzzApplyFix(f *testing.F) {
	// Seeds from the real receivers' reports.
	for _, name := range []string{"bu353-glonass", "mtk-3329"} {
		reports := readTPVs(f, filepath.Join(gpsdDir, name+".log.chk"))
		for i := 0; i+1 < len(reports); i++ {
			a, b := toFix(name, reports[i]), toFix(name, reports[i+1])
			f.Add(a.Lat, a.Lon, int64(0), b.Lat, b.Lon, int64(b.Time.Sub(a.Time)), b.SpeedKmh, b.Heading, b.AccuracyM, b.Valid)
		}
	}
	f.Add(0.0, 0.0, int64(0), 90.0, 180.0, int64(-time.Second), math.NaN(), math.Inf(1), -1.0, true)
	f.Fuzz(func(t *testing.T, lat1, lon1 float64, dt1 int64, lat2, lon2 float64, dt2 int64, speed, heading, acc float64, valid bool) {
		tr := NewTracker(fenceConfig())
		tr.ApplyFix(fix("4521", 0, 0.009, 0))
		var last time.Time = t0
		for _, in := range []struct {
			lat, lon float64
			dt       int64
		}{{lat1, lon1, dt1}, {lat2, lon2, dt2}, {lat2 + 0.0001, lon2, dt2 + int64(time.Second)}} {
			fx := fix("4521", 0, 0, 0)
			fx.Lat, fx.Lon = in.lat, in.lon
			fx.Time = t0.Add(time.Duration(in.dt))
			fx.Received = fx.Time.Add(time.Second)
			fx.SpeedKmh, fx.Heading, fx.AccuracyM, fx.Valid = speed, heading, acc, valid
			tr.ApplyFix(fx)
			u := mustUnit(t, tr, "2A12")
			pol := testPolicy()
			if u.Position.FixTime.Before(last) && !fromFuture(last, fx.Received, &pol) {
				t.Fatalf("live position went back from %v to %v", last, u.Position.FixTime)
			}
			last = u.Position.FixTime
			if !validLatLon(u.Position.Lat, u.Position.Lon) {
				t.Fatalf("live position out of range: %+v", *u.Position)
			}
		}
		if _, err := json.Marshal(tr.Snapshot()); err != nil {
			t.Fatalf("snapshot does not encode: %v", err)
		}
		tr.Expire(last.Add(time.Hour))
	})
}
