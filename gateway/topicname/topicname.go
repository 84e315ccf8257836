// Package topicname decides whether a name may become one level of an MQTT
// topic. Unit IDs, channel names and talkgroups arrive from the wire
// (a TAIP ";ID=", a $PSIWMDID, an ARS registration, a console line) and end
// up in topics such as <root>/units/<unit>: a '+', '#' or NUL there makes the
// broker drop radiogw's connection, a '/' forges a deeper topic, and control
// or bidi characters forge what a dispatcher reads. radiogw refuses such
// names rather than escaping them (docs/mqtt.md, "Names in topics"): a real
// device never sends one, and a refused name is counted by reason.
package topicname

import (
	"unicode"
	"unicode/utf8"
)

// MaxLen is the longest name accepted, in bytes. Real IDs (IMEIs, ESNs,
// call signs, radio IDs) are under 32.
const MaxLen = 64

// Reasons a name is refused, used as metric labels.
const (
	Empty       = "empty"
	TooLong     = "too_long"
	InvalidUTF8 = "invalid_utf8"
	Wildcard    = "wildcard"  // '+' or '#'
	Separator   = "separator" // '/'
	Control     = "control"   // C0 (NUL included), DEL, C1
	Format      = "format"    // invisible formatting: bidi overrides, zero-width, line separators
	Space       = "space"     // leading or trailing white space
)

// Reasons lists every reason Check returns, so counters can start at zero.
var Reasons = []string{Empty, TooLong, InvalidUTF8, Wildcard, Separator, Control, Format, Space}

// Check returns "" when name may be a topic level, else the reason it may
// not.
func Check(name string) string {
	switch {
	case name == "":
		return Empty
	case len(name) > MaxLen:
		return TooLong
	}
	ascii := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= utf8.RuneSelf:
			ascii = false
		case c == '+' || c == '#':
			return Wildcard
		case c == '/':
			return Separator
		case c < 0x20 || c == 0x7f:
			return Control
		}
	}
	if !ascii {
		if !utf8.ValidString(name) {
			return InvalidUTF8
		}
		for _, r := range name {
			switch {
			case r >= 0x80 && r <= 0x9f:
				return Control
			case unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r) ||
				r == utf8.RuneError:
				return Format
			}
		}
	}
	first, _ := utf8.DecodeRuneInString(name)
	last, _ := utf8.DecodeLastRuneInString(name)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return Space
	}
	return ""
}

// Valid reports whether name may be a topic level.
func Valid(name string) bool { return Check(name) == "" }
