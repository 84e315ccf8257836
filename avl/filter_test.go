package avl

import (
	"math"
	"testing"
	"time"
)

func TestFixFilterReasons(t *testing.T) {
	// Each case starts from a unit whose live fix is at t0+0s on the base point.
	cases := []struct {
		name   string
		mod    func(f *Fix)
		reason string // "" = accepted live
	}{
		{"accepted", func(f *Fix) {}, ""},
		{"invalid flag", func(f *Fix) { f.Valid = false }, RejectInvalid},
		{"no fix time", func(f *Fix) { f.Time = time.Time{} }, RejectInvalid},
		{"before 2000", func(f *Fix) { f.Time = time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC) }, RejectHorizon},
		{"null island", func(f *Fix) { f.Lat, f.Lon = 0, 0 }, RejectNullIsland},
		{"near null island", func(f *Fix) { f.Lat, f.Lon = 0.00001, -0.00002 }, RejectNullIsland},
		{"lat out of range", func(f *Fix) { f.Lat = 91 }, RejectRange},
		{"lon out of range", func(f *Fix) { f.Lon = -180.5 }, RejectRange},
		{"lat NaN", func(f *Fix) { f.Lat = math.NaN() }, RejectRange},
		{"lon Inf", func(f *Fix) { f.Lon = math.Inf(1) }, RejectRange},
		{"future beyond MaxFuture", func(f *Fix) { f.Received = f.Time.Add(-31 * time.Second) }, RejectFuture},
		{"future within MaxFuture", func(f *Fix) { f.Received = f.Time.Add(-29 * time.Second) }, ""},
		{"duplicate of live fix", func(f *Fix) { f.Time = t0; f.Received = t0.Add(time.Second) }, RejectDuplicate},
		{"speed jump", func(f *Fix) { f.Lat += 0.1 }, RejectSpeedJump}, // 11 km in 10 s
		{"fast but possible", func(f *Fix) { f.Lat += 0.005 }, ""},     // 556 m in 10 s = 200 km/h
		{"accuracy worse than limit", func(f *Fix) { f.AccuracyM = 150 }, RejectAccuracy},
		{"accuracy within limit", func(f *Fix) { f.AccuracyM = 20 }, ""},
		{"accuracy from HDOP", func(f *Fix) { f.HDOP = 25 }, RejectAccuracy},
		{"good HDOP", func(f *Fix) { f.HDOP = 1.2 }, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr := NewTracker(testConfig())
			if cs := tr.ApplyFix(fix("4521", 0, 0, 0)); cs[0].Kind != FixAccepted {
				t.Fatalf("first fix: %v", kinds(cs))
			}
			f := fix("4521", 10, 0, 0)
			tc.mod(&f)
			cs := tr.ApplyFix(f)
			if tc.reason == "" {
				if cs[0].Kind != FixAccepted || !cs[0].Live {
					t.Fatalf("want live FixAccepted, got %v reason %q", kinds(cs), cs[0].Reason)
				}
				if got := len(tr.Rejections()); got != 0 {
					t.Fatalf("rejections counted: %v", tr.Rejections())
				}
				return
			}
			if len(cs) != 1 || cs[0].Kind != FixRejected || cs[0].Reason != tc.reason {
				t.Fatalf("want one FixRejected %q, got %v reason %q", tc.reason, kinds(cs), cs[0].Reason)
			}
			if cs[0].Unit.ID != "2A12" {
				t.Errorf("rejection unit = %q, want 2A12", cs[0].Unit.ID)
			}
			if got := tr.Rejections()[tc.reason]; got != 1 {
				t.Errorf("Rejections()[%q] = %d, want 1", tc.reason, got)
			}
			u := mustUnit(t, tr, "2A12")
			if !u.Position.FixTime.Equal(t0) || u.Position.Lat != baseLat {
				t.Errorf("rejected fix moved the unit: %+v", *u.Position)
			}
		})
	}
}

func TestRejectionsCumulative(t *testing.T) {
	tr := NewTracker(testConfig())
	for i := 0; i < 3; i++ {
		f := fix("4521", float64(i), 0, 0)
		f.Valid = false
		tr.ApplyFix(f)
	}
	f := fix("9999", 0, 0, 0)
	f.Lat, f.Lon = 0, 0
	tr.ApplyFix(f)
	got := tr.Rejections()
	if got[RejectInvalid] != 3 || got[RejectNullIsland] != 1 || len(got) != 2 {
		t.Fatalf("Rejections() = %v", got)
	}
	got[RejectInvalid] = 100 // a copy: must not leak back
	if tr.Rejections()[RejectInvalid] != 3 {
		t.Fatal("Rejections returned the internal map")
	}
	if _, ok := tr.Unit("9999"); ok {
		t.Error("a rejected fix from an unknown device created a unit")
	}
}

func TestPolicyPerType(t *testing.T) {
	cfg := testConfig()
	foot := cfg.Types["foot"]
	foot.MaxSpeedKmh = 30 // on foot: a 60 km/h jump is a GPS glitch
	cfg.Types["foot"] = foot
	tr := NewTracker(cfg)
	mk := func(id string, kind IDKind, sec, dlat float64) Fix {
		f := fix(id, sec, dlat, 0)
		f.IDKind = kind
		return f
	}
	tr.ApplyFix(mk("1700", RadioID, 0, 0))
	tr.ApplyFix(mk("4521", AVLID, 0, 0))
	// 0.003 deg lat = 333 m in 20 s = 60 km/h.
	if cs := tr.ApplyFix(mk("1700", RadioID, 20, 0.003)); cs[0].Reason != RejectSpeedJump {
		t.Errorf("foot unit: got %v %q, want speed_jump", kinds(cs), cs[0].Reason)
	}
	if cs := tr.ApplyFix(mk("4521", AVLID, 20, 0.003)); cs[0].Kind != FixAccepted {
		t.Errorf("patrol unit: got %v %q, want accepted", kinds(cs), cs[0].Reason)
	}
}

func TestSanitize(t *testing.T) {
	f := fix("4521", 0, 0, 0)
	f.SpeedKmh, f.Heading, f.HDOP, f.AltitudeM, f.AccuracyM = math.Inf(1), -90, -1, math.Inf(-1), math.Inf(1)
	cs := NewTracker(testConfig()).ApplyFix(f)
	p := cs[0].Unit.Position
	if cs[0].Kind != FixAccepted || Known(p.SpeedKmh) || p.Heading != 270 || Known(p.HDOP) || Known(p.Altitude) || Known(cs[0].Fix.AccuracyM) {
		t.Fatalf("%v: %+v", kinds(cs), *p)
	}
	f.Heading = 725
	sanitize(&f)
	if f.Heading != 5 {
		t.Fatalf("heading 725 -> %v", f.Heading)
	}
}
