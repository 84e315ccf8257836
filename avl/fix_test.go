package avl

import (
	"math"
	"math/rand"
	"slices"
	"testing"
	"time"
)

func TestResolveRoster(t *testing.T) {
	tr := NewTracker(testConfig())
	cases := []struct {
		kind   IDKind
		id     string
		want   string
		listed bool
	}{
		{AVLID, "4521", "2A12", true},
		{RadioID, "1201", "2A12", true},
		{AVLID, "1301", "2A13", true},   // falls back to the radio list
		{RadioID, "4531", "2A13", true}, // falls back to the AVL list
		{AVLID, "8888", "8888", false},
	}
	for _, c := range cases {
		got, known := tr.Resolve(c.kind, c.id)
		if got != c.want || known != c.listed {
			t.Errorf("Resolve(%v, %q) = %q, %v; want %q, %v", c.kind, c.id, got, known, c.want, c.listed)
		}
	}
}

func TestFixIdentity(t *testing.T) {
	tr := NewTracker(testConfig())
	// Radio ID reported by LRRP resolves to the call sign.
	f := fix("1201", 0, 0, 0)
	f.IDKind = RadioID
	cs := tr.ApplyFix(f)
	if cs[0].Unit.ID != "2A12" || cs[0].Unit.AlphaTag != "2A12 Patrol" || cs[0].Unit.Unlisted {
		t.Fatalf("unit = %+v", cs[0].Unit)
	}
	// No device ID: the peer address identifies the device, never dropped.
	f = fix("", 0, 0.001, 0)
	f.Peer = "10.4.0.7:5001"
	cs = tr.ApplyFix(f)
	if cs[0].Kind != FixAccepted || cs[0].Unit.ID != "10.4.0.7:5001" || !cs[0].Unit.Unlisted {
		t.Fatalf("peer fix: %v unit %+v", kinds(cs), cs[0].Unit)
	}
	// Neither: nothing to track it under.
	f.Peer = ""
	if cs = tr.ApplyFix(f); cs[0].Reason != RejectNoID {
		t.Fatalf("no id: %v %q", kinds(cs), cs[0].Reason)
	}
	if got := ids(tr.Units()); len(got) != 2 || got[0] != "10.4.0.7:5001" || got[1] != "2A12" {
		t.Fatalf("Units() = %v", got)
	}
}

func TestAcceptedFixChanges(t *testing.T) {
	tr := NewTracker(testConfig())
	cs := tr.ApplyFix(fix("4521", 0, 0, 0))
	if want := []ChangeKind{FixAccepted, UnitUpdated}; !slices.Equal(kinds(cs), want) {
		t.Fatalf("kinds = %v, want %v", kinds(cs), want)
	}
	for _, c := range cs {
		if c.Unit.Position == nil || c.Unit.Position.Lat != baseLat || !c.Time.Equal(t0) {
			t.Fatalf("change %v does not carry the new state: %+v", c.Kind, c.Unit)
		}
	}
	if !cs[0].Live || cs[0].Fix.DeviceID != "4521" {
		t.Errorf("FixAccepted = %+v", cs[0])
	}
	// The returned unit is a snapshot: the tracker's next fix leaves it
	// alone (its Position is shared read-only, never changed in place).
	held := *cs[1].Unit.Position
	tr.ApplyFix(fix("4521", 60, 0.001, 0.001))
	if p := cs[1].Unit.Position; p.Lat != held.Lat || p.Lon != held.Lon || !p.FixTime.Equal(held.FixTime) {
		t.Errorf("a later fix changed the earlier change's position: %+v, was %+v", *cs[1].Unit.Position, held)
	}
	if u := mustUnit(t, tr, "2A12"); u.Position.Lat == baseLat {
		t.Errorf("tracker state did not move: %+v", *u.Position)
	}
}

