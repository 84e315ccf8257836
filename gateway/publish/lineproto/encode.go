// Package lineproto encodes radiogw's InfluxDB points: a small line protocol
// encoder that appends to a caller's buffer without allocating, and the
// mapping from tracker changes to the schema in docs/influx.md.
package lineproto

import (
	"errors"
	"math"
	"strconv"
	"time"
)

// Tag is one tag. Tags with an empty key or value are left out (InfluxDB
// rejects empty tag values).
type Tag struct{ Key, Value string }

// Field is one field value: a float or a string. radiogw writes no integers
// or booleans, so a field's type can never change under it.
type Field struct {
	Key   string
	Float float64
	Str   string
	IsStr bool
}

// F is a float field. NaN and ±Inf are left out when encoding.
func F(key string, v float64) Field { return Field{Key: key, Float: v} }

// S is a string field. An empty string is left out when encoding: an
// unknown value is absent, as on MQTT.
func S(key, v string) Field { return Field{Key: key, Str: v, IsStr: true} }

// ErrNoFields is returned for a point without any encodable field.
var ErrNoFields = errors.New("lineproto: point has no fields")

// ErrNoTime is returned for a point without a timestamp: radiogw never lets
// the server pick one, or a re-sent point would not overwrite itself.
var ErrNoTime = errors.New("lineproto: point has no time")

// Append encodes one line (without the trailing newline) onto dst. Tags
// should be sorted by key, which is what InfluxDB stores and is fastest to
// parse; Append keeps the order given. On error dst is returned unchanged.
func Append(dst []byte, measurement string, tags []Tag, fields []Field, t time.Time) ([]byte, error) {
	if t.IsZero() {
		return dst, ErrNoTime
	}
	start := len(dst)
	dst = appendEscaped(dst, measurement, nameEsc)
	for _, tg := range tags {
		if tg.Key == "" || tg.Value == "" {
			continue
		}
		dst = append(dst, ',')
		dst = appendEscaped(dst, tg.Key, keyEsc)
		dst = append(dst, '=')
		dst = appendEscaped(dst, tg.Value, keyEsc)
	}
	n := 0
	for _, f := range fields {
		if f.Key == "" || f.IsStr && f.Str == "" || !f.IsStr && (math.IsNaN(f.Float) || math.IsInf(f.Float, 0)) {
			continue
		}
		if n == 0 {
			dst = append(dst, ' ')
		} else {
			dst = append(dst, ',')
		}
		n++
		dst = appendEscaped(dst, f.Key, keyEsc)
		dst = append(dst, '=')
		if f.IsStr {
			dst = appendString(dst, f.Str)
		} else {
			// Shortest form that reads back to the same float64. A whole
			// number prints without a dot, which InfluxDB still takes as a
			// float (only a trailing "i" makes an integer).
			dst = strconv.AppendFloat(dst, f.Float, 'f', -1, 64)
		}
	}
	if n == 0 {
		return dst[:start], ErrNoFields
	}
	dst = append(dst, ' ')
	return strconv.AppendInt(dst, t.UnixNano(), 10), nil
}

// What must be escaped where, per the line protocol reference: commas and
// spaces in measurements; commas, equals signs and spaces in tag keys, tag
// values and field keys; double quotes and backslashes in string fields.
type escKind uint8

const (
	nameEsc escKind = iota
	keyEsc
)

func appendEscaped(dst []byte, s string, kind escKind) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && (i+1 == len(s) || special(s[i+1], kind)):
			// The parser would read it as escaping what follows (or the
			// separator after the value): write it as a slash instead.
			dst = append(dst, '/')
			continue
		case c < 0x20 || c == 0x7f:
			// A line break can never be part of a key, and parsers split
			// on the other control characters: write an escaped space.
			dst = append(dst, '\\', ' ')
			continue
		case c == ',' || c == ' ' || (c == '=' && kind == keyEsc):
			dst = append(dst, '\\')
		}
		dst = append(dst, c)
	}
	return dst
}

func special(c byte, kind escKind) bool {
	switch c {
	case ',', ' ', '\\':
		return true
	}
	if c < 0x20 || c == 0x7f {
		return true
	}
	return c == '=' && kind == keyEsc
}

func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"', '\\':
			dst = append(dst, '\\')
		}
		if c < 0x20 || c == 0x7f {
			// InfluxDB 1.x takes a raw newline inside quotes, but `influx
			// write` and line-based tools do not: keep one point per line,
			// and no control characters at all.
			dst = append(dst, ' ')
			continue
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}
