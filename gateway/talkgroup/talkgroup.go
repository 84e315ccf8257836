// Package talkgroup names trunked events by their configured channel.
// Decoders report a talkgroup by number and, for trunk-recorder, the
// system it was heard on; technicians name the channel that carries it:
//
//	channel "metro-n" { talkgroup = 3029 }                    # one system
//	channel "north-disp" { system = "north", talkgroup = 100 } # several
//	channel "south-disp" { system = "south", talkgroup = 100 }
//
// A site that follows one system names no system at all: a talkgroup
// channel then matches its number on whatever system reports it. Once any
// channel names a system, talkgroup 100 on two systems are two groups, so
// every talkgroup channel must name its system (the hcl package enforces
// this), and an unconfigured talkgroup is named "<system>:<talkgroup>"
// rather than by its bare number.
//
// System names and over-the-air aliases come off the wire: a system name
// must be able to be an MQTT topic level (topicname) and an alias must be
// printable text, or they are refused and counted by the caller.
package talkgroup

import (
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"radiogw/channels"
	"radiogw/gateway/topicname"
)

// Channel is one configured talkgroup channel.
type Channel struct {
	Name      string
	System    string // "" on a site that names no system
	Talkgroup int64
}

// maxSystemsSeen bounds the system names remembered for the one-time
// "several systems" warning: they come off the wire.
const maxSystemsSeen = 16

// Table maps talkgroup numbers (and systems) to channel names. It is
// built once per configuration and read from every source's goroutine.
type Table struct {
	named  bool              // some channel names a system
	bySys  map[string]string // system "\x00" talkgroup -> channel
	byTG   map[string][]string
	mu     sync.Mutex
	seen   map[string]bool // systems heard while no channel names one
	warned bool
}

// New builds the table for a configuration's channels; channels without a
// talkgroup are skipped.
func New(chs []Channel) *Table {
	t := &Table{bySys: map[string]string{}, byTG: map[string][]string{}, seen: map[string]bool{}}
	for _, c := range chs {
		if c.Talkgroup <= 0 {
			continue
		}
		tg := strconv.FormatInt(c.Talkgroup, 10)
		t.byTG[tg] = append(t.byTG[tg], c.Name)
		if c.System != "" {
			t.named = true
			t.bySys[c.System+"\x00"+tg] = c.Name
		}
	}
	return t
}

// Named reports whether the configuration names systems.
func (t *Table) Named() bool { return t.named }

// Result is what Map did with one event.
type Result struct {
	// Refused is the topicname reason the event's system name cannot be
	// used; the caller drops the event and counts it. "" when accepted.
	Refused string
	// Several lists the first two systems heard, once, when a site that
	// names no system hears a second one: its talkgroups would merge.
	Several []string
}

// Map names ev's channel and clears its TalkgroupSystem.
func (t *Table) Map(ev *channels.Event) Result {
	sys := ev.TalkgroupSystem
	ev.TalkgroupSystem = ""
	if sys != "" {
		if r := topicname.Check(sys); r != "" {
			return Result{Refused: r}
		}
	}
	tg := ev.Channel
	if tg == "" {
		return Result{}
	}
	if !t.named {
		var res Result
		if sys != "" {
			res.Several = t.note(sys)
		}
		if names := t.byTG[tg]; len(names) > 0 {
			ev.Channel = names[0]
		}
		return res
	}
	if sys == "" {
		// A decoder that knows no system: only an unambiguous talkgroup maps.
		if names := t.byTG[tg]; len(names) == 1 {
			ev.Channel = names[0]
		}
		return Result{}
	}
	if name, ok := t.bySys[sys+"\x00"+tg]; ok {
		ev.Channel = name
	} else if isNumber(tg) {
		ev.Channel = sys + ":" + tg
	}
	return Result{}
}

// note remembers a system heard on a site that names none and returns the
// first two the moment a second one appears.
func (t *Table) note(sys string) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.warned || t.seen[sys] || len(t.seen) >= maxSystemsSeen {
		return nil
	}
	t.seen[sys] = true
	if len(t.seen) < 2 {
		return nil
	}
	t.warned = true
	out := make([]string, 0, 2)
	for s := range t.seen {
		out = append(out, s)
	}
	if out[0] > out[1] {
		out[0], out[1] = out[1], out[0]
	}
	return out
}

func isNumber(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// CleanAlias trims an over-the-air alias and checks it is printable text
// that cannot forge what a dispatcher reads: valid UTF-8, no control or
// invisible formatting characters (bidi overrides), at most
// topicname.MaxLen bytes. Unlike a topic level it may hold '/', '+' and
// '#' ("Unit #5"). It returns the alias, or "" and the reason it is refused
// ("" and "" for no alias).
func CleanAlias(s string) (alias, refused string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", ""
	}
	if !utf8.ValidString(s) {
		return "", topicname.InvalidUTF8
	}
	probe := strings.Map(func(r rune) rune {
		if r == '/' || r == '+' || r == '#' {
			return '_'
		}
		return r
	}, s)
	if r := topicname.Check(probe); r != "" {
		return "", r
	}
	return s, ""
}
