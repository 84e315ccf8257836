package avl

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

// scanExpire is Expire as a pass over every unit: what the expiry queue
// must reproduce, change for change.
func scanExpire(t *Tracker, now time.Time) []Change {
	var stepped, gone []*unitState
	for _, s := range t.units {
		if t.restale(s, now) {
			stepped = append(stepped, s)
		}
		if t.expires(s, now) {
			gone = append(gone, s)
		}
	}
	sort.Slice(stepped, func(i, j int) bool { return stepped[i].u.ID < stepped[j].u.ID })
	sort.Slice(gone, func(i, j int) bool { return gone[i].u.ID < gone[j].u.ID })
	var changes []Change
	for _, s := range stepped {
		s.touch(now)
		u := s.u.Clone()
		changes = append(changes, Change{Kind: StaleChanged, Time: now, Unit: u}, Change{Kind: UnitUpdated, Time: now, Unit: u})
	}
	for _, s := range gone {
		t.remove(s)
		t.expired[s.origin]++
		changes = append(changes, Change{Kind: UnitRemoved, Time: now, Unit: s.u.Clone()})
	}
	return changes
}

// scanCounts is Counts as a pass over every unit: what the kept counts must
// equal after every change.
func scanCounts(t *Tracker) (byStale [Lost + 1]int, noPosition int) {
	for _, s := range t.units {
		if s.u.Position == nil {
			noPosition++
		} else {
			byStale[s.u.Stale]++
		}
	}
	return byStale, noPosition
}

// describe renders changes for comparison: kind, unit, level, times.
func describe(cs []Change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = fmt.Sprintf("%v %s %v updated=%s", c.Kind, c.Unit.ID, c.Unit.Stale, c.Unit.Updated.Format(time.RFC3339Nano))
	}
	return out
}

// unitsText renders every unit's state, positions and emergencies included.
func unitsText(tr *Tracker) string {
	var out string
	for _, u := range tr.Units() {
		p, e := u.Position, u.Emergency
		u.Position, u.Emergency = nil, nil
		out += fmt.Sprintf("%+v", u)
		if p != nil {
			out += fmt.Sprintf(" at %+v", *p)
		}
		if e != nil {
			out += fmt.Sprintf(" emergency %+v", *e)
		}
		out += "\n"
	}
	return out
}

// queueConfig is a small roster with two unit types of different ladders;
// variant changes the ladders, the expiry and the roster, so reconfiguring
// between variants moves dues and merges raw IDs into call signs.
func queueConfig(variant int) Config {
	cfg := testConfig()
	cfg.Unlisted = UnlistedLimits{Expire: true, Grace: 30 * time.Second}
	if variant%2 == 1 {
		p := cfg.Types[DefaultType]
		p.Aging, p.Stale, p.Lost = 40*time.Second, 0, 3*time.Minute // a ladder without its middle step
		cfg.Types[DefaultType] = p
		cfg.Unlisted = UnlistedLimits{Expire: true, Grace: 5 * time.Second}
		cfg.Roster = append(cfg.Roster, RosterEntry{CallSign: "3B1", Type: "foot", AVLIDs: []string{"u3"}})
	}
	if variant == 2 {
		cfg.Unlisted.Expire = false
	}
	return cfg
}

// The expiry queue steps and expires exactly the units a pass over every
// unit does, at the same ticks, and the kept counts by stale level equal a
// pass's after every change, through fixes (late, future, from a wrong
// clock), radio activity, statuses, emergencies set and cleared,
// reconfigures with merges, trims, forgets, snapshot restores, follows and
// the clock stepped back.
func TestExpireQueueMatchesFullScan(t *testing.T) {
	seen := map[ChangeKind]int{}
	for seed := uint64(1); seed <= 30; seed++ {
		for k, n := range expireQueueRun(t, seed) {
			seen[k] += n
		}
	}
	// The runs must have stepped and expired units, or they prove nothing.
	if seen[StaleChanged] < 100 || seen[UnitRemoved] < 20 {
		t.Fatalf("runs too tame: %d steps, %d expiries", seen[StaleChanged], seen[UnitRemoved])
	}
	t.Logf("%d steps, %d expiries", seen[StaleChanged], seen[UnitRemoved])
}

