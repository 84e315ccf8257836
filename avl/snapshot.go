package avl

import (
	"fmt"
	"math"
	"time"
)

// SnapshotVersion is the Snapshot format this package writes and reads.
const SnapshotVersion = 1

// Snapshot is the tracker's persistent state: every unit with its
// breadcrumbs. It is plain data for encoding/json; unknown values are
// omitted (JSON has no NaN).
type Snapshot struct {
	Version int            `json:"version"`
	Units   []SnapshotUnit `json:"units"`
}

// SnapshotUnit is one unit in a Snapshot.
type SnapshotUnit struct {
	ID        string             `json:"id"`
	AlphaTag  string             `json:"alpha_tag,omitempty"`
	Type      string             `json:"type,omitempty"`
	RadioIDs  []string           `json:"radio_ids,omitempty"`
	AVLIDs    []string           `json:"avl_ids,omitempty"`
	Unlisted  bool               `json:"unlisted,omitempty"`
	Position  *SnapshotPosition  `json:"position,omitempty"`
	Stale     string             `json:"stale"`
	Motion    string             `json:"motion,omitempty"`
	Beat      string             `json:"beat,omitempty"`
	Status    string             `json:"status,omitempty"`
	StatusAt  time.Time          `json:"status_time,omitzero"`
	Channel   string             `json:"channel,omitempty"`
	Talking   bool               `json:"talking,omitempty"`
	LastHeard time.Time          `json:"last_heard,omitzero"`
	Emergency *SnapshotEmergency `json:"emergency,omitempty"`
	Updated   time.Time          `json:"updated,omitzero"`
	Track     []SnapshotFix      `json:"track,omitempty"`
}

// SnapshotPosition is a live position; nil pointers are Unknown values.
type SnapshotPosition struct {
	Lat      float64   `json:"lat"`
	Lon      float64   `json:"lon"`
	FixTime  time.Time `json:"fix_time"`
	SpeedKmh *float64  `json:"speed_kmh,omitempty"`
	Heading  *float64  `json:"heading,omitempty"`
	HDOP     *float64  `json:"hdop,omitempty"`
	Altitude *float64  `json:"altitude_m,omitempty"`
	Source   string    `json:"source,omitempty"`
}

// SnapshotEmergency is a latched emergency.
type SnapshotEmergency struct {
	ID      string    `json:"id"`
	Since   time.Time `json:"since"`
	AckedBy string    `json:"acked_by,omitempty"`
	AckedAt time.Time `json:"acked_at,omitzero"`
}

// SnapshotFix is one breadcrumb; nil pointers are Unknown values.
type SnapshotFix struct {
	Source    string    `json:"source,omitempty"`
	Peer      string    `json:"peer,omitempty"`
	DeviceID  string    `json:"device_id,omitempty"`
	IDKind    IDKind    `json:"id_kind,omitempty"`
	Time      time.Time `json:"time"`
	Received  time.Time `json:"received,omitzero"`
	Lat       float64   `json:"lat"`
	Lon       float64   `json:"lon"`
	Valid     bool      `json:"valid"`
	SpeedKmh  *float64  `json:"speed_kmh,omitempty"`
	Heading   *float64  `json:"heading,omitempty"`
	HDOP      *float64  `json:"hdop,omitempty"`
	AltitudeM *float64  `json:"altitude_m,omitempty"`
	AccuracyM *float64  `json:"accuracy_m,omitempty"`
}

// Snapshot returns the state of every unit, sorted by ID.
func (t *Tracker) Snapshot() Snapshot {
	snap := Snapshot{Version: SnapshotVersion, Units: make([]SnapshotUnit, 0, len(t.units))}
	for _, u := range t.Units() {
		s := t.units[u.ID]
		su := SnapshotUnit{
			ID: u.ID, AlphaTag: u.AlphaTag, Type: u.Type, RadioIDs: u.RadioIDs, AVLIDs: u.AVLIDs,
			Unlisted: u.Unlisted, Stale: u.Stale.String(), Motion: u.Motion.String(), Beat: u.Beat,
			Status: u.Status, StatusAt: u.StatusAt, Channel: u.Channel, Talking: u.Talking,
			LastHeard: u.LastHeard, Updated: u.Updated,
		}
		if p := u.Position; p != nil {
			su.Position = &SnapshotPosition{
				Lat: p.Lat, Lon: p.Lon, FixTime: p.FixTime, Source: p.Source,
				SpeedKmh: opt(p.SpeedKmh), Heading: opt(p.Heading), HDOP: opt(p.HDOP), Altitude: opt(p.Altitude),
			}
		}
		if e := u.Emergency; e != nil {
			su.Emergency = &SnapshotEmergency{ID: e.ID, Since: e.Since, AckedBy: e.AckedBy, AckedAt: e.AckedAt}
		}
		for i := 0; i < s.track.len(); i++ {
			f := s.track.at(i)
			su.Track = append(su.Track, SnapshotFix{
				Source: f.Source, Peer: f.Peer, DeviceID: f.DeviceID, IDKind: f.IDKind,
				Time: f.Time, Received: f.Received, Lat: f.Lat, Lon: f.Lon, Valid: f.Valid,
				SpeedKmh: opt(f.SpeedKmh), Heading: opt(f.Heading), HDOP: opt(f.HDOP),
				AltitudeM: opt(f.AltitudeM), AccuracyM: opt(f.AccuracyM),
			})
		}
		snap.Units = append(snap.Units, su)
	}
	return snap
}

