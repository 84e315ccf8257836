package lineproto

import (
	"sort"
	"time"

	"radiogw/avl"
	"radiogw/channels"
)

// Measurement names; docs/influx.md describes each one.
const (
	MeasPosition     = "unit_position"
	MeasStatus       = "unit_status"
	MeasTransmission = "transmission"
	MeasEmergency    = "emergency"
	MeasHealth       = "radiogw_health"
)

// Position encodes an accepted fix (live or history) as unit_position,
// stamped with the fix time. Only reported values become fields; a fix
// without a finite latitude and longitude is not a point. A fix that went to
// history without moving its unit is tagged late=true, with the reason in
// the late_reason string field.
func Position(dst []byte, site string, c *avl.Change) ([]byte, error) {
	f := &c.Fix
	unlisted, late, why := "", "", ""
	if c.Unit.Unlisted {
		unlisted = "true"
	}
	if !c.Live && c.Kind == avl.FixAccepted && c.Reason != "" {
		late, why = "true", c.Reason
	}
	tags := [...]Tag{{"late", late}, {"site", site}, {"source", f.Source}, {"type", c.Unit.Type},
		{"unit", c.Unit.ID}, {"unlisted", unlisted}}
	if !finite(f.Lat) || !finite(f.Lon) {
		return dst, ErrNoFields
	}
	fields := [...]Field{F("accuracy_m", f.AccuracyM), F("altitude_m", f.AltitudeM),
		F("hdop", f.HDOP), F("heading", f.Heading), S("late_reason", why), F("lat", f.Lat), F("lon", f.Lon),
		F("speed_kmh", f.SpeedKmh)}
	return Append(dst, MeasPosition, tags[:], fields[:], PositionTime(c))
}

// PositionTime is the time Position stamps a fix with: its own time, or the
// change's when the fix has none.
func PositionTime(c *avl.Change) time.Time {
	if c.Fix.Time.IsZero() {
		return c.Time
	}
	return c.Fix.Time
}

// Status encodes a status message as unit_status.
func Status(dst []byte, site, unit string, c *channels.Change) ([]byte, error) {
	tags := [...]Tag{{"site", site}, {"unit", unit}}
	fields := [...]Field{S("code", c.StatusCode), S("radio_id", c.RadioID), S("status", c.Status)}
	return Append(dst, MeasStatus, tags[:], fields[:], c.Time)
}

// Transmission encodes a finished transmission, stamped with its start (the
// PTT time), so the point is the same whichever side of an outage sends it.
func Transmission(dst []byte, site, unit string, c *channels.Change) ([]byte, error) {
	start := c.Time.Add(-c.Duration)
	tags := [...]Tag{{"channel", c.Channel.Name}, {"site", site}}
	fields := [...]Field{F("duration_s", c.Duration.Seconds()), S("radio_id", c.RadioID), S("unit", unit)}
	return Append(dst, MeasTransmission, tags[:], fields[:], start)
}

// EmergencyState is the state field of an emergency point for a change
// kind, or "" for kinds that are not emergencies.
func EmergencyState(k channels.ChangeKind) string {
	switch k {
	case channels.EmergencyRaised:
		return "raised"
	case channels.EmergencyAcked:
		return "acked"
	case channels.EmergencyCleared:
		return "cleared"
	case channels.EmergencyRepeated:
		return "repeated"
	}
	return ""
}

// Emergency encodes an emergency raise, repeat, ack or clear, stamped with
// the time of that step.
func Emergency(dst []byte, site, unit string, c *channels.Change) ([]byte, error) {
	e := &c.Emergency
	ch := e.Channel
	if ch == "" {
		ch = c.Channel.Name
	}
	tags := [...]Tag{{"channel", ch}, {"site", site}, {"unit", unit}}
	fields := [...]Field{S("acked_by", e.AckedBy), S("cleared_by", e.ClearedBy),
		F("count", float64(e.Count)), S("id", e.ID), S("radio_id", EmergencyRadio(c)),
		S("state", EmergencyState(c.Kind))}
	return Append(dst, MeasEmergency, tags[:], fields[:], c.Time)
}

// EmergencyRadio is the radio an emergency point is about: the emergency's
// own, or the change's when the emergency does not say.
func EmergencyRadio(c *channels.Change) string {
	if c.Emergency.RadioID == "" {
		return c.RadioID
	}
	return c.Emergency.RadioID
}

// Health encodes a radiogw_health point from named float values (outbox
// depth, drops, write counters...). Keys are sorted so the line is stable.
func Health(dst []byte, site string, t time.Time, values map[string]float64) ([]byte, error) {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fields := make([]Field, len(keys))
	for i, k := range keys {
		fields[i] = F(k, values[k])
	}
	return Append(dst, MeasHealth, []Tag{{"site", site}}, fields, t)
}

func finite(v float64) bool { return v == v && v-v == 0 }