func TestDerivedSpeedHeadingMotion(t *testing.T) {
	tr := NewTracker(testConfig())
	tr.ApplyFix(fix("4521", 0, 0, 0))
	u := mustUnit(t, tr, "2A12")
	if Known(u.Position.SpeedKmh) || Known(u.Position.Heading) || u.Motion != MotionUnknown {
		t.Fatalf("first fix without speed: %+v motion %v", *u.Position, u.Motion)
	}
	// Due north 0.001 deg (111.2 m) in 10 s: 40 km/h, heading 0.
	tr.ApplyFix(fix("4521", 10, 0.001, 0))
	u = mustUnit(t, tr, "2A12")
	if math.Abs(u.Position.SpeedKmh-40.03) > 0.1 || math.Abs(u.Position.Heading) > 0.01 || u.Motion != Moving {
		t.Fatalf("derived: speed %v heading %v motion %v", u.Position.SpeedKmh, u.Position.Heading, u.Motion)
	}
	// Due east, device speed given: the device's value wins, heading derived.
	f := fix("4521", 20, 0.001, 0.001)
	f.SpeedKmh = 5 // between StoppedKmh and MovingKmh: motion unchanged
	tr.ApplyFix(f)
	u = mustUnit(t, tr, "2A12")
	if u.Position.SpeedKmh != 5 || math.Abs(u.Position.Heading-90) > 0.1 || u.Motion != Moving {
		t.Fatalf("device speed: speed %v heading %v motion %v", u.Position.SpeedKmh, u.Position.Heading, u.Motion)
	}
	// Parked: 1 m of drift keeps the last heading; speed below StoppedKmh stops.
	f = fix("4521", 30, 0.001+0.00001, 0.001)
	f.SpeedKmh = 1
	tr.ApplyFix(f)
	u = mustUnit(t, tr, "2A12")
	if math.Abs(u.Position.Heading-90) > 0.1 || u.Motion != Stopped {
		t.Fatalf("parked: heading %v motion %v", u.Position.Heading, u.Motion)
	}
	f = fix("4521", 40, 0.001+0.00001, 0.001)
	f.SpeedKmh, f.Heading = 6, 180
	tr.ApplyFix(f)
	if u = mustUnit(t, tr, "2A12"); u.Motion != Stopped || u.Position.Heading != 180 {
		t.Fatalf("hysteresis: motion %v heading %v", u.Motion, u.Position.Heading)
	}
}

func TestOutOfOrderGoesToHistoryOnly(t *testing.T) {
	tr := NewTracker(testConfig())
	tr.ApplyFix(fix("4521", 0, 0, 0))
	tr.ApplyFix(fix("4521", 20, 0.001, 0))
	cs := tr.ApplyFix(fix("4521", 10, 0.0005, 0))
	if len(cs) != 1 || cs[0].Kind != FixAccepted || cs[0].Live {
		t.Fatalf("late fix: %v live=%v", kinds(cs), cs[0].Live)
	}
	u := mustUnit(t, tr, "2A12")
	if !u.Position.FixTime.Equal(t0.Add(20 * time.Second)) {
		t.Fatalf("live position moved back to %v", u.Position.FixTime)
	}
	track := tr.Track("2A12")
	if len(track) != 3 {
		t.Fatalf("track has %d fixes, want 3", len(track))
	}
	for i, want := range []float64{0, 10, 20} {
		if got := track[i].Time.Sub(t0).Seconds(); got != want {
			t.Errorf("track[%d] at %vs, want %vs", i, got, want)
		}
	}
	// The same late fix again is a duplicate.
	if cs = tr.ApplyFix(fix("4521", 10, 0.0005, 0)); cs[0].Reason != RejectDuplicate {
		t.Errorf("repeated late fix: %v %q", kinds(cs), cs[0].Reason)
	}
}

func TestSpeedJumpRecovers(t *testing.T) {
	tr := NewTracker(testConfig())
	// A bad first fix 50 km away, then the unit's real, consistent track.
	tr.ApplyFix(fix("4521", 0, 0.45, 0))
	var reasons []string
	for i := 1; i <= 4; i++ {
		cs := tr.ApplyFix(fix("4521", float64(10*i), 0.0001*float64(i), 0))
		reasons = append(reasons, cs[0].Reason)
	}
	want := []string{RejectSpeedJump, RejectSpeedJump, "", ""}
	for i := range want {
		if reasons[i] != want[i] {
			t.Fatalf("reasons = %q, want %q", reasons, want)
		}
	}
	if u := mustUnit(t, tr, "2A12"); math.Abs(u.Position.Lat-(baseLat+0.0004)) > 1e-9 {
		t.Fatalf("unit at %v", u.Position.Lat)
	}

	// Scattered glitches do not agree with each other and stay rejected.
	tr = NewTracker(testConfig())
	tr.ApplyFix(fix("4521", 0, 0, 0))
	for i, d := range []float64{0.4, -0.4, 0.4, -0.4, 0.4} {
		if cs := tr.ApplyFix(fix("4521", float64(10*(i+1)), d, 0)); cs[0].Reason != RejectSpeedJump {
			t.Fatalf("glitch %d accepted", i)
		}
	}
}