// Restore replaces every unit with the snapshot's, then re-resolves them
// against the current roster (a raw-ID unit now in the roster merges into
// its call sign). On error the tracker is unchanged. Fix rejection counters
// are not part of a snapshot.
func (t *Tracker) Restore(snap Snapshot) error {
	if snap.Version != SnapshotVersion {
		return fmt.Errorf("avl: restore snapshot: version %d, want %d", snap.Version, SnapshotVersion)
	}
	units := make(map[string]*unitState, len(snap.Units))
	for i := range snap.Units {
		s, err := t.restoreUnit(&snap.Units[i])
		if err != nil {
			return fmt.Errorf("avl: restore snapshot: unit %d (%q): %w", i, snap.Units[i].ID, err)
		}
		if _, dup := units[s.u.ID]; dup {
			return fmt.Errorf("avl: restore snapshot: unit %q appears twice", s.u.ID)
		}
		units[s.u.ID] = s
	}
	t.units = units
	t.reresolve(nil, time.Time{})
	return nil
}

func (t *Tracker) restoreUnit(su *SnapshotUnit) (*unitState, error) {
	if su.ID == "" {
		return nil, fmt.Errorf("empty id")
	}
	stale, ok := parseStale(su.Stale)
	if !ok {
		return nil, fmt.Errorf("stale level %q", su.Stale)
	}
	motion, ok := parseMotion(su.Motion)
	if !ok {
		return nil, fmt.Errorf("motion %q", su.Motion)
	}
	s := &unitState{
		u: Unit{
			ID: su.ID, AlphaTag: su.AlphaTag, Type: su.Type,
			RadioIDs: append([]string(nil), su.RadioIDs...), AVLIDs: append([]string(nil), su.AVLIDs...),
			Unlisted: su.Unlisted, Stale: stale, Motion: motion, Beat: su.Beat,
			Status: su.Status, StatusAt: su.StatusAt, Channel: su.Channel, Talking: su.Talking,
			LastHeard: su.LastHeard, Updated: su.Updated,
		},
		track: ring{limit: t.crumbs},
	}
	if p := su.Position; p != nil {
		if !validLatLon(p.Lat, p.Lon) {
			return nil, fmt.Errorf("position %v,%v out of range", p.Lat, p.Lon)
		}
		s.u.Position = &Position{
			Lat: p.Lat, Lon: p.Lon, FixTime: p.FixTime, Source: p.Source,
			SpeedKmh: val(p.SpeedKmh), Heading: val(p.Heading), HDOP: val(p.HDOP), Altitude: val(p.Altitude),
		}
	}
	if e := su.Emergency; e != nil {
		s.u.Emergency = &Emergency{ID: e.ID, Since: e.Since, AckedBy: e.AckedBy, AckedAt: e.AckedAt}
	}
	for _, f := range su.Track {
		if !validLatLon(f.Lat, f.Lon) {
			return nil, fmt.Errorf("breadcrumb %v,%v out of range", f.Lat, f.Lon)
		}
		s.track.push(Fix{
			Source: f.Source, Peer: f.Peer, DeviceID: f.DeviceID, IDKind: f.IDKind,
			Time: f.Time, Received: f.Received, Lat: f.Lat, Lon: f.Lon, Valid: f.Valid,
			SpeedKmh: val(f.SpeedKmh), Heading: val(f.Heading), HDOP: val(f.HDOP),
			AltitudeM: val(f.AltitudeM), AccuracyM: val(f.AccuracyM),
		})
	}
	return s, nil
}

func validLatLon(lat, lon float64) bool {
	return lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180
}

// opt turns an optional value into a JSON-safe pointer: NaN and ±Inf are
// not representable in JSON and mean "not known" here.
func opt(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func val(p *float64) float64 {
	if p == nil {
		return Unknown
	}
	return *p
}

func parseStale(s string) (StaleLevel, bool) {
	for i, n := range staleNames {
		if n == s {
			return StaleLevel(i), true
		}
	}
	return 0, s == ""
}

func parseMotion(s string) (Motion, bool) {
	for _, m := range []Motion{MotionUnknown, Stopped, Moving} {
		if m.String() == s {
			return m, true
		}
	}
	return 0, false
}
