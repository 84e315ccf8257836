package channels

import "time"

// ChannelConfig is one monitored channel or talkgroup as configured.
type ChannelConfig struct {
	Name, AlphaTag, Mode, Signalling, StatusTable string
	System                                        string // the trunked system of Talkgroup, "" for any
	Freq, Talkgroup                               int64
	HangTime, StuckMic                            time.Duration
}

// Config is the tracker's whole configuration.
type Config struct {
	Channels           []ChannelConfig
	StatusTables       map[string]map[string]string // table -> code -> word
	DefaultStatusTable string
}
