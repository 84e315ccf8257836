// Package trunkrecorder decodes the MQTT messages of trunk-recorder's MQTT
// plugin (tr-plugin-mqtt, formerly trunk-recorder-mqtt-status) into channel
// events. The subscription itself belongs to the runtime; Topics says what to
// subscribe to.
//
// Each talkgroup is a channel named by ChannelForTalkgroup, so an HCL
// channel with `talkgroup = 3029` is named "3029"-style by its talkgroup.
// A call is the talkgroup's channel grant (like a conventional carrier); a
// unit's transmission inside it is a PTT:
//
//	call_start          -> PTTStart by the call's unit
//	call_end            -> CarrierDown (ends whatever transmission is open)
//	unit call           -> PTTStart by the unit (a new talker ends the previous one)
//	unit end            -> PTTEnd by the unit
//	unit on             -> RadioOn (the radio registered: powered on)
//	unit off            -> RadioOff (the radio deregistered: powered off)
//	unit join, ackresp, data, location -> RadioCheck (the radio is there)
//	emergency: true     -> also Emergency by the unit on that talkgroup
//
// One trunk-recorder instance often follows several systems, and talkgroup
// 100 on one is not talkgroup 100 on another: every event carries the
// message's system (sys_name; "system" in builds before 2024; else sys_num
// as a decimal) in Event.TalkgroupSystem, and the runtime maps the pair to
// a configured channel. The unit's alias (unit_alpha_tag; "unit_alpha"
// before 2024) rides in Event.RadioAlias as it came: the runtime cleans it.
//
// Everything else (rates, systems, recorders, calls_active, audio, console,
// trunking messages, plugin status and ans_req) is decode.Ignored: an answer
// request names a target, not a talker.
//
// Event times come from the message itself (the call's start and stop
// times, else the message's timestamp), never from when radiogw received
// it: a message delayed in a broker's queue still lands at its own time.
// Plugin builds from before late 2023 write every value as a JSON string
// ("3029", "true", "1696000000.5"); both forms are read everywhere.
package trunkrecorder

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"radiogw/channels"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

// System is the Event.System of every event: trunk-recorder reports radio
// IDs in decimal whatever the air interface.
const System = "trunk-recorder"

type decoder struct{ opts decode.Options }

// New builds a decoder. opts.Channel is not used: every event names its
// talkgroup's channel.
func New(opts decode.Options) (decode.Decoder, error) { return &decoder{opts: opts}, nil }

// ChannelForTalkgroup names the channel that talkgroup tg's events belong to:
// its decimal number, or "" for no talkgroup.
func ChannelForTalkgroup(tg int64) string {
	if tg <= 0 {
		return ""
	}
	return strconv.FormatInt(tg, 10)
}

// Topics returns the MQTT subscription filters for one trunk-recorder
// instance configured as the plugin's documentation shows, with
// topic = "<prefix>/feeds" and unit_topic = "<prefix>/units".
func Topics(prefix string) []string {
	prefix = strings.TrimSuffix(prefix, "/")
	return TopicsFor(prefix+"/feeds", prefix+"/units")
}

// TopicsFor returns the subscription filters for the plugin's topic and
// unit_topic settings as configured on the trunk-recorder host.
func TopicsFor(topic, unitTopic string) []string {
	topic, unitTopic = strings.TrimSuffix(topic, "/"), strings.TrimSuffix(unitTopic, "/")
	return []string{topic + "/call_start", topic + "/call_end", unitTopic + "/+/+"}
}

// call is the part of a call or unit object radiogw reads.
type call struct {
	SysName   string   `json:"sys_name"`
	System    string   `json:"system"` // plugin builds before 2024
	SysNum    *flexNum `json:"sys_num"`
	Alias     string   `json:"unit_alpha_tag"`
	OldAlias  string   `json:"unit_alpha"` // plugin builds before 2024
	Unit      flexNum  `json:"unit"`
	Talkgroup flexNum  `json:"talkgroup"`
	Emergency flexNum  `json:"emergency"`
	StartTime flexNum  `json:"start_time"`
	StopTime  flexNum  `json:"stop_time"`
	Length    flexNum  `json:"length"`
}

type message struct {
	Type      string
	Timestamp flexNum
}

