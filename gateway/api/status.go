package api

import "radiogw/channels"

// SourceStatus is one source's line of the status.
type SourceStatus struct {
	Name          string   `json:"name"`
	Type          string   `json:"type"`
	Codec         string   `json:"codec"`
	Up            bool     `json:"up"`
	Connections   int      `json:"connections"`
	LastFrameAgeS *float64 `json:"last_frame_age_s,omitempty"`
	Error         string   `json:"error,omitempty"`
}

// SinkStatus is one sink's line of the status.
type SinkStatus struct {
	Name string `json:"name"`
	// Connected is the destination's state: the MQTT connection, or
	// whether InfluxDB took the last write. Absent for an outbox with no
	// destination (no influx block) or before its first write. StateForS is
	// how long the MQTT state has held; for InfluxDB, the time since its
	// last confirmed write.
	Connected     *bool    `json:"connected,omitempty"`
	StateForS     *float64 `json:"state_for_s,omitempty"`
	LastError     string   `json:"last_error,omitempty"`
	OutboxDepth   int      `json:"outbox_depth"`
	OutboxBytes   int64    `json:"outbox_bytes"`
	OldestAgeS    *float64 `json:"oldest_age_s,omitempty"`
	Dropped       uint64   `json:"dropped"`
	MemoryBacklog int      `json:"memory_backlog,omitempty"` // events kept in memory: the outbox could not take them
	WriteFailing  bool     `json:"write_failing,omitempty"`  // the outbox cannot be written (full disk): an alarm
	WriteError    string   `json:"write_error,omitempty"`
}

// Status is the one-screen summary `radiogw status` prints.
type Status struct {
	Site        string            `json:"site"`
	Version     string            `json:"version"`
	Ready       bool              `json:"ready"`
	NotReady    string            `json:"not_ready,omitempty"` // why not
	Sources     []SourceStatus    `json:"sources"`
	Sinks       []SinkStatus      `json:"sinks"`
	Units       map[string]int    `json:"units"`
	Emergencies []EmergencyView   `json:"emergencies"`
	InboxDepth  int               `json:"inbox_depth"`
	Rejections  []RejectionCount  `json:"top_rejections,omitempty"` // most frequent (source, reason) first
	Late        map[string]uint64 `json:"late_fixes,omitempty"`     // history-only fixes by reason
	Broker      *BrokerStatus     `json:"broker,omitempty"`
}

// BrokerStatus is the embedded broker's part of the status.
type BrokerStatus struct {
	Accepting   bool `json:"accepting"`   // false while its accept loop fails (file descriptors exhausted)
	Connections int  `json:"connections"` // open, logged in or not
}

// RejectionCount is one line of the status page's top rejection reasons.
type RejectionCount struct {
	Source string `json:"source"`
	Reason string `json:"reason"`
	Count  uint64 `json:"count"`
}

// EmergencyView is an emergency as the API and `radiogw status` show it:
// with the unit (call sign) beside the radio ID that raised it.
type EmergencyView struct {
	channels.EmergencyState
	Unit         string `json:"unit,omitempty"`
	UnitAlphaTag string `json:"unit_alpha_tag,omitempty"`
}

// ForgetResult is the answer of DELETE /api/v1/units/{unit}.
type ForgetResult struct {
	Unit    string `json:"unit"`
	Tracked bool   `json:"tracked"` // the unit was tracked and is removed
}

// RoleState is the answer of /api/v1/role.
type RoleState struct {
	Role string `json:"role"`
	Pair bool   `json:"pair"` // false: a single instance, always active
}
