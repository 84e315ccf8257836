package channels

// FollowEmergency mirrors one radio's emergency as another instance published
// it (a warm standby following the active): em is the radio's open emergency,
// or nil when the active shows none. Nothing is reported: a standby publishes
// nothing of its own, and on takeover an acknowledgement of a followed
// emergency finds it here.
func (t *Tracker) FollowEmergency(radioID string, em *EmergencyState) {
	if em == nil {
		id, open := t.byRadio[radioID]
		if !open {
			return
		}
		gone := t.emerg[id]
		delete(t.emerg, id)
		delete(t.byRadio, radioID)
		t.remember(*gone)
		if c := t.chans[gone.Channel]; c != nil {
			t.refreshEmergencyFlag(c)
		}
		return
	}
	if cur, ok := t.emerg[em.ID]; ok {
		cur.AckedBy, cur.AckedAt = em.AckedBy, em.AckedAt
		return
	}
	if _, cleared := t.cleared[em.ID]; cleared {
		return // cleared here already; the active's state will follow
	}
	e := *em
	e.RadioID = radioID
	t.emerg[e.ID] = &e
	if radioID != "" {
		t.byRadio[radioID] = e.ID
	}
	if c := t.chans[e.Channel]; c != nil {
		t.refreshEmergencyFlag(c)
	}
}