func expireQueueRun(t *testing.T, seed uint64) map[ChangeKind]int {
	seen := map[ChangeKind]int{}
	ticks := 0
	rng := rand.New(rand.NewPCG(seed, 7))
	queue, scan := NewTracker(queueConfig(0)), NewTracker(queueConfig(0))
	both := func(f func(tr *Tracker)) { f(queue); f(scan) }
	ids := []string{"4521", "u1", "u2", "4531", "u3", "u4", "u5", "u6", "u7", "u8", "u9"}
	radios := []string{"1201", "r9", "1700", "r8", "r7", "r6", "r5"}
	// Skewed: the first IDs report all the time, the last ones seldom, so
	// that units go silent long enough to step and expire.
	pick := func(from []string) string { return from[rng.IntN(rng.IntN(len(from))+1)] }
	clock := t0
	both(func(tr *Tracker) { tr.Expire(clock) })
	for step := range 2000 {
		switch op := rng.IntN(100); {
		case op < 45:
			id := pick(ids)
			at := clock.Add(-time.Duration(rng.IntN(20)) * time.Second)
			switch rng.IntN(10) {
			case 0:
				at = clock.Add(-time.Duration(rng.IntN(900)) * time.Second) // late, some too old
			case 1:
				at = clock.Add(time.Duration(rng.IntN(60)) * time.Second) // a clock ahead
			}
			f := fix(id, 0, rng.Float64()*0.01, rng.Float64()*0.01)
			f.Time, f.Received = at, clock
			if rng.IntN(20) == 0 {
				f.Received = time.Time{}
			}
			both(func(tr *Tracker) { tr.ApplyFix(f) })
		case op < 55:
			a := RadioActivity{RadioID: pick(radios), Channel: "TAC1", Talking: rng.IntN(2) == 0,
				Source: "p25", At: clock.Add(-time.Duration(rng.IntN(120)) * time.Second)}
			both(func(tr *Tracker) { tr.ApplyRadio(a) })
		case op < 62:
			st := StatusUpdate{RadioID: pick(ids), Status: "enroute", Source: "mdc",
				At: clock.Add(-time.Duration(rng.IntN(600)) * time.Second)}
			both(func(tr *Tracker) { tr.ApplyStatus(st) })
		case op < 67:
			id := pick(append(radios, ids...))
			var e *Emergency
			if rng.IntN(2) == 0 {
				e = &Emergency{ID: "em1", Since: clock}
			}
			both(func(tr *Tracker) { tr.SetEmergencyFrom("p25", id, e, clock) })
		case op < 69:
			v := rng.IntN(3)
			both(func(tr *Tracker) { tr.Reconfigure(queueConfig(v), clock) })
		case op < 70:
			id := pick(ids)
			both(func(tr *Tracker) { tr.Forget(id, clock) })
		case op < 71:
			var lines [][]byte
			if err := queue.Capture().EncodeUnits(func(l []byte) error { lines = append(lines, append([]byte(nil), l...)); return nil }); err != nil {
				t.Fatal(err)
			}
			both(func(tr *Tracker) {
				l := tr.NewLoader()
				for _, line := range lines {
					if err := l.AddUnitJSON(line); err != nil {
						t.Fatal(err)
					}
				}
				l.Commit()
			})
		case op < 73:
			u, ok := queue.Unit(pick(ids))
			if !ok {
				continue
			}
			u.Updated = clock.Add(time.Second)
			if u.Position != nil && rng.IntN(2) == 0 {
				p := *u.Position
				p.FixTime = clock.Add(-time.Duration(rng.IntN(300)) * time.Second)
				u.Position = &p
			}
			u.Stale = StaleLevel(rng.IntN(int(Lost) + 1)) // the active's clock may not be ours
			r := record(&u)
			both(func(tr *Tracker) {
				if _, _, err := tr.Follow(&r); err != nil {
					t.Fatal(err)
				}
			})
		case op < 74:
			v := rng.IntN(3)
			both(func(tr *Tracker) { tr.TrimUnlisted(clock); tr.Reconfigure(queueConfig(v), time.Time{}) })
		default:
			clock = clock.Add(time.Duration(rng.IntN(40)) * time.Second)
			if rng.IntN(50) == 0 {
				clock = clock.Add(-time.Duration(rng.IntN(600)) * time.Second) // stepped back
			}
			changes := queue.Expire(clock)
			got, want := describe(changes), describe(scanExpire(scan, clock))
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("step %d at %s:\nqueue %q\nscan  %q", step, clock.Format(time.RFC3339), got, want)
			}
			for _, c := range changes {
				seen[c.Kind]++
			}
			// A difference in state stays: comparing every tenth tick is enough.
			if ticks++; ticks%10 == 0 {
				if a, b := unitsText(queue), unitsText(scan); a != b {
					t.Fatalf("step %d: units differ:\nqueue %s\nscan  %s", step, a, b)
				}
			}
		}
		gotStale, gotNone := queue.Counts()
		if wantStale, wantNone := scanCounts(queue); gotStale != wantStale || gotNone != wantNone {
			t.Fatalf("step %d: counts %v and %d without a position, a pass over the units finds %v and %d", step, gotStale, gotNone, wantStale, wantNone)
		}
	}
	return seen
}

