package channels

import "time"

// ChangeKind is what changed in the tracker. String() gives the event name
// used on MQTT topics and in InfluxDB.
type ChangeKind uint8

const (
	// ChannelUpdated: the channel's visible state changed; publish
	// Change.Channel as the retained channel state. Every Apply, Expire, Ack,
	// Clear or Reconfigure that changes a channel ends with exactly one of
	// these for that channel.
	ChannelUpdated    ChangeKind = iota + 1
	TransmissionStart            // a radio keyed up; RadioID is the talker
	TransmissionEnd              // a transmission ended; Duration is how long it lasted
	EmergencyRaised              // a new alarm, or an acknowledged one heard again (Count > 0)
	EmergencyAcked               // somebody acknowledged it (Emergency.AckedBy/AckedAt)
	EmergencyCleared             // it is over (Emergency.ClearedBy/ClearedAt)
	StatusChanged                // a radio sent a status code (StatusCode) meaning Status
	StuckMic                     // a transmission outlasted the channel's stuck_mic limit
	RadioCheckSeen               // a radio answered or sent a radio check
	// EmergencyRepeated: an unacknowledged emergency was heard again. The
	// alarm is already up, so it is not a new alert, but Count moved.
	EmergencyRepeated
	RadioOffSeen // a radio signed off the system
	RadioOnSeen  // a radio registered on the system
)

var changeNames = [...]string{"", "channel", "ptt_start", "ptt_end", "emergency",
	"emergency_ack", "emergency_clear", "status", "stuck_mic", "radio_check", "emergency_repeat", "radio_off", "radio_on"}

func (k ChangeKind) String() string {
	if int(k) < len(changeNames) {
		return changeNames[k]
	}
	return "unknown"
}

// Change is one observable state change, for publishing. Channel is the
// channel's state after the change (zero Name when the event had no known
// channel); Emergency is set for the emergency kinds.
type Change struct {
	Kind       ChangeKind
	Time       time.Time
	Channel    ChannelState
	Emergency  EmergencyState
	RadioID    string
	Status     string // word
	StatusCode string
	Duration   time.Duration // for TransmissionEnd
	Source     string
	RadioAlias string // the radio's over-the-air alias heard with the event, if any
}
