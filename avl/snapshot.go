package avl

import (
	"fmt"
	"math"
	"time"
)

// SnapshotVersion is the version of the whole-document Snapshot format that
// radiogw wrote until breadcrumbs became compact. It is still read, so a
// snapshot taken before an upgrade restores after it; new snapshots are
// streamed a unit at a time (Capture, Loader).
const SnapshotVersion = 1

// Snapshot is a version 1 snapshot: every unit with its breadcrumbs as
// full fixes, in one document. Unknown values are omitted (JSON has no NaN).
type Snapshot struct {
	Version int            `json:"version"`
	Units   []SnapshotUnit `json:"units"`
}

// SnapshotUnit is one unit in a version 1 Snapshot.
type SnapshotUnit struct {
	UnitRecord
	Track []SnapshotFix `json:"track,omitempty"`
}

// UnitRecord is a unit's state without its breadcrumbs, as both snapshot
// formats store it.
type UnitRecord struct {
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
	Power     string             `json:"radio_power,omitempty"`
	PowerAt   time.Time          `json:"radio_power_since,omitzero"`
	Alias     string             `json:"radio_alias,omitempty"`
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
	Accuracy *float64  `json:"accuracy_m,omitempty"`
	Source   string    `json:"source,omitempty"`
}

// SnapshotEmergency is a latched emergency.
type SnapshotEmergency struct {
	ID      string    `json:"id"`
	Since   time.Time `json:"since"`
	AckedBy string    `json:"acked_by,omitempty"`
	AckedAt time.Time `json:"acked_at,omitzero"`
}

// SnapshotFix is one version 1 breadcrumb; nil pointers are Unknown
// values. Only source, time, position, speed and heading are restored: that
// is what a breadcrumb keeps now.
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

// Restore replaces every unit with those of a version 1 snapshot, then
// re-resolves them against the current roster (a raw-ID unit now in the
// roster merges into its call sign). On error the tracker is unchanged. Fix
// rejection counters are not part of a snapshot.
func (t *Tracker) Restore(snap Snapshot) error {
	if snap.Version != SnapshotVersion {
		return fmt.Errorf("avl: restore snapshot: version %d, want %d", snap.Version, SnapshotVersion)
	}
	l := t.NewLoader()
	for i := range snap.Units {
		if err := l.AddSnapshotUnit(&snap.Units[i]); err != nil {
			return fmt.Errorf("avl: restore snapshot: %w", err)
		}
	}
	l.Commit()
	return nil
}

// AddSnapshotUnit adds one unit of a version 1 snapshot (as the runtime
// wrote it before breadcrumbs were compact).
func (l *Loader) AddSnapshotUnit(su *SnapshotUnit) error {
	s, err := l.t.restoreUnit(&su.UnitRecord)
	if err == nil {
		for _, f := range su.Track {
			if !validLatLon(f.Lat, f.Lon) {
				err = fmt.Errorf("breadcrumb %v,%v out of range", f.Lat, f.Lon)
				break
			}
			if !crumbTimeOK(f.Time) {
				err = fmt.Errorf("breadcrumb time %v out of range", f.Time)
				break
			}
			fix := Fix{Time: f.Time, Lat: f.Lat, Lon: f.Lon, SpeedKmh: val(f.SpeedKmh), Heading: val(f.Heading)}
			s.track.push(crumbOf(&fix, l.t.sourceIndex(f.Source)))
		}
	}
	if err != nil {
		return fmt.Errorf("unit %d (%q): %w", l.n, su.ID, err)
	}
	return l.add(s)
}

// restoreUnit rebuilds a unit without its breadcrumbs.
func (t *Tracker) restoreUnit(su *UnitRecord) (*unitState, error) {
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
	if su.Power != "" && su.Power != PowerOn && su.Power != PowerOff {
		return nil, fmt.Errorf("radio power %q", su.Power)
	}
	s := &unitState{
		u: Unit{
			Power: su.Power, ID: su.ID, AlphaTag: su.AlphaTag, Type: su.Type,
			RadioIDs: append([]string(nil), su.RadioIDs...), AVLIDs: append([]string(nil), su.AVLIDs...),
			Unlisted: su.Unlisted, Stale: stale, Motion: motion, Beat: su.Beat,
			Status: su.Status, StatusAt: su.StatusAt, Channel: su.Channel, Talking: su.Talking,
			LastHeard: su.LastHeard, Updated: su.Updated, Alias: su.Alias, PowerSince: su.PowerAt,
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
			Accuracy: val(p.Accuracy),
		}
	}
	if e := su.Emergency; e != nil {
		s.u.Emergency = &Emergency{ID: e.ID, Since: e.Since, AckedBy: e.AckedBy, AckedAt: e.AckedAt}
	}
	return s, nil
}

// validLatLon reports whether lat, lon are WGS84 degrees. NaN and ±Inf fail
// every comparison, so they are out of range too.
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
