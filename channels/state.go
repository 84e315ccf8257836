package channels

import "time"

// ChannelState is the live state of one channel.
type ChannelState struct {
	Name, AlphaTag  string
	Freq, Talkgroup int64
	Busy            bool
	Talker          string // radio ID of the current talker; empty for carrier only
	Since           time.Time
	Emergency       bool
	StuckMic        bool
	AirtimeHour     time.Duration // airtime within the current clock hour
	LastTalker      string
	LastActive      time.Time
}

// EmergencyState is one latched emergency.
type EmergencyState struct {
	ID, RadioID, Channel, Source string
	Since                        time.Time
	AckedBy                      string
	AckedAt                      time.Time
	Count                        int // re-alerts
}
