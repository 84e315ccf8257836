package avl

import "time"

// minHeadingDistM is the smallest move from which a heading is derived: below
// it, GPS drift of a parked car would spin the heading around.
const minHeadingDistM = 5

// A unit that stays within stillCrumbM of its newest breadcrumb adds one only
// every stillCrumbEvery: a car parked for an hour is one point on the trail
// (and one a minute), not one per report. Every fix still goes to InfluxDB.
const (
	stillCrumbM     = 10
	stillCrumbEvery = time.Minute
)

// ApplyFix runs one fix through the filter and, if accepted, moves the unit.
// A fix older than the live position, or older than the policy's MaxFixAge
// when it arrives, is accepted into history only (FixAccepted with
// Live=false and Reason saying why): it never moves the unit, but it is
// never thrown away either.
func (t *Tracker) ApplyFix(f Fix) []Change {
	return t.AppendFix(nil, f)
}

// AppendFix is ApplyFix appending its changes to dst: a caller that
// gathers a step's changes in one batch pays no allocation per fix (a
// Change is half a kilobyte; at 50,000 fixes a second the copies were 6 %
// of radiogw's CPU).
func (t *Tracker) AppendFix(dst []Change, f Fix) []Change {
	return append(dst, t.applyFix(f)...)
}

// applyFix returns the changes of one fix; the slice may be the tracker's
// reused buffer, valid until the next call.
func (t *Tracker) applyFix(f Fix) []Change {
	sanitize(&f)
	id := f.DeviceID
	if id == "" {
		id = f.Peer
	}
	if id == "" {
		return t.reject(f, nil, "", false, RejectNoID)
	}
	uid, listed := t.Resolve(f.IDKind, id)
	s := t.units[uid]
	var pol *TypePolicy
	if s != nil {
		pol = s.pol
	} else if e, ok := t.roster[uid]; ok && listed {
		pol = t.policy(e.Type)
	} else {
		pol = t.policy("")
	}
	if r := checkFix(&f, pol); r != "" {
		return t.reject(f, s, uid, listed, r)
	}
	if tooOld(&f, pol) {
		return t.acceptLate(f, s, uid, listed)
	}
	if s == nil {
		if s = t.lookup(uid, f.Source, listed, true); s == nil {
			return t.reject(f, nil, uid, listed, RejectUnlisted)
		}
	}

	var prev Position
	hasPrev := s.u.Position != nil
	var distM float64
	var dt time.Duration
	if hasPrev {
		prev = *s.u.Position
		switch {
		case f.Time.Equal(prev.FixTime):
			return t.reject(f, s, uid, listed, RejectDuplicate)
		case f.Time.Before(prev.FixTime) && !fromFuture(prev.FixTime, f.Received, pol):
			return t.acceptHistory(f, s, LateOlderThanLive)
		case f.Time.Before(prev.FixTime):
			// The live fix is dated after this fix was even received: a
			// device clock that was wrong. Replace it rather than pin the
			// unit to it; there is no speed or route to derive from it.
			hasPrev = false
		}
	}
	if hasPrev {
		distM = haversineM(prev.Lat, prev.Lon, f.Lat, f.Lon)
		dt = f.Time.Sub(prev.FixTime)
		if pol.MaxSpeedKmh > 0 && impliedKmh(distM, dt) > pol.MaxSpeedKmh && !s.jumpConfirmed(&f, pol.MaxSpeedKmh) {
			return t.reject(f, s, uid, listed, RejectSpeedJump)
		}
	}
	s.jump = nil

	pos := Position{
		Lat: f.Lat, Lon: f.Lon, FixTime: f.Time,
		SpeedKmh: f.SpeedKmh, Heading: f.Heading,
		HDOP: f.HDOP, Altitude: f.AltitudeM, Accuracy: f.AccuracyM, Source: f.Source,
	}
	if !Known(pos.SpeedKmh) && hasPrev {
		pos.SpeedKmh = impliedKmh(distM, dt)
	}
	if !Known(pos.Heading) && hasPrev {
		pos.Heading = prev.Heading
		if distM >= minHeadingDistM {
			pos.Heading = bearingDeg(prev.Lat, prev.Lon, f.Lat, f.Lon)
		}
	}
	t.uncount(s)        // its position and stale level change: counted again below
	s.u.Position = &pos // a new one: clones handed out share the old (Unit.Clone)
	if s.track.movedOrDue(f.Lat, f.Lon, f.Time.UnixNano()) {
		s.track.push(crumbOf(&f, t.sourceIndex(f.Source)))
	}
	s.u.Motion = pol.motion(s.u.Motion, pos.SpeedKmh)
	s.touch(f.Time)

	// Built in a reused buffer: a Change is half a kilobyte.
	changes := append(t.changeBuf[:0], Change{Kind: FixAccepted, Time: f.Time, Fix: f, Live: true})

	now := f.Received
	if now.IsZero() {
		now = f.Time
	}
	if lvl := pol.level(now.Sub(f.Time)); lvl != s.u.Stale {
		s.u.Stale = lvl
		changes = append(changes, Change{Kind: StaleChanged, Time: f.Time})
	}
	t.count(s)
	t.schedule(s, now)

	changes = t.moveFences(changes, s, &prev, hasPrev, pol, dt)
	changes = append(changes, Change{Kind: UnitUpdated, Time: f.Time, Received: f.Received})
	t.changeBuf = changes[:0]
	return stamp(changes, s)
}

