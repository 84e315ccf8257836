package track

import (
	"bytes"
	"sort"
	"strconv"
	"time"

	"radiogw/gateway/publish/outbox"
)

// Scanner pages through the InfluxDB outbox without acknowledging it
// ((*outbox.Outbox).Scan).
type Scanner func(after uint64, max int) ([]outbox.Entry, error)

// FromLineProtocol collects q's unit_position points from line protocol
// entries, sorted by time; a point sent twice (the outbox is at-least-once)
// is kept once.
func FromLineProtocol(scan Scanner, q Query) ([]Point, error) {
	var out []Point
	var after uint64
	for {
		es, err := scan(after, 5000)
		if err != nil {
			return nil, err
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			if e.Class != outbox.ClassPosition {
				continue // transmissions, status, emergencies
			}
			for _, line := range bytes.Split(e.Data, []byte{'\n'}) {
				unit, p, ok := parsePosition(line)
				if !ok || unit != q.Unit || p.Time.Before(q.From) || p.Time.After(q.To) {
					continue
				}
				if len(out) >= MaxPoints {
					return nil, ErrTooMany
				}
				out = append(out, p)
			}
		}
		after = es[len(es)-1].Index
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	dedup := out[:0]
	for i, p := range out {
		if i > 0 && p.Time.Equal(out[i-1].Time) {
			dedup[len(dedup)-1] = p // same timestamp: InfluxDB keeps the last write too
			continue
		}
		dedup = append(dedup, p)
	}
	return dedup, nil
}

// parsePosition reads one unit_position line:
// unit_position,site=s,source=a,unit=2A12 lat=1,lon=2,speed_kmh=3 1763935445000000000
func parsePosition(line []byte) (unit string, p Point, ok bool) {
	const meas = "unit_position,"
	if !bytes.HasPrefix(line, []byte(meas)) {
		return "", p, false
	}
	rest := line[len(meas):]
	tags, rest, ok := cut(rest, ' ')
	if !ok {
		return "", p, false
	}
	fields, ts, ok := cut(rest, ' ')
	if !ok {
		return "", p, false
	}
	for _, kv := range split(tags, ',') {
		k, v, _ := cut(kv, '=')
		switch string(unescape(k)) {
		case "unit":
			unit = string(unescape(v))
		case "source":
			p.Source = string(unescape(v))
		}
	}
	nan := func() float64 { return mathNaN }
	p.AltitudeM, p.SpeedKmh, p.Heading, p.HDOP, p.AccuracyM = nan(), nan(), nan(), nan(), nan()
	haveLat, haveLon := false, false
	for _, kv := range split(fields, ',') {
		k, v, _ := cut(kv, '=')
		f, err := strconv.ParseFloat(string(bytes.TrimSuffix(v, []byte{'i'})), 64)
		if err != nil {
			continue // a string field: not a coordinate
		}
		switch string(k) {
		case "lat":
			haveLat = true
		case "lon":
			haveLon = true
		}
		p.setField(string(k), f)
	}
	ns, err := strconv.ParseInt(string(bytes.TrimSpace(ts)), 10, 64)
	if err != nil || unit == "" || !haveLat || !haveLon {
		return "", p, false
	}
	p.Time = time.Unix(0, ns).UTC()
	return unit, p, p.valid()
}

// cut splits at the first unescaped sep outside double quotes.
func cut(b []byte, sep byte) (before, after []byte, found bool) {
	quoted := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case c == sep && !quoted:
			return b[:i], b[i+1:], true
		}
	}
	return b, nil, false
}

func split(b []byte, sep byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		part, rest, found := cut(b, sep)
		out = append(out, part)
		if !found {
			break
		}
		b = rest
	}
	return out
}

// unescape removes line protocol's backslash escapes from a tag key or value.
func unescape(b []byte) []byte {
	if bytes.IndexByte(b, '\\') < 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+1 < len(b) {
			i++
		}
		out = append(out, b[i])
	}
	return out
}

// setField sets one numeric field of the position schema (docs/influx.md)
// by its InfluxDB field name; other fields are not part of a track point.
func (p *Point) setField(name string, f float64) {
	switch name {
	case "lat":
		p.Lat = f
	case "lon":
		p.Lon = f
	case "altitude_m":
		p.AltitudeM = f
	case "speed_kmh":
		p.SpeedKmh = f
	case "heading":
		p.Heading = f
	case "hdop":
		p.HDOP = f
	case "accuracy_m":
		p.AccuracyM = f
	}
}
