package lines

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"radiogw/channels"
	"radiogw/gateway/decode"
)

// trSignal is one trunk-recorder signalling decoder log line. trunk-recorder
// writes every value as a string: MDC-1200 op/arg/unitID in hex ("%02x",
// "%04x"), FleetSync and STAR values in decimal.
type trSignal struct {
	Type      jsonText `json:"type"`
	Op        jsonText `json:"op"`
	Arg       jsonText `json:"arg"`
	UnitID    jsonText `json:"unitID"`
	FromFleet jsonText `json:"from_fleet"`
	FromUnit  jsonText `json:"from_unit"`
	Status    jsonText `json:"status"`
}

// jsonText is a value trunk-recorder writes as a string, also read when a
// build writes it as a bare number or boolean: plugin and decoder builds
// differ in which values they quote.
type jsonText string

func (t *jsonText) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = jsonText(s)
		return nil
	}
	if string(b) == "null" {
		*t = ""
		return nil
	}
	if len(b) == 0 || !(b[0] == '-' || b[0] >= '0' && b[0] <= '9' || string(b) == "true" || string(b) == "false") {
		return fmt.Errorf("not a string, number or boolean: %.20q", b)
	}
	*t = jsonText(b)
	return nil
}

// trJSON reads the JSON object in a trunk-recorder log line, skipping any
// log prefix before the first '{'.
func trJSON(line []byte) ([]channels.Event, error) {
	i := bytes.IndexByte(line, '{')
	if i < 0 {
		return nil, decode.Errorf("syntax", "no JSON object")
	}
	var s trSignal
	if err := json.Unmarshal(line[i:], &s); err != nil {
		return nil, decode.Errorf("syntax", "trunk-recorder signal: %v", err)
	}
	switch s.Type {
	case "MDC1200":
		return trMDC(s)
	case "STAR":
		return trStar(s)
	case "FLEETSYNC":
		id, ok := channels.NormalizeRadioID("fleetsync", string(s.FromFleet)+"-"+string(s.FromUnit))
		if !ok {
			return nil, decode.Errorf("id", "fleetsync id %q-%q", s.FromFleet, s.FromUnit)
		}
		// trunk-recorder itself treats every FleetSync burst as a PTT ID.
		return []channels.Event{{Kind: channels.PTTStart, RadioID: id, System: "fleetsync"}}, nil
	}
	return nil, nil
}

func hexByte(s string) (uint8, error) {
	n, err := strconv.ParseUint(s, 16, 8)
	return uint8(n), err
}

// trMDC maps MDC-1200 op/arg pairs the way trunk-recorder's
// get_mdc_signal_type and the MDC-1200 opcode list read them.
func trMDC(s trSignal) ([]channels.Event, error) {
	op, err1 := hexByte(string(s.Op))
	arg, err2 := hexByte(string(s.Arg))
	if err1 != nil || err2 != nil {
		return nil, decode.Errorf("syntax", "mdc1200 op %q arg %q", s.Op, s.Arg)
	}
	id, ok := channels.NormalizeRadioID("mdc1200", string(s.UnitID))
	if !ok {
		return nil, decode.Errorf("id", "mdc1200 unit %q", s.UnitID)
	}
	ev := channels.Event{RadioID: id, System: "mdc1200"}
	switch op {
	case 0x00:
		ev.Kind = channels.Emergency
	case 0x01:
		ev.Kind = channels.PTTEnd // post-ID
		if arg == 0x80 {
			ev.Kind = channels.PTTStart // pre-ID
		}
	case 0x20:
		ev.Kind = channels.EmergencyAck
	case 0x03, 0x30:
		ev.Kind = channels.RadioCheck // the unit answered a radio check
	case 0x46, 0x06:
		ev.Kind, ev.Status = channels.Status, fmt.Sprintf("%X", arg)
	default:
		return nil, nil
	}
	return []channels.Event{ev}, nil
}

// trStar maps a STAR burst: a PTT ID, plus the status it carries when not 0.
func trStar(s trSignal) ([]channels.Event, error) {
	id, ok := channels.NormalizeRadioID("star", string(s.UnitID))
	if !ok {
		return nil, decode.Errorf("id", "star unit %q", s.UnitID)
	}
	evs := []channels.Event{{Kind: channels.PTTStart, RadioID: id, System: "star"}}
	if st := statusCode(string(s.Status)); st != "" && st != "0" {
		evs = append(evs, channels.Event{Kind: channels.Status, RadioID: id, System: "star", Status: st})
	}
	return evs, nil
}