func (d *decoder) Decode(f frame.Frame) (decode.Observations, error) {
	data := bytes.TrimSpace(f.Data)
	if len(data) == 0 || data[0] != '{' {
		return decode.Observations{}, decode.Errorf("syntax", "not a JSON object")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return decode.Observations{}, decode.Errorf("syntax", "trunk-recorder message: %v", err)
	}
	var m message
	if t, ok := raw["type"]; ok {
		if err := json.Unmarshal(t, &m.Type); err != nil {
			return decode.Observations{}, decode.Errorf("syntax", "type: %v", err)
		}
	}
	if ts, ok := raw["timestamp"]; ok {
		_ = json.Unmarshal(ts, &m.Timestamp) // optional; a bad one falls back to receive time
	}
	if m.Type == "" {
		return decode.Observations{}, decode.Ignored // plugin status and other untyped messages
	}
	obj := "call"
	switch m.Type {
	case "call_start", "call_end":
	case "call", "end", "on", "off", "join", "ackresp", "data", "location":
		obj = m.Type
	default:
		return decode.Observations{}, decode.Ignored
	}
	body, ok := raw[obj]
	if !ok {
		return decode.Observations{}, decode.Errorf("syntax", "%s message without %q", m.Type, obj)
	}
	var c call
	if err := json.Unmarshal(body, &c); err != nil {
		return decode.Observations{}, decode.Errorf("syntax", "%s: %v", m.Type, err)
	}
	evs := events(m, c)
	if len(evs) == 0 {
		return decode.Observations{}, decode.Ignored
	}
	sys, alias := c.system(), c.alias()
	for i := range evs {
		evs[i].TalkgroupSystem, evs[i].RadioAlias = sys, alias
		evs[i].Source = f.Source
		if evs[i].Source == "" {
			evs[i].Source = d.opts.Source
		}
		evs[i].System, evs[i].Received = System, f.Received
		if evs[i].Time.IsZero() {
			evs[i].Time = f.Received
		}
	}
	return decode.Observations{Events: evs}, nil
}

func events(m message, c call) []channels.Event {
	base := channels.Event{RadioID: unitID(c.Unit), Channel: ChannelForTalkgroup(c.Talkgroup.int())}
	start := unixTime(c.StartTime)
	if start.IsZero() {
		start = unixTime(m.Timestamp)
	}
	end := start
	if l := c.Length.f; l > 0 && !start.IsZero() && l < 86400 {
		end = start.Add(time.Duration(l * float64(time.Second)))
	}
	if s := unixTime(c.StopTime); s.After(end) {
		end = s
	}
	var out []channels.Event
	add := func(k channels.EventKind, at time.Time) {
		ev := base
		ev.Kind, ev.Time = k, at
		out = append(out, ev)
	}
	emergency := c.Emergency.f != 0
	switch m.Type {
	case "call_start", "call":
		add(channels.PTTStart, start)
		if emergency {
			add(channels.Emergency, start)
		}
	case "call_end", "end":
		if emergency {
			add(channels.Emergency, end)
		}
		if m.Type == "end" {
			add(channels.PTTEnd, end)
		} else {
			add(channels.CarrierDown, end)
		}
		if !start.IsZero() && end.After(start) {
			out[len(out)-1].Duration = end.Sub(start)
		}
	case "off", "on":
		if base.RadioID == "" {
			return nil
		}
		kind := channels.RadioOff
		if m.Type == "on" {
			kind = channels.RadioOn
		}
		add(kind, unixTime(m.Timestamp))
	default: // join, ackresp, data, location
		if base.RadioID == "" {
			return nil
		}
		add(channels.RadioCheck, unixTime(m.Timestamp))
	}
	return out
}

// system names the message's trunked system as trunk-recorder does: its
// short name, else its number. Untrusted: the runtime validates it.
func (c *call) system() string {
	switch {
	case c.SysName != "":
		return c.SysName
	case c.System != "":
		return c.System
	case c.SysNum != nil && c.SysNum.f >= 0 && c.SysNum.f < 1e6 && c.SysNum.f == math.Trunc(c.SysNum.f):
		return strconv.FormatInt(c.SysNum.int(), 10)
	}
	return ""
}

func (c *call) alias() string {
	if c.Alias != "" {
		return c.Alias
	}
	return c.OldAlias
}

func unitID(n flexNum) string {
	if v := n.int(); v > 0 {
		return strconv.FormatInt(v, 10)
	}
	return "" // 0 and -1 mean trunk-recorder did not see a unit ID
}

// unixTime reads trunk-recorder's Unix seconds; anything implausible is zero.
func unixTime(n flexNum) time.Time {
	if n.f < 1e8 || n.f > 1e10 {
		return time.Time{}
	}
	sec, frac := math.Modf(n.f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}

// flexNum reads a JSON number, a boolean (emergency flags are true/false in
// the status messages and 0/1 in audio metadata), or either written as a
// string, as older plugin builds write every value.
type flexNum struct{ f float64 }

func (n *flexNum) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	switch strings.ToLower(s) {
	case "true":
		n.f = 1
		return nil
	case "false", "null", "":
		n.f = 0
		return nil
	}
	if !jsonNumber(s) {
		// strconv.ParseFloat also takes hex floats, "inf", "nan" and
		// underscores, which trunk-recorder never writes.
		return fmt.Errorf("not a number: %.20q", s)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("not a number: %.20q", s)
	}
	n.f = v
	return nil
}

func (n flexNum) int() int64 {
	if n.f > math.MaxInt64/2 || n.f < math.MinInt64/2 {
		return 0
	}
	return int64(n.f)
}

// jsonNumber reports whether s has JSON's number syntax:
// -?digits[.digits][(e|E)[+-]digits].
func jsonNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if digits() == 0 {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}