// moveFences updates the unit's fence membership and beat after a live move.
func (t *Tracker) moveFences(changes []Change, s *unitState, prev *Position, hasPrev bool, pol *TypePolicy, dt time.Duration) []Change {
	if len(t.fences.fences) == 0 {
		return changes
	}
	a, pt := orb2(prev), orb2(s.u.Position)
	cur := t.fences.containing(pt, t.scratch[:0])
	var crossed []int32
	// A straight line between fixes further apart than the stale threshold
	// says nothing about the route taken.
	if hasPrev && (pol.Stale <= 0 || dt < pol.Stale) {
		crossed = t.fences.crossed(a, pt, s.inside, cur, t.scratch2[:0])
		t.scratch2 = crossed[:0]
	}
	changes = t.fences.fenceChanges(changes, s.inside, cur, crossed, a, pt, prev.FixTime, s.u.Position.FixTime)
	s.inside = append(s.inside[:0], cur...)
	t.scratch = cur[:0]
	s.u.Beat = t.fences.beat(s.inside)
	return changes
}

// jumpConfirmed counts a speed jump and reports whether enough consecutive
// jumps agree with each other to believe them over the live position.
func (s *unitState) jumpConfirmed(f *Fix, maxKmh float64) bool {
	j := s.jump
	if j == nil {
		j = &jumpRun{}
		s.jump = j
	} else if d := haversineM(j.lat, j.lon, f.Lat, f.Lon); !f.Time.After(j.time) || impliedKmh(d, f.Time.Sub(j.time)) > maxKmh {
		j.n = 0 // not consistent with the previous jump: start over
	}
	j.n++
	j.lat, j.lon, j.time = f.Lat, f.Lon, f.Time
	return j.n >= speedJumpStreak
}

// acceptHistory files a late fix in the breadcrumbs without moving the unit.
func (t *Tracker) acceptHistory(f Fix, s *unitState, why string) []Change {
	if s.track.hasTime(f.Time.UnixNano()) {
		return t.reject(f, s, s.u.ID, !s.u.Unlisted, RejectDuplicate)
	}
	s.track.push(crumbOf(&f, t.sourceIndex(f.Source)))
	t.late[why]++
	return stamp([]Change{{Kind: FixAccepted, Time: f.Time, Fix: f, Reason: why}}, s)
}

// acceptLate passes a fix too old for the wall to history. It does not
// create a unit (a receiver replaying last year's log is not on duty) nor
// enter the breadcrumb trail, which shows recent driving; the InfluxDB point
// carries it.
func (t *Tracker) acceptLate(f Fix, s *unitState, uid string, listed bool) []Change {
	if s != nil && s.track.hasTime(f.Time.UnixNano()) {
		return t.reject(f, s, uid, listed, RejectDuplicate)
	}
	t.late[LateTooOld]++
	c := Change{Kind: FixAccepted, Time: f.Time, Fix: f, Reason: LateTooOld}
	c.Unit = t.unitView(s, uid, listed)
	return []Change{c}
}

// reject counts a rejected fix. Units are not created for rejected fixes:
// garbage from a noisy line must not fill the roster with phantom units.
func (t *Tracker) reject(f Fix, s *unitState, uid string, listed bool, reason string) []Change {
	t.rejections[reason]++
	c := Change{Kind: FixRejected, Time: f.Time, Fix: f, Reason: reason}
	c.Unit = t.unitView(s, uid, listed)
	return []Change{c}
}

// unitView is the unit a change about an unapplied fix carries: the tracked
// unit, or for one not tracked its roster fields (or just ID and Unlisted).
func (t *Tracker) unitView(s *unitState, uid string, listed bool) Unit {
	if s != nil {
		return s.u.Clone()
	}
	u := Unit{ID: uid, Unlisted: !listed}
	if e, ok := t.roster[uid]; ok && listed {
		tmp := unitState{u: u}
		tmp.applyRoster(e)
		u = tmp.u
	}
	return u
}

// stamp gives every change the unit's state after the call. The changes of
// one call share a single snapshot; treat it as read-only.
func stamp(changes []Change, s *unitState) []Change {
	u := s.u.Clone()
	for i := range changes {
		changes[i].Unit = u
	}
	return changes
}
