package channels

import "time"

// ChannelState is the live state of one channel, as displays see it.
type ChannelState struct {
	Name        string        `json:"name"`
	AlphaTag    string        `json:"alpha_tag,omitempty"`
	Freq        int64         `json:"freq,omitempty"`
	Talkgroup   int64         `json:"talkgroup,omitempty"`
	System      string        `json:"sys_name,omitempty"` // the trunked system of Talkgroup
	Busy        bool          `json:"busy"`
	Talker      string        `json:"talker,omitempty"` // radio ID keyed up now; empty for carrier only or hang time
	Since       time.Time     `json:"since"`            // when Busy last changed or the current talker started
	Emergency   bool          `json:"emergency"`        // an active emergency was raised on this channel
	StuckMic    bool          `json:"stuck_mic"`
	AirtimeHour time.Duration `json:"airtime_hour"` // finished transmissions within the current UTC clock hour
	LastTalker  string        `json:"last_talker,omitempty"`
	LastActive  time.Time     `json:"last_active,omitzero"`
}

// EmergencyState is one latched emergency. ID stays the same across re-alerts
// so consoles can ack and clear it by ID.
type EmergencyState struct {
	ID        string    `json:"id"`
	RadioID   string    `json:"radio_id"`
	Channel   string    `json:"channel,omitempty"`
	Source    string    `json:"source,omitempty"`
	Since     time.Time `json:"since"`
	AckedBy   string    `json:"acked_by,omitempty"`
	AckedAt   time.Time `json:"acked_at,omitzero"`
	Count     int       `json:"count"` // repeats heard after the first alarm
	ClearedBy string    `json:"cleared_by,omitempty"`
	ClearedAt time.Time `json:"cleared_at,omitzero"`
}

// Acked reports whether somebody acknowledged the emergency.
func (e EmergencyState) Acked() bool { return e.AckedBy != "" || !e.AckedAt.IsZero() }
