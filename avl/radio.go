package avl

import "time"

// ApplyRadio records a radio heard on a channel: last channel, talking now,
// last heard. Activity older than what the unit already shows is ignored
// (a late PTT end must not un-key a newer transmission).
func (t *Tracker) ApplyRadio(a RadioActivity) []Change {
	if a.RadioID == "" {
		return nil
	}
	uid, listed := t.Resolve(RadioID, a.RadioID)
	s := t.lookup(uid, a.Source, listed, true)
	if s == nil {
		return nil
	}
	if a.At.Before(s.u.LastHeard) {
		return nil
	}
	before := s.u.Channel
	if a.Channel != "" {
		s.u.Channel = a.Channel
	}
	power := a.Power
	if power == "" && s.u.Power == PowerOff {
		power = PowerOn // a radio heard is powered on
	}
	powerChanged := power != "" && power != s.u.Power
	if powerChanged {
		s.u.Power, s.u.PowerSince = power, a.At
	}
	aliasChanged := a.Alias != "" && a.Alias != s.u.Alias
	if aliasChanged {
		s.u.Alias = a.Alias
		var e *RosterEntry
		if !s.u.Unlisted {
			e = t.roster[s.u.ID]
		}
		s.u.AlphaTag = rosterOrAlias(e, a.Alias)
	}
	if s.u.Channel == before && s.u.Talking == a.Talking && s.u.LastHeard.Equal(a.At) && !powerChanged && !aliasChanged {
		return nil
	}
	s.u.Talking = a.Talking
	s.u.LastHeard = a.At
	s.touch(a.At)
	t.scheduleExpiry(s)
	return stamp([]Change{{Kind: UnitUpdated, Time: a.At}}, s)
}

// ApplyStatus records a status message. RadioID may also be an AVL ID or
// the unit's call sign. Older updates than the current status are ignored.
func (t *Tracker) ApplyStatus(st StatusUpdate) []Change {
	if st.RadioID == "" {
		return nil
	}
	uid, listed := t.resolveAny(RadioID, st.RadioID)
	s := t.lookup(uid, st.Source, listed, true)
	if s == nil {
		return nil
	}
	if st.At.Before(s.u.StatusAt) || (s.u.Status == st.Status && s.u.StatusAt.Equal(st.At)) {
		return nil
	}
	s.u.Status = st.Status
	s.u.StatusAt = st.At
	s.touch(st.At)
	t.scheduleExpiry(s)
	return stamp([]Change{{Kind: UnitUpdated, Time: st.At}}, s)
}

// SetEmergency latches (e != nil) or clears (nil) the unit's emergency as
// the channels tracker reports it. Clearing a unit radiogw never saw does
// nothing.
func (t *Tracker) SetEmergency(radioIDOrUnit string, e *Emergency, now time.Time) []Change {
	return t.SetEmergencyFrom("", radioIDOrUnit, e, now)
}

// SetEmergencyFrom is SetEmergency for a radio heard on source (which an
// unlisted unit it creates counts against).
func (t *Tracker) SetEmergencyFrom(source, radioIDOrUnit string, e *Emergency, now time.Time) []Change {
	if radioIDOrUnit == "" {
		return nil
	}
	uid, listed := t.resolveAny(RadioID, radioIDOrUnit)
	s := t.lookup(uid, source, listed, e != nil)
	if s == nil {
		return nil
	}
	switch {
	case e == nil && s.u.Emergency == nil:
		return nil
	case e != nil && s.u.Emergency != nil && *e == *s.u.Emergency:
		return nil
	}
	if e == nil {
		s.u.Emergency = nil
	} else {
		c := *e
		s.u.Emergency = &c
	}
	s.touch(now)
	t.scheduleExpiry(s)
	return stamp([]Change{{Kind: UnitUpdated, Time: now}}, s)
}
