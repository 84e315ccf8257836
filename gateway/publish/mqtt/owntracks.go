package mqtt

import (
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"radiogw/avl"
)

// OwnTracksPayload encodes a unit as an OwnTracks location, or nil when it
// has no position. Written by hand like UnitPayload: it goes out with every
// unit state when the mirror is on. defaultAccM is the accuracy reported
// for a fix with neither an accuracy nor an HDOP (AccuracyM).
func OwnTracksPayload(u *avl.Unit, defaultAccM float64) ([]byte, error) {
	if u.Position == nil {
		return nil, nil
	}
	return AppendOwnTracksPayload(make([]byte, 0, 160), u, defaultAccM)
}

// AppendOwnTracksPayload appends OwnTracksPayload's document to b; a unit
// without a position appends nothing.
func AppendOwnTracksPayload(b []byte, u *avl.Unit, defaultAccM float64) ([]byte, error) {
	p := u.Position
	if p == nil {
		return b, nil
	}
	if !finite(p.Lat) || !finite(p.Lon) {
		return b, fmt.Errorf("unit %q owntracks payload: %w", u.ID, errNonFinite)
	}
	b = append(b, `{"_type":"location","lat":`...)
	b = appendFloat(b, p.Lat)
	b = append(b, `,"lon":`...)
	b = appendFloat(b, p.Lon)
	b = append(b, `,"tst":`...)
	b = strconv.AppendInt(b, p.FixTime.Unix(), 10)
	b = append(b, `,"tid":`...)
	b = appendString(b, tid(u.ID))
	// Home Assistant drops a location without acc (or with acc 0).
	b = strconv.AppendInt(append(b, `,"acc":`...), int64(AccuracyM(p, defaultAccM)), 10)
	b = appendOptInt(b, `,"vel":`, p.SpeedKmh)
	b = appendOptInt(b, `,"cog":`, p.Heading)
	b = appendOptInt(b, `,"alt":`, p.Altitude)
	b = appendOptString(b, `,"name":`, u.AlphaTag)
	if u.Beat != "" {
		b = append(b, `,"inregions":[`...)
		b = appendString(b, u.Beat)
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

// appendOptInt writes a known value rounded half up, as OwnTracks wants
// integers.
func appendOptInt(b []byte, key string, v float64) []byte {
	if !avl.Known(v) || math.IsInf(v, 0) {
		return b
	}
	return strconv.AppendInt(append(b, key...), int64(int(v+0.5)), 10)
}

// tid is OwnTracks' two-character tracker ID: the call sign's last two
// characters (runes, so a non-ASCII call sign is not cut mid-character).
func tid(id string) string {
	if n := len(id); n <= 2 || id[n-1] < utf8.RuneSelf && id[n-2] < utf8.RuneSelf {
		// An ASCII byte is always a rune of its own: no conversion needed.
		return id[max(n-2, 0):]
	}
	r := []rune(id)
	if len(r) <= 2 {
		return id
	}
	return string(r[len(r)-2:])
}

// OwnTracksCardPayload is the retained card OwnTracks clients show as the
// tracker's name: the call sign, and the same tid as the location.
func OwnTracksCardPayload(u *avl.Unit) []byte {
	b := append(make([]byte, 0, 64), `{"_type":"card","name":`...)
	b = appendString(b, u.ID)
	b = append(b, `,"tid":`...)
	b = appendString(b, tid(u.ID))
	return append(b, '}')
}
