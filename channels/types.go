// Package channels tracks monitored radio channels: who is talking,
// emergencies and status messages. It is pure: no goroutines, no clock, no I/O.
package channels

import "time"

// EventKind is what a decoder heard on a channel.
type EventKind uint8

const (
	PTTStart       EventKind = iota + 1 // a unit keyed up (PTT ID at start of transmission)
	PTTEnd                              // a unit unkeyed (PTT ID at end, or carrier drop)
	Emergency                           // a unit raised an emergency
	EmergencyAck                        // an emergency was acknowledged over the air or by a console
	EmergencyClear                      // the emergency was cleared
	Status                              // a unit sent a status code
	RadioCheck                          // a radio check / presence
	CarrierUp                           // the channel went busy without an ID (COR)
	CarrierDown                         // the channel went idle (COR)
	RadioOff                            // a radio signed off the system (trunk-recorder unit "off")
	RadioOn                             // a radio registered on the system (trunk-recorder unit "on")
)

var eventNames = [...]string{"", "ptt_start", "ptt_end", "emergency", "emergency_ack",
	"emergency_clear", "status", "radio_check", "carrier_up", "carrier_down", "radio_off", "radio_on"}

func (k EventKind) String() string {
	if int(k) < len(eventNames) {
		return eventNames[k]
	}
	return "unknown"
}

// ParseEventKind maps a name (as used in HCL profiles) to an EventKind.
func ParseEventKind(s string) (EventKind, bool) {
	for i, n := range eventNames {
		if i > 0 && n == s {
			return EventKind(i), true
		}
	}
	return 0, false
}

// Event is one decoded radio event.
type Event struct {
	Kind     EventKind
	Source   string    // source name
	Channel  string    // channel name; empty means the source's configured channel
	RadioID  string    // the ID as the signalling system formats it
	System   string    // signalling system (mdc1200, star, fleetsync, p25...)
	Status   string    // raw status code for Status events
	By       string    // who acknowledged, for EmergencyAck
	Time     time.Time // when it happened (decoder time or receive time)
	Received time.Time
	Duration time.Duration // for PTTEnd: how long it lasted, when the decoder knows (trunk-recorder)
	// TalkgroupSystem names the trunked system Channel's talkgroup number
	// belongs to (trunk-recorder's sys_name), until the runtime maps the
	// pair to a configured channel. Empty when the decoder knows no system.
	TalkgroupSystem string `json:",omitempty"`
	// RadioAlias is the radio's over-the-air alias (trunk-recorder's
	// unit_alpha_tag), already cleaned by the runtime; empty when none.
	RadioAlias string `json:",omitempty"`
}
