package mqtt

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"radiogw/avl"
)

// errMapTooLarge is a map that would exceed its limit (MaxMapBytes).
var errMapTooLarge = errors.New("map too large")

// mapPayload encodes every positioned unit as a GeoJSON FeatureCollection,
// for map clients that want one message with everything. It gives up with
// errMapTooLarge as soon as the payload passes limit bytes, instead of
// encoding a 37 MB map of 100,000 units only to drop it. It is written by
// hand rather than through orb's geojson and encoding/json: at 10,000 units
// the reflective path cost about a quarter of a core per map publish.
func mapPayload(site string, units []*avl.Unit, now time.Time, limit int) ([]byte, error) {
	b := make([]byte, 0, min(64+380*len(units), limit))
	b = append(b, `{"type":"FeatureCollection","class":"map","v":`...)
	b = strconv.AppendInt(b, SchemaVersion, 10)
	b = append(b, `,"site":`...)
	b = appendString(b, site)
	b = append(b, `,"features":[`...)
	first := true
	for _, u := range units {
		p := u.Position
		if p == nil || !finite(p.Lat) || !finite(p.Lon) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, `{"type":"Feature","id":`...)
		b = appendString(b, u.ID)
		b = append(b, `,"geometry":{"type":"Point","coordinates":[`...)
		b = appendFloat(b, p.Lon)
		b = append(b, ',')
		b = appendFloat(b, p.Lat)
		b = append(b, `]},"properties":{"unit":`...)
		b = appendString(b, u.ID)
		b = append(b, `,"fix_time":"`...)
		b = p.FixTime.UTC().AppendFormat(b, time.RFC3339)
		b = append(b, `","fix_age_s":`...)
		b = strconv.AppendInt(b, int64(now.Sub(p.FixTime)/time.Second), 10)
		b = append(b, `,"stale":`...)
		b = appendString(b, u.Stale.String())
		b = append(b, `,"talking":`...)
		b = strconv.AppendBool(b, u.Talking)
		b = append(b, `,"emergency":`...)
		b = strconv.AppendBool(b, u.Emergency != nil)
		b = appendOptString(b, `,"unit_alpha_tag":`, u.AlphaTag)
		b = appendOptString(b, `,"type":`, u.Type)
		b = appendOptString(b, `,"status":`, u.Status)
		b = appendOptString(b, `,"beat":`, u.Beat)
		b = appendOptString(b, `,"channel":`, u.Channel)
		b = appendOptString(b, `,"motion":`, u.Motion.String())
		b = appendOptFloat(b, `,"speed_kmh":`, p.SpeedKmh)
		b = appendOptFloat(b, `,"heading":`, p.Heading)
		b = append(b, "}}"...)
		if len(b) > limit {
			return nil, fmt.Errorf("%w: over %d bytes", errMapTooLarge, limit)
		}
	}
	return append(b, "]}"...), nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// appendFloat formats like encoding/json: shortest representation, exponent
// only for very small or very large magnitudes.
func appendFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' { // e-07 → e-7, as encoding/json writes it
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string; invalid UTF-8 becomes U+FFFD, as
// with encoding/json.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c >= 0x20:
				b = append(b, c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029': // valid JSON, but break JavaScript string literals
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
