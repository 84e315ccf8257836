package mqtt

import (
	"encoding/json"
	"fmt"
	"time"

	"radiogw/channels"
	"radiogw/gateway/change"
)

// SchemaVersion is the "v" of every payload; it bumps on a breaking change.
const SchemaVersion = 1

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

type channelPayload struct {
	Class      string     `json:"class"`
	V          int        `json:"v"`
	Site       string     `json:"site"`
	Channel    string     `json:"channel"`
	AlphaTag   string     `json:"alpha_tag,omitempty"`
	Freq       int64      `json:"freq,omitempty"`
	Talkgroup  int64      `json:"talkgroup,omitempty"`
	System     string     `json:"sys_name,omitempty"`
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
		Freq: c.Freq, Talkgroup: c.Talkgroup, System: c.System, Busy: c.Busy, TalkerID: c.Talker, Since: optTime(c.Since),
		Emergency: c.Emergency, StuckMic: c.StuckMic, AirtimeS: change.Round(c.AirtimeHour.Seconds(), change.TenthDecimals),
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
	*change.Event
}

// EventPayload encodes a display event.
func EventPayload(site string, e *change.Event) ([]byte, error) {
	b, err := json.Marshal(eventPayload{Class: "event", V: SchemaVersion, Site: site, Event: e})
	if err != nil {
		return nil, fmt.Errorf("event %q payload: %w", e.ID, err)
	}
	return b, nil
}
