package channels

import (
	"fmt"
	"time"
)

// raise latches an emergency from e. Nothing here ever drops one: a repeat is
// reported as EmergencyRepeated (still unacknowledged) or as a fresh
// EmergencyRaised (already acknowledged, so the dispatcher must look again).
func (t *Tracker) raise(e Event, at time.Time) []Change {
	if id, ok := t.byRadio[e.RadioID]; ok {
		em := t.emerg[id]
		em.Count++
		prev := em.Channel
		if e.Channel != "" {
			em.Channel = e.Channel // the radio moved: follow it
		}
		kind := EmergencyRepeated
		if em.Acked() {
			kind = EmergencyRaised
			em.AckedBy, em.AckedAt = "", time.Time{}
		}
		out := t.emergencyChanges(kind, *em, e.Source, at)
		if old := t.chans[prev]; old != nil && prev != em.Channel && t.refreshEmergencyFlag(old) {
			out = append(out, Change{Kind: ChannelUpdated, Time: at, Channel: old.st})
		}
		return out
	}
	em := &EmergencyState{ID: t.newEmergencyID(e.RadioID, at), RadioID: e.RadioID,
		Channel: e.Channel, Source: e.Source, Since: at}
	t.emerg[em.ID] = em
	t.byRadio[em.RadioID] = em.ID
	return t.emergencyChanges(EmergencyRaised, *em, e.Source, at)
}

// newEmergencyID is "e-<radio>-<unix seconds>", unique even when the same
// radio alarms twice within a second.
func (t *Tracker) newEmergencyID(radio string, at time.Time) string {
	if radio == "" {
		radio = "unknown"
	}
	base := fmt.Sprintf("e-%s-%d", radio, at.Unix())
	id := base
	for n := 2; ; n++ {
		_, active := t.emerg[id]
		_, old := t.cleared[id]
		if !active && !old {
			return id
		}
		id = fmt.Sprintf("%s-%d", base, n)
	}
}

// emergencyChanges reports em and, if its channel's emergency flag moved, the
// channel.
func (t *Tracker) emergencyChanges(kind ChangeKind, em EmergencyState, source string, at time.Time) []Change {
	ch := Change{Kind: kind, Time: at, Emergency: em, RadioID: em.RadioID, Source: source}
	c := t.chans[em.Channel]
	if c == nil {
		return []Change{ch}
	}
	moved := t.refreshEmergencyFlag(c)
	ch.Channel = c.st
	if !moved {
		return []Change{ch}
	}
	return []Change{ch, {Kind: ChannelUpdated, Time: at, Channel: c.st}}
}

// refreshEmergencyFlag sets the channel's flag from the active emergencies
// and reports whether it changed.
func (t *Tracker) refreshEmergencyFlag(c *channel) bool {
	on := false
	for _, em := range t.emerg {
		if em.Channel == c.st.Name {
			on = true
			break
		}
	}
	moved := on != c.st.Emergency
	c.st.Emergency = on
	return moved
}

// active finds an active emergency for op (ack, clear). One cleared recently
// is nil with no error: a console repeating an ack or clear is a no-op.
func (t *Tracker) active(op, id string) (*EmergencyState, error) {
	if em, ok := t.emerg[id]; ok {
		return em, nil
	}
	if _, old := t.cleared[id]; old {
		return nil, nil
	}
	return nil, fmt.Errorf("%s %q: %w", op, id, ErrUnknownEmergency)
}

// Ack acknowledges an emergency. Acking one already acknowledged (or already
// cleared) changes nothing and is not an error.
func (t *Tracker) Ack(emergencyID, by string, now time.Time) ([]Change, error) {
	em, err := t.active("ack", emergencyID)
	if em == nil || em.Acked() {
		return nil, err
	}
	em.AckedBy, em.AckedAt = by, now
	return t.emergencyChanges(EmergencyAcked, *em, "", now), nil
}

// Clear ends an emergency. Clearing one nobody acknowledged acknowledges it
// first, so the record always says who took it. Clearing twice is a no-op.
func (t *Tracker) Clear(emergencyID, by string, now time.Time) ([]Change, error) {
	em, err := t.active("clear", emergencyID)
	if em == nil {
		return nil, err
	}
	var out []Change
	if !em.Acked() {
		acked, _ := t.Ack(emergencyID, by, now)
		out = append(out, acked...)
	}
	em.ClearedBy, em.ClearedAt = by, now
	delete(t.emerg, em.ID)
	if t.byRadio[em.RadioID] == em.ID {
		delete(t.byRadio, em.RadioID)
	}
	t.remember(*em)
	return append(out, t.emergencyChanges(EmergencyCleared, *em, "", now)...), nil
}

func (t *Tracker) remember(em EmergencyState) {
	t.cleared[em.ID] = em
	t.clearedFIFO = append(t.clearedFIFO, em.ID)
	if len(t.clearedFIFO) > clearedMemory {
		delete(t.cleared, t.clearedFIFO[0])
		t.clearedFIFO = t.clearedFIFO[1:]
	}
}

// targets finds the emergencies an over-the-air ack/clear refers to: the
// radio's own, or with no radio ID every active one on the event's channel.
func (t *Tracker) targets(e Event) []string {
	if e.RadioID != "" {
		if id, ok := t.byRadio[e.RadioID]; ok {
			return []string{id}
		}
		return nil
	}
	if e.Channel == "" {
		return nil
	}
	var ids []string
	for _, em := range t.Emergencies() {
		if em.Channel == e.Channel {
			ids = append(ids, em.ID)
		}
	}
	return ids
}

// settleFromEvent acknowledges or clears, over the air or from a console,
// every emergency the event targets; "radio" stands for an unnamed sender.
func (t *Tracker) settleFromEvent(e Event, at time.Time, settle func(id, by string, at time.Time) ([]Change, error)) []Change {
	by := e.By
	if by == "" {
		by = "radio"
	}
	var out []Change
	for _, id := range t.targets(e) {
		ch, _ := settle(id, by, at)
		out = append(out, stamp(ch, e.Source)...)
	}
	return out
}

func stamp(chs []Change, source string) []Change {
	for i := range chs {
		if chs[i].Kind != ChannelUpdated {
			chs[i].Source = source
		}
	}
	return chs
}
