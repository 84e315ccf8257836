// Package lines decodes the text output of signalling decoders (MDC-1200,
// GE-STAR style, selcall, trunk-recorder's decoder log) one line per frame.
// What a line means is a profile: regular expressions with named groups,
// tried in order, the first match wins. Built-in profiles cover common
// decoders; technicians add their own in HCL.
package lines

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"radiogw/channels"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

// KindJSON is the pattern kind that hands a matching line to the
// trunk-recorder signalling JSON reader instead of mapping groups.
const KindJSON = "json"

// Group names a profile regex may use.
const (
	GroupUnit    = "unit" // radio ID; "id" is accepted as well
	GroupID      = "id"
	GroupStatus  = "status"
	GroupKind    = "kind"
	GroupChannel = "channel"
	GroupBy      = "by"
)

type pattern struct {
	kind  channels.EventKind // zero: from the "kind" group
	json  bool
	re    *regexp.Regexp
	unit  int // submatch indexes, -1 when absent
	stat  int
	kindG int
	chanG int
	byG   int
}

type decoder struct {
	source   string
	channel  string
	system   string
	patterns []pattern
}

// New compiles opts.Profile. A profile with no patterns names a built-in
// profile (see BuiltinNames).
func New(opts decode.Options) (decode.Decoder, error) {
	p := opts.Profile
	if len(p.Patterns) == 0 {
		b, ok := BuiltinProfiles()[p.Name]
		if !ok {
			return nil, fmt.Errorf("lines: profile %q has no patterns and is not a built-in (%s)",
				p.Name, strings.Join(BuiltinNames(), ", "))
		}
		p = b
	}
	d := &decoder{source: opts.Source, channel: opts.Channel, system: p.System}
	for i, pt := range p.Patterns {
		cp, err := compile(pt)
		if err != nil {
			return nil, fmt.Errorf("lines: profile %q pattern %d: %w", p.Name, i+1, err)
		}
		d.patterns = append(d.patterns, cp)
	}
	return d, nil
}

func compile(pt decode.Pattern) (pattern, error) {
	re, err := regexp.Compile(pt.Regex)
	if err != nil {
		return pattern{}, fmt.Errorf("regex: %w", err)
	}
	cp := pattern{re: re, unit: re.SubexpIndex(GroupUnit), stat: re.SubexpIndex(GroupStatus),
		kindG: re.SubexpIndex(GroupKind), chanG: re.SubexpIndex(GroupChannel), byG: re.SubexpIndex(GroupBy)}
	if cp.unit < 0 {
		cp.unit = re.SubexpIndex(GroupID)
	}
	switch {
	case pt.Kind == KindJSON:
		cp.json = true
	case pt.Kind != "":
		k, ok := channels.ParseEventKind(pt.Kind)
		if !ok {
			return pattern{}, fmt.Errorf("unknown kind %q", pt.Kind)
		}
		cp.kind = k
	case cp.kindG < 0:
		return pattern{}, fmt.Errorf("no kind and no (?P<kind>...) group")
	}
	return cp, nil
}

// maxLine bounds the work one frame can cost; decoder lines are short.
const maxLine = 4096

func (d *decoder) Decode(f frame.Frame) (decode.Observations, error) {
	line := bytes.TrimSpace(f.Data)
	if len(line) == 0 {
		return decode.Observations{}, decode.Ignored
	}
	if len(line) > maxLine {
		return decode.Observations{}, decode.Errorf("length", "line of %d bytes", len(line))
	}
	if !utf8.Valid(line) {
		return decode.Observations{}, decode.Errorf("syntax", "line is not text")
	}
	s := string(line)
	for i := range d.patterns {
		p := &d.patterns[i]
		m := p.re.FindStringSubmatchIndex(s)
		if m == nil {
			continue
		}
		var evs []channels.Event
		var err error
		if p.json {
			evs, err = trJSON(line)
		} else {
			var ev channels.Event
			ev, err = d.fromGroups(p, s, m)
			evs = []channels.Event{ev}
		}
		if err != nil {
			return decode.Observations{}, err
		}
		if len(evs) == 0 {
			return decode.Observations{}, decode.Ignored
		}
		for j := range evs {
			d.stamp(&evs[j], f)
		}
		return decode.Observations{Events: evs}, nil
	}
	return decode.Observations{}, decode.Ignored
}

func group(s string, m []int, i int) string {
	if i < 0 || m[2*i] < 0 {
		return ""
	}
	return s[m[2*i]:m[2*i+1]]
}

func (d *decoder) fromGroups(p *pattern, s string, m []int) (channels.Event, error) {
	ev := channels.Event{Kind: p.kind, System: d.system, Channel: group(s, m, p.chanG), By: group(s, m, p.byG)}
	if p.kindG >= 0 {
		if k, ok := channels.ParseEventKind(strings.ToLower(group(s, m, p.kindG))); ok {
			ev.Kind = k
		} else if ev.Kind == 0 {
			return ev, decode.Errorf("kind", "unknown event kind %q", group(s, m, p.kindG))
		}
	}
	if raw := group(s, m, p.unit); raw != "" {
		id, ok := channels.NormalizeRadioID(d.system, raw)
		if !ok {
			return ev, decode.Errorf("id", "radio id %q is not a %s id", raw, d.system)
		}
		ev.RadioID = id
	}
	ev.Status = statusCode(group(s, m, p.stat))
	return ev, nil
}

// statusCode drops leading zeros of a decimal code ("005" and "5" are the
// same status in a status table); other codes are kept uppercase.
func statusCode(s string) string {
	if s == "" {
		return ""
	}
	allDigits := true
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			allDigits = false
			break
		}
	}
	if !allDigits {
		return strings.ToUpper(s)
	}
	t := strings.TrimLeft(s, "0")
	if t == "" {
		return "0"
	}
	return t
}

func (d *decoder) stamp(ev *channels.Event, f frame.Frame) {
	ev.Source = f.Source
	if ev.Source == "" {
		ev.Source = d.source
	}
	if ev.Channel == "" {
		ev.Channel = d.channel
	}
	ev.Time, ev.Received = f.Received, f.Received
}
