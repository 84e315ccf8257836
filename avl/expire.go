package avl

import (
	"container/heap"
	"math"
	"sort"
	"time"
)

// Expire steps units along the stale ladder by the age of their last fix at
// now. Each step yields StaleChanged then UnitUpdated, ordered by unit ID.
// Units without a position have no fix age and are left alone. Then, with
// UnlistedLimits.Expire, unlisted units silent for their type's Lost plus
// the grace period are removed: UnitRemoved, ordered by unit ID.
//
// It visits only the units due: each waits in a queue for the earliest time
// its stale level or its expiry can change (at 100,000 units, looking at
// every unit every second was a sixth of radiogw's CPU). A unit taken from
// the queue before it is really due is only queued again. The queue is
// rebuilt from every unit after a reconfigure or a restore, and when now is
// before the last call's (the clock was stepped back: fix ages shrank).
func (t *Tracker) Expire(now time.Time) []Change {
	now = now.Round(0) // fix ages are wall-clock: compare walls
	if t.requeue || now.Before(t.expiredAt) || len(t.due) > 2*len(t.units)+1024 {
		t.requeueAll(now)
	}
	t.expiredAt = now

	var stepped, gone []*unitState
	for nowNs := dueNanos(now); len(t.due) > 0 && t.due[0].at <= nowNs; {
		e := heap.Pop(&t.due).(dueEntry)
		s := e.s
		if s.due != e.at || t.units[s.u.ID] != s {
			continue // queued again earlier since, or no longer tracked
		}
		s.due = 0
		if t.restale(s, now) {
			stepped = append(stepped, s)
		}
		if t.expires(s, now) {
			gone = append(gone, s)
			continue
		}
		t.schedule(s, now)
	}
	if len(stepped) == 0 && len(gone) == 0 {
		return nil
	}
	sort.Slice(stepped, func(i, j int) bool { return stepped[i].u.ID < stepped[j].u.ID })
	sort.Slice(gone, func(i, j int) bool { return gone[i].u.ID < gone[j].u.ID })
	changes := make([]Change, 0, 2*len(stepped)+len(gone))
	for _, s := range stepped {
		s.touch(now)
		u := s.u.Clone()
		changes = append(changes,
			Change{Kind: StaleChanged, Time: now, Unit: u},
			Change{Kind: UnitUpdated, Time: now, Unit: u})
	}
	for _, s := range gone {
		t.remove(s)
		t.expired[s.origin]++
		changes = append(changes, Change{Kind: UnitRemoved, Time: now, Unit: s.u.Clone()})
	}
	return changes
}

// expires reports whether s is an unlisted unit silent long enough at now
// to be removed.
func (t *Tracker) expires(s *unitState, now time.Time) bool {
	return t.limits.Expire && s.u.Unlisted && s.u.Emergency == nil && now.Sub(s.lastReport()) >= s.pol.Lost+t.limits.Grace
}

// restale moves the unit to the stale level its fix age at now calls for,
// recounting it, and reports whether that was a step. A unit without a
// position has no age.
func (t *Tracker) restale(s *unitState, now time.Time) bool {
	if s.u.Position == nil {
		return false
	}
	lvl := s.pol.level(now.Sub(s.u.Position.FixTime))
	if lvl == s.u.Stale {
		return false
	}
	t.uncount(s)
	s.u.Stale = lvl
	t.count(s)
	return true
}

// lastReport is when the unit was last heard from: its last fix, status or
// radio activity (Updated also moves with the stale ladder).
func (s *unitState) lastReport() time.Time {
	last := s.u.StatusAt
	if s.u.LastHeard.After(last) {
		last = s.u.LastHeard
	}
	if p := s.u.Position; p != nil && p.FixTime.After(last) {
		last = p.FixTime
	}
	if last.IsZero() {
		return s.u.Updated
	}
	return last
}

// dueEntry is a unit waiting in the expiry queue until at (Unix
// nanoseconds). It is current while the unit's due equals at.
type dueEntry struct {
	at int64
	s  *unitState
}

// dueQueue is a min-heap of dueEntry by time (container/heap).
type dueQueue []dueEntry

