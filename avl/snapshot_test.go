package avl

import (
	"encoding/json"
	"math"
	"reflect"
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
	tr.ApplyFix(fix("4521", 10, 0.0093, 0)) // late: history only
	tr.ApplyFix(fix("4531", 0, 0, 0.002))
	tr.ApplyFix(fix("9001", 5, -0.003, 0))
	tr.ApplyRadio(RadioActivity{RadioID: "1201", Channel: "tac2", Talking: true, At: t0.Add(30 * time.Second)})
	tr.ApplyStatus(StatusUpdate{RadioID: "1301", Status: "enroute", At: t0.Add(40 * time.Second)})
	tr.SetEmergency("1201", &Emergency{ID: "e-1", Since: t0.Add(50 * time.Second), AckedBy: "disp4", AckedAt: t0.Add(55 * time.Second)}, t0.Add(55*time.Second))
	tr.Expire(t0.Add(3 * time.Minute))
	return tr
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
			if !sameFix(wt[j], gt[j]) {
				t.Fatalf("%s breadcrumb %d:\n got %+v\nwant %+v", wu[i].ID, j, gt[j], wt[j])
			}
		}
	}
}

func sameFix(a, b Fix) bool {
	return a.Source == b.Source && a.Peer == b.Peer && a.DeviceID == b.DeviceID && a.IDKind == b.IDKind &&
		a.Time.Equal(b.Time) && a.Received.Equal(b.Received) && a.Lat == b.Lat && a.Lon == b.Lon && a.Valid == b.Valid &&
		sameFloat(a.SpeedKmh, b.SpeedKmh) && sameFloat(a.Heading, b.Heading) && sameFloat(a.HDOP, b.HDOP) &&
		sameFloat(a.AltitudeM, b.AltitudeM) && sameFloat(a.AccuracyM, b.AccuracyM)
}

func TestSnapshotRoundTrip(t *testing.T) {
	tr := busyTracker(t)
	u := mustUnit(t, tr, "2A12")
	if u.Beat != "B3" || u.Stale != Aging || u.Motion != Moving || u.Emergency == nil || len(tr.Track("2A12")) != 3 {
		t.Fatalf("fixture not busy enough: %+v", u)
	}

	// In memory.
	snap := tr.Snapshot()
	tr2 := NewTracker(fenceConfig())
	if err := tr2.Restore(snap); err != nil {
		t.Fatal(err)
	}
	checkSameState(t, tr, tr2)

	// Through JSON, as the runtime stores it: NaN must not break encoding.
	data, err := json.Marshal(snap)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	if strings.Contains(string(data), "null") || strings.Contains(string(data), "NaN") {
		t.Errorf("snapshot JSON has null/NaN: %s", data)
	}
	var back Snapshot
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	if !reflect.DeepEqual(back, snap) {
		t.Fatalf("JSON round trip changed the snapshot:\n%+v\n%+v", back, snap)
	}
	tr3 := NewTracker(fenceConfig())
	if err := tr3.Restore(back); err != nil {
		t.Fatal(err)
	}
	checkSameState(t, tr, tr3)

	// The restored tracker goes on from where it was: a duplicate of the
	// live fix is still a duplicate, the ladder continues.
	if cs := tr3.ApplyFix(fix("4521", 20, 0.0095, 0)); cs[0].Reason != RejectDuplicate {
		t.Errorf("after restore: %v %q", kinds(cs), cs[0].Reason)
	}
	cs := tr3.Expire(t0.Add(6 * time.Minute))
	if len(cs) == 0 || cs[0].Unit.Stale != Stale {
		t.Errorf("ladder after restore: %v", kinds(cs))
	}
}

func TestRestoreRejectsBadSnapshots(t *testing.T) {
	good := busyTracker(t).Snapshot()
	cases := map[string]func(s *Snapshot){
		"version":      func(s *Snapshot) { s.Version = 2 },
		"empty id":     func(s *Snapshot) { s.Units[0].ID = "" },
		"duplicate":    func(s *Snapshot) { s.Units[1].ID = s.Units[0].ID },
		"stale level":  func(s *Snapshot) { s.Units[0].Stale = "mouldy" },
		"motion":       func(s *Snapshot) { s.Units[0].Motion = "flying" },
		"position NaN": func(s *Snapshot) { s.Units[0].Position.Lat = math.NaN() },
		"breadcrumb":   func(s *Snapshot) { s.Units[0].Track[0].Lon = 200 },
	}
	for name, mod := range cases {
		t.Run(name, func(t *testing.T) {
			data, _ := json.Marshal(good)
			var s Snapshot
			if err := json.Unmarshal(data, &s); err != nil {
				t.Fatal(err)
			}
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
	snap := old.Snapshot()

	cfg := testConfig()
	cfg.Roster = append(cfg.Roster, RosterEntry{CallSign: "2A14", AlphaTag: "2A14 Sgt", Type: "patrol", AVLIDs: []string{"4541"}})
	tr := NewTracker(cfg)
	if err := tr.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if _, ok := tr.Unit("4541"); ok {
		t.Fatal("raw unit survived a restore into a roster that lists it")
	}
	u := mustUnit(t, tr, "2A14")
	if u.Unlisted || u.AlphaTag != "2A14 Sgt" || u.Position == nil || u.Status != "available" || len(tr.Track("2A14")) != 1 {
		t.Fatalf("2A14 = %+v", u)
	}
}
