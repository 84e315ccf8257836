package channels

import (
	"errors"
	"time"
)

// ErrUnknownEmergency is returned by Ack and Clear for an ID not latched.
var ErrUnknownEmergency = errors.New("unknown emergency")

// Tracker holds every channel's state and the latched emergencies.
type Tracker struct{}

// NewTracker builds a tracker for cfg.
func NewTracker(cfg Config) *Tracker { return &Tracker{} }

// Reconfigure replaces the configuration, keeping state of channels that remain.
func (t *Tracker) Reconfigure(cfg Config, now time.Time) []Change { return nil }

// Apply feeds one decoded event.
func (t *Tracker) Apply(e Event) []Change { return nil }

// Ack acknowledges an emergency.
func (t *Tracker) Ack(emergencyID, by string, now time.Time) ([]Change, error) { return nil, nil }

// Clear clears an emergency.
func (t *Tracker) Clear(emergencyID, by string, now time.Time) ([]Change, error) { return nil, nil }

// Expire applies hang time and stuck-mic timers.
func (t *Tracker) Expire(now time.Time) []Change { return nil }

// Channel returns one channel's state.
func (t *Tracker) Channel(name string) (ChannelState, bool) { return ChannelState{}, false }

// Channels returns every channel, sorted by name.
func (t *Tracker) Channels() []ChannelState { return nil }

// Emergencies returns active emergencies, oldest first.
func (t *Tracker) Emergencies() []EmergencyState { return nil }

// Snapshot is the tracker state for persisting across restarts.
type Snapshot struct {
	Version int `json:"version"`
}

// Snapshot returns the state to persist.
func (t *Tracker) Snapshot() Snapshot { return Snapshot{Version: 1} }

// Restore loads a snapshot.
func (t *Tracker) Restore(s Snapshot) error { return nil }
