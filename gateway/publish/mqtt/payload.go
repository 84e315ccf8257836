package mqtt

import (
	"encoding/json"
	"fmt"
	"time"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/publish"
)

// SchemaVersion is the "v" of every payload; it bumps on a breaking change.
const SchemaVersion = 1

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
	Position  *publish.Position `json:"position,omitempty"`
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

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// UnitPayload encodes a unit's retained state. now is used for fix_age_s.
func UnitPayload(site string, u *avl.Unit, now time.Time) ([]byte, error) {
	p := unitPayload{Class: "unit", V: SchemaVersion, Site: site, Unit: u.ID, AlphaTag: u.AlphaTag,
		Type: u.Type, RadioIDs: u.RadioIDs, AVLIDs: u.AVLIDs, Unlisted: u.Unlisted,
		Position: publish.NewPosition(u.Position), Motion: u.Motion.String(), Beat: u.Beat,
		Status: u.Status, StatusAt: optTime(u.StatusAt), Channel: u.Channel, Talking: u.Talking,
		LastHeard: optTime(u.LastHeard), Updated: u.Updated.UTC()}
	if u.Position != nil {
		age := int64(now.Sub(u.Position.FixTime) / time.Second)
		if age < 0 {
			age = 0
		}
		p.FixAgeS = &age
		p.Stale = u.Stale.String()
	}
	if e := u.Emergency; e != nil {
		p.Emergency = &emergencyPayload{ID: e.ID, Since: e.Since.UTC(), AckedBy: e.AckedBy, AckedAt: optTime(e.AckedAt)}
	}
	b, err := json.Marshal(&p)
	if err != nil {
		return nil, fmt.Errorf("unit %q payload: %w", u.ID, err)
	}
	return b, nil
}

type channelPayload struct {
	Class      string     `json:"class"`
	V          int        `json:"v"`
	Site       string     `json:"site"`
	Channel    string     `json:"channel"`
	AlphaTag   string     `json:"alpha_tag,omitempty"`
	Freq       int64      `json:"freq,omitempty"`
	Talkgroup  int64      `json:"talkgroup,omitempty"`
	Busy       bool       `json:"busy"`
	Talker     string     `json:"talker,omitempty"`
	TalkerID   string     `json:"talker_id,omitempty"`
	Since      *time.Time `json:"since,omitempty"`
	Emergency  bool       `json:"emergency"`
	StuckMic   bool       `json:"stuck_mic,omitempty"`
	AirtimeS   float64    `json:"airtime_hour_s"`
	LastTalker string     `json:"last_talker,omitempty"`
	LastActive *time.Time `json:"last_active,omitempty"`
}

// ChannelPayload encodes a channel's retained state; resolve maps a radio ID
// to a unit call sign.
func ChannelPayload(site string, c *channels.ChannelState, resolve func(string) string) ([]byte, error) {
	p := channelPayload{Class: "channel", V: SchemaVersion, Site: site, Channel: c.Name, AlphaTag: c.AlphaTag,
		Freq: c.Freq, Talkgroup: c.Talkgroup, Busy: c.Busy, TalkerID: c.Talker, Since: optTime(c.Since),
		Emergency: c.Emergency, StuckMic: c.StuckMic, AirtimeS: c.AirtimeHour.Seconds(),
		LastActive: optTime(c.LastActive)}
	if c.Talker != "" {
		p.Talker = resolve(c.Talker)
	}
	if c.LastTalker != "" {
		p.LastTalker = resolve(c.LastTalker)
	}
	b, err := json.Marshal(&p)
	if err != nil {
		return nil, fmt.Errorf("channel %q payload: %w", c.Name, err)
	}
	return b, nil
}

type eventPayload struct {
	Class string `json:"class"`
	V     int    `json:"v"`
	Site  string `json:"site"`
	*publish.Event
}

// EventPayload encodes a display event.
func EventPayload(site string, e *publish.Event) ([]byte, error) {
	b, err := json.Marshal(eventPayload{Class: "event", V: SchemaVersion, Site: site, Event: e})
	if err != nil {
		return nil, fmt.Errorf("event %q payload: %w", e.ID, err)
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

func optInt(v float64) *int {
	if p := publish.Opt(v); p != nil {
		i := int(*p + 0.5)
		return &i
	}
	return nil
}

// OwnTracksPayload encodes a unit as an OwnTracks location, or nil when it
// has no position.
func OwnTracksPayload(u *avl.Unit) ([]byte, error) {
	if u.Position == nil {
		return nil, nil
	}
	p := ownTracks{Type: "location", Lat: u.Position.Lat, Lon: u.Position.Lon, Tst: u.Position.FixTime.Unix(),
		Tid: tid(u.ID), Vel: optInt(u.Position.SpeedKmh), Cog: optInt(u.Position.Heading),
		Alt: optInt(u.Position.Altitude), Name: u.AlphaTag}
	if u.Beat != "" {
		p.In = []string{u.Beat}
	}
	return json.Marshal(&p)
}

// tid is OwnTracks' two-character tracker ID: the call sign's last two
// characters (runes, so a non-ASCII call sign is not cut mid-character).
func tid(id string) string {
	r := []rune(id)
	if len(r) <= 2 {
		return id
	}
	return string(r[len(r)-2:])
}
