package avl

import "time"

// RadioActivity reports a radio heard on a channel.
type RadioActivity struct {
	RadioID, Channel string
	Talking          bool
	At               time.Time
}

// StatusUpdate reports a status message (enroute, on scene...).
type StatusUpdate struct {
	RadioID string // or unit call sign
	Status  string
	At      time.Time
}

// NearestQuery asks for the N units closest to a point.
type NearestQuery struct {
	Lat, Lon float64
	Status   string // only units with this status, when set
	N        int
	Now      time.Time
}

// NearestResult is one answer of Nearest.
type NearestResult struct {
	Unit      Unit
	DistanceM float64
	FixAge    time.Duration
}

// Snapshot is the tracker's persistent state.
type Snapshot struct {
	Version int `json:"version"`
}

// Tracker holds every unit's state.
type Tracker struct{}

func NewTracker(cfg Config) *Tracker                                            { return &Tracker{} }
func (t *Tracker) Reconfigure(cfg Config, now time.Time) []Change               { return nil }
func (t *Tracker) ApplyFix(f Fix) []Change                                      { return nil }
func (t *Tracker) ApplyRadio(a RadioActivity) []Change                          { return nil }
func (t *Tracker) ApplyStatus(s StatusUpdate) []Change                          { return nil }
func (t *Tracker) SetEmergency(id string, e *Emergency, now time.Time) []Change { return nil }
func (t *Tracker) Resolve(kind IDKind, id string) (string, bool)                { return id, false }
func (t *Tracker) Expire(now time.Time) []Change                                { return nil }
func (t *Tracker) Unit(id string) (Unit, bool)                                  { return Unit{}, false }
func (t *Tracker) Units() []Unit                                                { return nil }
func (t *Tracker) Track(unitID string) []Fix                                    { return nil }
func (t *Tracker) Nearest(q NearestQuery) []NearestResult                       { return nil }
func (t *Tracker) Snapshot() Snapshot                                           { return Snapshot{Version: 1} }
func (t *Tracker) Restore(s Snapshot) error                                     { return nil }
func (t *Tracker) Rejections() map[string]uint64                                { return nil }
