package channels

import "time"

// ChangeKind is what changed in the tracker.
type ChangeKind uint8

const (
	ChannelUpdated ChangeKind = iota + 1
	TransmissionStart
	TransmissionEnd
	EmergencyRaised
	EmergencyAcked
	EmergencyCleared
	StatusChanged
	StuckMic
	RadioCheckSeen
)

var changeNames = [...]string{"", "channel", "ptt_start", "ptt_end", "emergency",
	"emergency_ack", "emergency_clear", "status", "stuck_mic", "radio_check"}

func (k ChangeKind) String() string {
	if int(k) < len(changeNames) {
		return changeNames[k]
	}
	return "unknown"
}

// Change is one observable state change, for publishing.
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
}