// TestLiveNeverMovesBackwards feeds random fixes (late, duplicate, jumping,
// invalid) and checks that the live position's fix time never decreases and
// that every live acceptance is newer than the previous live position.
func TestLiveNeverMovesBackwards(t *testing.T) {
	rng := rand.New(rand.NewSource(20261123))
	tr := NewTracker(testConfig())
	devices := []string{"4521", "4531", "1700", "7777"}
	last := map[string]time.Time{}
	clock := t0
	for i := 0; i < 20000; i++ {
		clock = clock.Add(time.Duration(rng.Intn(3000)) * time.Millisecond)
		dev := devices[rng.Intn(len(devices))]
		f := fix(dev, 0, rng.NormFloat64()*0.002, rng.NormFloat64()*0.002)
		f.Received = clock
		f.Time = clock.Add(-time.Duration(rng.Intn(120)) * time.Second) // late by up to 2 min
		switch rng.Intn(20) {
		case 0:
			f.Valid = false
		case 1:
			f.Lat += 1 // far jump
		case 2:
			f.Time = clock.Add(time.Hour) // future
		}
		if dev == "1700" {
			f.IDKind = RadioID
		}
		for _, c := range tr.ApplyFix(f) {
			if c.Kind != FixAccepted || !c.Live {
				continue
			}
			id := c.Unit.ID
			if prev, ok := last[id]; ok && !c.Fix.Time.After(prev) {
				t.Fatalf("step %d: %s live fix %v not after %v", i, id, c.Fix.Time, prev)
			}
			last[id] = c.Fix.Time
		}
		for _, u := range tr.Units() {
			if u.Position != nil && !u.Position.FixTime.Equal(last[u.ID]) {
				t.Fatalf("step %d: %s live position %v, last live fix %v", i, u.ID, u.Position.FixTime, last[u.ID])
			}
		}
	}
	if len(last) != len(devices) {
		t.Fatalf("only %d of %d units got a live fix", len(last), len(devices))
	}
	for _, id := range []string{"2A12", "2A13", "F7"} {
		tr := tr.Track(id)
		for i := 1; i < len(tr); i++ {
			if tr[i].Time.Before(tr[i-1].Time) {
				t.Fatalf("%s track out of order at %d", id, i)
			}
		}
	}
}

func TestFutureLiveFixIsReplaced(t *testing.T) {
	cfg := testConfig()
	p := cfg.Types[DefaultType]
	p.MaxFuture = 0 // check off: a future fix gets in
	cfg.Types[DefaultType] = p
	tr := NewTracker(cfg)
	bad := fix("4521", 0, 0.001, 0)
	bad.Time = bad.Received.Add(48 * time.Hour) // device clock two days ahead
	if cs := tr.ApplyFix(bad); cs[0].Kind != FixAccepted {
		t.Fatalf("future fix with the check off: %v %q", kinds(cs), cs[0].Reason)
	}
	// Correct fixes that follow must not be filed as history forever.
	cs := tr.ApplyFix(fix("4521", 10, 0.05, 0))
	if cs[0].Kind != FixAccepted || !cs[0].Live {
		t.Fatalf("correct fix after a future one: %v live=%v %q", kinds(cs), cs[0].Live, cs[0].Reason)
	}
	if u := mustUnit(t, tr, "2A12"); !u.Position.FixTime.Equal(t0.Add(10*time.Second)) || Known(u.Position.SpeedKmh) {
		t.Fatalf("position %+v", *u.Position)
	}
	// An ordinary late fix (live fix not ahead of the receive clock) is still history.
	if cs := tr.ApplyFix(fix("4521", 5, 0.05, 0)); cs[0].Live {
		t.Fatal("late fix moved the unit")
	}
}
