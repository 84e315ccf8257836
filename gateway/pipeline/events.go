package pipeline

import (
	"fmt"
	"time"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/change"
)

// eventID is derived from what happened, not from when radiogw saw it, so a
// re-delivered event carries the same ID and displays can de-duplicate.
func eventID(kind, who string, at time.Time) string {
	return fmt.Sprintf("%s-%s-%d", kind, who, at.UnixNano())
}

// SourceEvent is the display event of a source's peer coming up or going
// down (kind source_up, source_down).
func SourceEvent(kind, src, peer, detail string) change.Event {
	now := time.Now().UTC()
	return change.Event{ID: eventID(kind, src+"-"+peer, now), Kind: kind, Time: now, Source: src, Peer: peer,
		Detail: detail}
}

// unitEvent turns a unit change into a display event, if it is one.
func unitEvent(c *avl.Change) (change.Event, bool) {
	e := change.Event{Kind: c.Kind.String(), Time: c.Time.UTC(), Unit: c.Unit.ID}
	switch c.Kind {
	case avl.StaleChanged:
		e.Stale = c.Unit.Stale.String()
	case avl.GeofenceEnter, avl.GeofenceExit:
		e.Fence = c.Fence
	default:
		return e, false
	}
	e.ID = eventID(e.Kind, e.Unit+"-"+e.Fence+e.Stale, e.Time)
	return e, true
}

// channelEvent turns a channel change into a display event, joined with the
// unit tracker: the radio ID resolves to a call sign and an emergency carries
// the unit's last known position and its age.
func channelEvent(c *channels.Change, units *avl.Tracker) (change.Event, bool) {
	e := change.Event{Kind: c.Kind.String(), Time: c.Time.UTC(), Channel: c.Channel.Name, RadioID: c.RadioID,
		Source: c.Source}
	switch c.Kind {
	case channels.TransmissionStart, channels.RadioCheckSeen, channels.RadioOffSeen, channels.RadioOnSeen, channels.StuckMic:
	case channels.TransmissionEnd:
		e.DurationS = seconds(c.Duration)
	case channels.StatusChanged:
		e.Status, e.StatusCode = c.Status, c.StatusCode
	case channels.EmergencyRaised, channels.EmergencyAcked, channels.EmergencyCleared, channels.EmergencyRepeated:
		em := c.Emergency
		e.Emergency, e.Count = em.ID, em.Count
		if e.RadioID == "" {
			e.RadioID = em.RadioID
		}
		if e.Channel == "" {
			e.Channel = em.Channel
		}
		switch c.Kind {
		case channels.EmergencyAcked:
			e.By = em.AckedBy
		case channels.EmergencyCleared:
			e.By = em.ClearedBy
		}
	default:
		return e, false
	}
	if e.RadioID != "" {
		if id, _ := units.Resolve(avl.RadioID, e.RadioID); id != "" {
			e.Unit = id
			alarm := c.Kind == channels.EmergencyRaised || c.Kind == channels.EmergencyRepeated
			if u, ok := units.Unit(id); ok && alarm && u.Position != nil {
				e.Position = change.NewPosition(u.Position)
				age := seconds(c.Time.Sub(u.Position.FixTime))
				e.FixAgeS = &age
			}
		}
	}
	who := e.Unit
	if who == "" {
		who = e.RadioID
	}
	e.ID = eventID(e.Kind, e.Channel+"-"+who, e.Time)
	return e, true
}

// unitSide feeds a channel change into the unit tracker: last channel heard,
// talking, status and the emergency latch are part of the unit's state.
func unitSide(c *channels.Change, units *avl.Tracker) []avl.Change {
	switch c.Kind {
	case channels.TransmissionStart:
		return units.ApplyRadio(avl.RadioActivity{RadioID: c.RadioID, Channel: c.Channel.Name, Source: c.Source, Talking: true, At: c.Time,
			Alias: c.RadioAlias})
	case channels.TransmissionEnd, channels.RadioCheckSeen, channels.RadioOffSeen, channels.RadioOnSeen:
		a := avl.RadioActivity{RadioID: c.RadioID, Channel: c.Channel.Name, Source: c.Source, Talking: false, At: c.Time,
			Alias: c.RadioAlias}
		switch c.Kind {
		case channels.RadioOnSeen:
			a.Power = avl.PowerOn
		case channels.RadioOffSeen:
			a.Power = avl.PowerOff
		}
		return units.ApplyRadio(a)
	case channels.StatusChanged:
		return units.ApplyStatus(avl.StatusUpdate{RadioID: c.RadioID, Status: c.Status, Source: c.Source, At: c.Time})
	case channels.EmergencyRaised, channels.EmergencyAcked, channels.EmergencyRepeated:
		em := c.Emergency
		return units.SetEmergencyFrom(c.Source, em.RadioID, &avl.Emergency{ID: em.ID, Since: em.Since, AckedBy: em.AckedBy,
			AckedAt: em.AckedAt}, c.Time)
	case channels.EmergencyCleared:
		return units.SetEmergency(c.Emergency.RadioID, nil, c.Time)
	}
	return nil
}
