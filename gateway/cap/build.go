package cap

import (
	"strconv"
	"strings"

	"radiogw/gateway/change"
)

// kindText is how each kind reads in an alert, and how grave it is.
var kindText = map[string]struct{ event, severity string }{
	"emergency":      {"Radio emergency alarm", "Severe"},
	"stuck_mic":      {"Stuck microphone", "Moderate"},
	"geofence_enter": {"Unit entered a geofence", "Minor"},
	"geofence_exit":  {"Unit left a geofence", "Minor"},
	"status":         {"Critical unit status", "Severe"},
	"radio_off":      {"Radio signed off", "Minor"},
}

// build makes the CAP document for one event of an incident. Only the
// configured fields are read from e.
func (p *Publisher) build(in *incident, msgType, id string, e *change.Event, expires *Time) Alert {
	cfg := &p.cfg
	a := Alert{Identifier: id, Sender: cfg.Sender, Sent: *at(e.Time), Status: cfg.Status, MsgType: msgType,
		Source: "radiogw " + cfg.Site, Scope: cfg.Scope, Incidents: in.Key}
	switch cfg.Scope {
	case "Restricted":
		a.Restriction = cfg.Restriction
	case "Private":
		a.Addresses = cfg.Addresses
	}
	var refs []string
	for _, s := range in.Sent {
		refs = append(refs, cfg.Sender+","+s.Identifier+","+Time{s.Sent}.Format())
	}
	a.References = strings.Join(refs, " ")

	kt := kindText[in.Kind]
	info := Info{Language: cfg.Language, Category: []string{cfg.Category}, Event: kt.event,
		Urgency: "Immediate", Severity: kt.severity, Certainty: "Observed",
		EventCode: []Value{{ValueName: "radiogw", Value: in.Kind}}, Expires: expires, SenderName: cfg.SenderName}
	var params []Value
	add := func(field, name, v string) {
		if v != "" && cfg.has(field) {
			params = append(params, Value{ValueName: name, Value: v})
		}
	}
	add(FieldUnit, "unit", e.Unit)
	add(FieldRadioID, "radio_id", e.RadioID)
	add(FieldRadioID, "emergency_id", e.Emergency) // radiogw's emergency ID names the radio
	add(FieldChannel, "channel", e.Channel)
	add(FieldStatus, "status", e.Status)
	add(FieldStatus, "status_code", e.StatusCode)
	add(FieldFence, "fence", e.Fence)
	add(FieldBy, "by", e.By)
	add(FieldSource, "source", e.Source)
	info.Parameter = params

	what := kt.event
	switch e.Kind {
	case "emergency_ack":
		what = "Acknowledged: " + what
	case "emergency_clear":
		what = "Cleared: " + what
		info.Urgency, info.ResponseType = "Past", []string{"AllClear"}
	case "emergency":
		if msgType == MsgUpdate {
			what = "Heard again: " + what
		}
	}
	info.Headline = headline(what, params)
	info.Description = description(params)
	if cfg.IncludePosition {
		switch {
		case e.Position != nil:
			info.Area = []Area{p.area(e)}
		case len(in.Latest.Info) > 0:
			// An Update or Cancel supersedes the Alert: keep its area.
			info.Area = in.Latest.Info[0].Area
		}
	}
	a.Info = []Info{info}
	return a
}

// headline is the kind and the configured names: "Radio emergency alarm:
// unit 2A12, channel tac2".
func headline(what string, params []Value) string {
	if len(params) == 0 {
		return what
	}
	parts := make([]string, len(params))
	for i, v := range params {
		parts[i] = strings.ReplaceAll(v.ValueName, "_", " ") + " " + v.Value
	}
	return what + ": " + strings.Join(parts, ", ")
}

func description(params []Value) string {
	var b strings.Builder
	for _, v := range params {
		b.WriteString(v.ValueName + ": " + v.Value + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// area is the unit's last known position as a CAP circle ("lat,lon
// radius_km"), for sites that include positions.
func (p *Publisher) area(e *change.Event) Area {
	pos := e.Position
	desc := "Last known position"
	if p.cfg.has(FieldUnit) && e.Unit != "" {
		desc += " of " + e.Unit
	}
	if e.FixAgeS != nil {
		desc += " (fix " + strconv.FormatFloat(*e.FixAgeS, 'f', 0, 64) + " s old)"
	}
	circle := strconv.FormatFloat(change.Round(pos.Lat, 5), 'f', -1, 64) + "," +
		strconv.FormatFloat(change.Round(pos.Lon, 5), 'f', -1, 64) + " " +
		strconv.FormatFloat(p.cfg.PositionRadiusM/1000, 'f', -1, 64)
	return Area{AreaDesc: desc, Circle: []string{circle}}
}
