package mqtt

import (
	"encoding/json"
	"fmt"
	"time"

	"radiogw/avl"
	"radiogw/gateway/change"
)

// The reflection-based encoders that UnitPayload and OwnTracksPayload
// replaced, kept as the reference the hand-written ones must agree with.

type unitPayload struct {
	Class     string            `json:"class"`
	V         int               `json:"v"`
	Site      string            `json:"site"`
	Unit      string            `json:"unit"`
	AlphaTag  string            `json:"unit_alpha_tag,omitempty"`
	Type      string            `json:"type,omitempty"`
	RadioIDs  []string          `json:"radio_ids,omitempty"`
	AVLIDs    []string          `json:"avl_ids,omitempty"`
	Unlisted  bool              `json:"unlisted,omitempty"`
	Position  *change.Position  `json:"position,omitempty"`
	FixAgeS   *int64            `json:"fix_age_s,omitempty"`
	Stale     string            `json:"stale,omitempty"`
	Motion    string            `json:"motion,omitempty"`
	Beat      string            `json:"beat,omitempty"`
	Status    string            `json:"status,omitempty"`
	StatusAt  *time.Time        `json:"status_time,omitempty"`
	Channel   string            `json:"channel,omitempty"`
	Talking   bool              `json:"talking"`
	LastHeard *time.Time        `json:"last_heard,omitempty"`
	Emergency *emergencyPayload `json:"emergency,omitempty"`
	Updated   time.Time         `json:"updated"`
}

type emergencyPayload struct {
	ID      string     `json:"id"`
	Since   time.Time  `json:"since"`
	AckedBy string     `json:"acked_by,omitempty"`
	AckedAt *time.Time `json:"acked_at,omitempty"`
}

func refOptTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// refUnitPayload encodes a unit's retained state. now is used for fix_age_s.
func refUnitPayload(site string, u *avl.Unit, now time.Time) ([]byte, error) {
	p := unitPayload{Class: "unit", V: SchemaVersion, Site: site, Unit: u.ID, AlphaTag: u.AlphaTag,
		Type: u.Type, RadioIDs: u.RadioIDs, AVLIDs: u.AVLIDs, Unlisted: u.Unlisted,
		Position: change.NewPosition(u.Position), Motion: u.Motion.String(), Beat: u.Beat,
		Status: u.Status, StatusAt: refOptTime(u.StatusAt), Channel: u.Channel, Talking: u.Talking,
		LastHeard: refOptTime(u.LastHeard), Updated: u.Updated.UTC()}
	if u.Position != nil {
		age := int64(now.Sub(u.Position.FixTime) / time.Second)
		if age < 0 {
			age = 0
		}
		p.FixAgeS = &age
		p.Stale = u.Stale.String()
	}
	if e := u.Emergency; e != nil {
		p.Emergency = &emergencyPayload{ID: e.ID, Since: e.Since.UTC(), AckedBy: e.AckedBy, AckedAt: refOptTime(e.AckedAt)}
	}
	b, err := json.Marshal(&p)
	if err != nil {
		return nil, fmt.Errorf("unit %q payload: %w", u.ID, err)
	}
	return b, nil
}

type ownTracks struct {
	Type string   `json:"_type"`
	Lat  float64  `json:"lat"`
	Lon  float64  `json:"lon"`
	Tst  int64    `json:"tst"`
	Tid  string   `json:"tid"`
	Vel  *int     `json:"vel,omitempty"`
	Cog  *int     `json:"cog,omitempty"`
	Acc  *int     `json:"acc,omitempty"`
	Alt  *int     `json:"alt,omitempty"`
	Name string   `json:"name,omitempty"`
	In   []string `json:"inregions,omitempty"`
}

func refOptInt(v float64) *int {
	if p := change.Opt(v); p != nil {
		i := int(*p + 0.5)
		return &i
	}
	return nil
}

// refOwnTracksPayload encodes a unit as an OwnTracks location, or nil when it
// has no position.
func refOwnTracksPayload(u *avl.Unit) ([]byte, error) {
	if u.Position == nil {
		return nil, nil
	}
	p := ownTracks{Type: "location", Lat: u.Position.Lat, Lon: u.Position.Lon, Tst: u.Position.FixTime.Unix(),
		Tid: tid(u.ID), Vel: refOptInt(u.Position.SpeedKmh), Cog: refOptInt(u.Position.Heading),
		Alt: refOptInt(u.Position.Altitude), Name: u.AlphaTag}
	acc := AccuracyM(u.Position, DefaultAccuracyM)
	p.Acc = &acc
	if u.Beat != "" {
		p.In = []string{u.Beat}
	}
	return json.Marshal(&p)
}
