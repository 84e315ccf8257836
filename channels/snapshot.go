package channels

import (
	"fmt"
	"time"
)

// SnapshotVersion is the snapshot format this package writes and reads.
const SnapshotVersion = 1

// Snapshot is the tracker's state for persisting across restarts, so a
// restart neither blanks the channel displays nor forgets an emergency.
type Snapshot struct {
	Version     int               `json:"version"`
	Channels    []ChannelSnapshot `json:"channels"`
	Emergencies []EmergencyState  `json:"emergencies"`
	Cleared     []EmergencyState  `json:"cleared,omitempty"` // recently cleared, oldest first
}

// ChannelSnapshot is one channel's state plus the timers behind it.
type ChannelSnapshot struct {
	State       ChannelState `json:"state"`
	Keyed       bool         `json:"keyed,omitempty"`
	HangUntil   time.Time    `json:"hang_until"`
	StuckRaised bool         `json:"stuck_raised,omitempty"`
	AirHour     time.Time    `json:"air_hour"`
	EndsSeen    bool         `json:"ends_seen,omitempty"`
}

// Snapshot returns the state to persist.
func (t *Tracker) Snapshot() Snapshot {
	s := Snapshot{Version: SnapshotVersion, Emergencies: t.Emergencies()}
	for _, name := range t.names {
		c := t.chans[name]
		s.Channels = append(s.Channels, ChannelSnapshot{State: c.st, Keyed: c.keyed,
			HangUntil: c.hang, StuckRaised: c.stuckRaised, AirHour: c.airHour, EndsSeen: c.endsSeen})
	}
	for _, id := range t.clearedFIFO {
		s.Cleared = append(s.Cleared, t.cleared[id])
	}
	return s
}

// Restore loads a snapshot taken by Snapshot. Channels no longer configured
// are skipped (their configuration wins: alpha tag, frequency); every
// emergency is restored, configured channel or not.
func (t *Tracker) Restore(s Snapshot) error {
	if s.Version != SnapshotVersion {
		return fmt.Errorf("channels snapshot version %d: want %d", s.Version, SnapshotVersion)
	}
	emerg := make(map[string]*EmergencyState, len(s.Emergencies))
	byRadio := make(map[string]string, len(s.Emergencies))
	for i := range s.Emergencies {
		em := s.Emergencies[i]
		if em.ID == "" {
			return fmt.Errorf("channels snapshot: emergency %d has no id", i)
		}
		if _, dup := emerg[em.ID]; dup {
			return fmt.Errorf("channels snapshot: emergency %q twice", em.ID)
		}
		emerg[em.ID] = &em
		byRadio[em.RadioID] = em.ID
	}
	for _, cs := range s.Channels {
		c, ok := t.chans[cs.State.Name]
		if !ok {
			continue
		}
		st := cs.State
		st.AlphaTag, st.Freq, st.Talkgroup, st.System = c.cfg.AlphaTag, c.cfg.Freq, c.cfg.Talkgroup, c.cfg.System
		c.st, c.keyed, c.hang, c.stuckRaised, c.airHour = st, cs.Keyed, cs.HangUntil, cs.StuckRaised, cs.AirHour
		c.endsSeen = cs.EndsSeen
	}
	t.emerg, t.byRadio = emerg, byRadio
	t.cleared, t.clearedFIFO = make(map[string]EmergencyState), nil
	for _, em := range s.Cleared {
		t.remember(em)
	}
	for _, c := range t.chans {
		t.refreshEmergencyFlag(c)
	}
	return nil
}