// A unit known only from an emergency counts its silence from its last
// change; a radio or status report dated before that change then counts
// instead, and the unit expires that much sooner.
func TestExpireCountsFromAnEarlierReport(t *testing.T) {
	reports := map[string]func(tr *Tracker, at time.Time){
		"radio": func(tr *Tracker, at time.Time) {
			tr.ApplyRadio(RadioActivity{RadioID: "u6", Channel: "TAC1", Source: "p25", At: at})
		},
		"status": func(tr *Tracker, at time.Time) {
			tr.ApplyStatus(StatusUpdate{RadioID: "u6", Status: "enroute", Source: "mdc", At: at})
		},
	}
	for name, report := range reports {
		t.Run(name, func(t *testing.T) {
			tr := NewTracker(queueConfig(0))
			tr.SetEmergencyFrom("p25", "u6", &Emergency{ID: "em1", Since: t0}, t0)
			tr.SetEmergencyFrom("p25", "u6", nil, t0.Add(10*time.Minute))
			tr.Expire(t0.Add(10 * time.Minute))
			report(tr, t0.Add(time.Minute))
			silent := testPolicy().Lost + 30*time.Second // the type's Lost plus the grace
			if cs := tr.Expire(t0.Add(time.Minute + silent - time.Second)); len(cs) != 0 {
				t.Fatalf("expired too soon: %v", kinds(cs))
			}
			cs := tr.Expire(t0.Add(time.Minute + silent))
			if len(cs) != 1 || cs[0].Kind != UnitRemoved || cs[0].Unit.ID != "u6" {
				t.Fatalf("want u6 removed %s after its report, got %v", silent, describe(cs))
			}
		})
	}
}

// A unit created by a report without a time has no silence to count from:
// it goes at the next tick, as it did before units were queued.
func TestExpireUndatedUnitAtOnce(t *testing.T) {
	tr := NewTracker(queueConfig(0))
	tr.ApplyRadio(RadioActivity{RadioID: "r9", Source: "p25"})
	if _, ok := tr.Unit("r9"); !ok {
		t.Fatal("r9 not tracked")
	}
	if cs := tr.Expire(t0); len(cs) != 1 || cs[0].Kind != UnitRemoved {
		t.Fatalf("want r9 removed, got %v", describe(cs))
	}
}

// Queue times are Unix nanoseconds: a time before 1970 (a zero time: a unit
// never heard from) is due at once, one past 2262 never, and 0 stays free
// to mean "not queued".
func TestDueNanosClamps(t *testing.T) {
	for _, c := range []struct {
		in   time.Time
		want int64
	}{
		{time.Time{}, 1},
		{time.Unix(-5, 0), 1},
		{time.Unix(0, 0), 1},
		{time.Unix(0, 5), 5},
		{t0, t0.UnixNano()},
		{time.Unix(math.MaxInt64/int64(time.Second)+10, 0), math.MaxInt64},
	} {
		if got := dueNanos(c.in); got != c.want {
			t.Errorf("dueNanos(%v) = %d, want %d", c.in, got, c.want)
		}
	}
}