func (q dueQueue) Len() int           { return len(q) }
func (q dueQueue) Less(i, j int) bool { return q[i].at < q[j].at }
func (q dueQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *dueQueue) Push(x any)        { *q = append(*q, x.(dueEntry)) }
func (q *dueQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	old[len(old)-1] = dueEntry{} // let a removed unit go
	*q = old[:len(old)-1]
	return e
}

// schedule queues s for the earliest time after now that Expire could
// change it, unless it already waits for that time or an earlier one. A fix
// calls it: a fresher level steps again sooner. Other changes can only bring
// the unit's expiry forward (scheduleExpiry); those that delay a step or an
// expiry need nothing: the entry comes up early and is queued again.
func (t *Tracker) schedule(s *unitState, now time.Time) {
	if at, ok := t.dueAt(s, now); ok {
		t.enqueue(s, at)
	}
}

// dueAt is the earliest time after now that Expire could change s, as Unix
// nanoseconds; false when it never can.
func (t *Tracker) dueAt(s *unitState, now time.Time) (int64, bool) {
	at, ok := t.staleDue(s, now)
	if e, eok := t.expiryDue(s); eok && (!ok || e < at) {
		return e, true
	}
	return at, ok
}

// scheduleExpiry queues s for its expiry if that is sooner than it waits
// for: a new unit, an emergency's end, a report dated before the unit's
// last change.
func (t *Tracker) scheduleExpiry(s *unitState) {
	if at, ok := t.expiryDue(s); ok {
		t.enqueue(s, at)
	}
}

func (t *Tracker) enqueue(s *unitState, at int64) {
	if s.due != 0 && s.due <= at {
		return
	}
	s.due = at
	heap.Push(&t.due, dueEntry{at: at, s: s})
}

// staleDue is the earliest time after now that s's stale level can change,
// as Unix nanoseconds: now itself when the level is not the one its fix age
// calls for, false when it has no position or is at its last step.
func (t *Tracker) staleDue(s *unitState, now time.Time) (int64, bool) {
	p := s.u.Position
	if p == nil {
		return 0, false
	}
	age := now.Sub(p.FixTime)
	if s.pol.level(age) != s.u.Stale {
		return dueNanos(now), true
	}
	// The level changes only where the age crosses a threshold.
	next := time.Duration(math.MaxInt64)
	for _, th := range [...]time.Duration{s.pol.Aging, s.pol.Stale, s.pol.Lost} {
		if th > 0 && th > age && th < next {
			next = th
		}
	}
	if next == math.MaxInt64 {
		return 0, false
	}
	return dueNanos(p.FixTime.Add(next)), true
}

// expiryDue is when s expires if it stays silent, false if it never does.
// It is the time expires turns true, written apart from it on purpose:
// TestExpireQueueMatchesFullScan checks this queue time against that
// predicate (and staleDue against pol.level), which one shared helper
// would leave unchecked.
func (t *Tracker) expiryDue(s *unitState) (int64, bool) {
	if !t.limits.Expire || !s.u.Unlisted || s.u.Emergency != nil {
		return 0, false
	}
	return dueNanos(s.lastReport().Add(s.pol.Lost + t.limits.Grace)), true
}

// dueAtOnce is a queue time before any Expire's now: the unit is looked at
// by the next one, at its clock.
const dueAtOnce = 1

// dueNanos is t in Unix nanoseconds, clamped to what they can hold; never 0,
// which marks a unit not queued.
func dueNanos(t time.Time) int64 {
	switch sec := t.Unix(); { // cheaper than comparing Times: once per fix
	case sec < 0:
		return dueAtOnce
	case sec >= math.MaxInt64/int64(time.Second):
		return math.MaxInt64
	}
	return max(t.UnixNano(), dueAtOnce)
}

// requeueAll rebuilds the expiry queue from every unit.
func (t *Tracker) requeueAll(now time.Time) {
	clear(t.due)
	t.due = t.due[:0]
	for _, s := range t.units {
		s.due = 0
		if at, ok := t.dueAt(s, now); ok {
			s.due = at
			t.due = append(t.due, dueEntry{at: at, s: s})
		}
	}
	heap.Init(&t.due)
	t.requeue = false
}
