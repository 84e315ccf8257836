package avl

import (
	"bytes"
	"encoding/json"
	"math"
	"path/filepath"
	"testing"
	"time"
)

// FuzzRestore feeds arbitrary version 1 snapshots (the format written
// before the upgrade) to Restore. It must never panic; a snapshot it accepts
// must restore the same state from its own streamed snapshot.
func FuzzRestore(f *testing.F) {
	good, err := json.Marshal(readV1(f))
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
		checkSameState(t, tr, roundTrip(t, tr, fenceConfig()))
	})
}

// FuzzLoadUnit feeds arbitrary unit lines of the streamed snapshot to the
// Loader. It must never panic; a line it accepts must encode back to a line
// that loads to the same bytes again.
func FuzzLoadUnit(f *testing.F) {
	for _, line := range encodeAll(f, busyTracker(f).Capture()) {
		f.Add(line)
	}
	f.Add([]byte(`{"id":"2A12","stale":"fresh","sources":["x"],"crumbs":[1763935200000000000,337456200,-1178231100,425,27000,1,-5000000000,-10,10,-1,-1,0]}`))
	f.Add([]byte(`{"id":"4541","unlisted":true,"stale":"lost","crumbs":[]}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		tr := NewTracker(fenceConfig())
		l := tr.NewLoader()
		if l.AddUnitJSON(line) != nil {
			return
		}
		l.Commit()
		for _, u := range tr.Units() {
			for _, c := range tr.Track(u.ID) {
				if !validLatLon(c.Lat, c.Lon) || (Known(c.Heading) && (c.Heading < 0 || c.Heading >= 360)) {
					t.Fatalf("restored crumb %+v", c)
				}
			}
		}
		first := encodeAll(t, tr.Capture())
		tr2 := roundTrip(t, tr, fenceConfig())
		if second := encodeAll(t, tr2.Capture()); !bytes.Equal(bytes.Join(first, nil), bytes.Join(second, nil)) {
			t.Fatalf("changed on a second round trip:\n%s\n%s", bytes.Join(first, []byte("\n")), bytes.Join(second, []byte("\n")))
		}
	})
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
		for _, line := range encodeAll(t, tr.Capture()) {
			if !json.Valid(line) {
				t.Fatalf("snapshot does not encode: %s", line)
			}
		}
		tr.Expire(last.Add(time.Hour))
	})
}
