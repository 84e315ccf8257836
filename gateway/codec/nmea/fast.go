package nmea

import (
	"bytes"

	nmea "github.com/adrianmo/go-nmea"

	"radiogw/avl"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

// The fast path decodes RMC and GGA from GNSS talkers, the sentences that
// arrive at high rate, straight from the frame's bytes: fields are split in
// place and numbers parsed from sub-slices, so a sentence costs one
// allocation (the fix), two with a modem ID prefix (the ID string). It
// accepts only what it reads exactly as the go-nmea path does and declines
// everything else (other sentences, odd fields, wrong or missing checksums
// under Strict, non-ASCII bytes); Decode then takes the go-nmea path, which
// stays the reference for behaviour and for error messages.

// fastFields is the most fields the fast path looks at after the address:
// GGA has 14; RMC 11, 12 with the FAA mode, 13 with the NMEA 4.10 nav status.
const fastFields = 14

// sentenceFields are the comma-separated fields after the address.
type sentenceFields struct {
	n int // number of fields, also those beyond fastFields
	f [fastFields][]byte
}

// decodeFast returns ok=false when the frame is not a position sentence it
// fully understands.
func (d *decoder) decodeFast(f frame.Frame) (decode.Observations, bool) {
	line := trimASCIISpace(f.Data)
	if len(line) < 7 {
		return decode.Observations{}, false
	}
	for _, c := range line {
		// go-nmea treats '\' as a tag block anywhere in the line, and
		// strings.TrimSpace trims non-ASCII spaces this path does not.
		if c >= 0x80 || c == '\\' {
			return decode.Observations{}, false
		}
	}
	var id []byte
	if line[0] != '$' {
		i := bytes.IndexByte(line, '$')
		if i < 0 {
			return decode.Observations{}, false
		}
		p, ok := prefixID(line[:i])
		if !ok {
			return decode.Observations{}, false
		}
		id, line = p, line[i:]
	}
	// The address is a GNSS talker and RMC or GGA: exactly five characters,
	// so go-nmea splits it the same way. Checked before the checksum, so
	// other sentences are declined cheaply.
	if len(line) < 7 || line[6] != ',' || !gnssTalker(string(line[1:3])) {
		return decode.Observations{}, false
	}
	typ := string(line[3:6])
	if typ != nmea.TypeRMC && typ != nmea.TypeGGA {
		return decode.Observations{}, false
	}
	body, ok := d.checkedBody(line[1:])
	if !ok || len(body) < 6 { // a '*' inside the address
		return decode.Observations{}, false
	}
	var fs sentenceFields
	fs.split(body[6:])
	var fx avl.Fix
	if typ == nmea.TypeRMC {
		fx, ok = fastRMC(&fs, f)
	} else {
		fx, ok = fastGGA(&fs, f)
	}
	if !ok {
		return decode.Observations{}, false
	}
	if id != nil {
		fx.DeviceID = string(id)
	}
	return decode.Observations{Fixes: []avl.Fix{fx}}, true
}

// checkedBody returns the sentence between '$' and '*' if its checksum is
// right, or if it has none and the decoder is not strict. Checksum forms
// the go-nmea path also accepts (spaces around '*', text after the digits)
// are handled the same way; anything it would reject is declined.
func (d *decoder) checkedBody(s []byte) ([]byte, bool) {
	star := bytes.IndexByte(s, '*')
	if star < 0 {
		return s, !d.strict
	}
	body, want := s[:star], s[star+1:]
	for len(want) > 0 && want[0] == ' ' {
		want = want[1:]
	}
	w, ok := sumDigits(want)
	if !ok {
		return nil, false
	}
	return body, sumMatches(body, w)
}

// split cuts s at every comma without copying. A byte loop: fields are a
// few bytes long, shorter than bytes.IndexByte's call overhead pays for.
func (fs *sentenceFields) split(s []byte) {
	start := 0
	for i, c := range s {
		if c == ',' {
			fs.add(s[start:i])
			start = i + 1
		}
	}
	fs.add(s[start:])
}

func (fs *sentenceFields) add(field []byte) {
	if fs.n < fastFields {
		fs.f[fs.n] = field
	}
	fs.n++
}

// fastRMC mirrors newRMC and toFix for an RMC.
func fastRMC(fs *sentenceFields, f frame.Frame) (avl.Fix, bool) {
	if fs.n < 11 {
		return avl.Fix{}, false
	}
	v := &fs.f
	tod, ok := fieldTime(v[0])
	status := string(v[1])
	ok = ok && (status == "" || status == nmea.ValidRMC || status == nmea.InvalidRMC)
	lat, okLat := coordinate(v[2], v[3], true)
	lon, okLon := coordinate(v[4], v[5], false)
	speed, okSpeed := optionalNumber(v[6])
	course, okCourse := optionalNumber(v[7])
	date, okDate := fieldDate(v[8])
	_, okVar := optionalNumber(v[9])
	dir := string(v[10])
	ok = ok && okLat && okLon && okSpeed && okCourse && okDate && okVar &&
		(dir == "" || dir == nmea.West || dir == nmea.East)
	if !ok {
		return avl.Fix{}, false
	}
	mode := []byte(nil)
	if fs.n > 11 {
		mode = v[11]
	}
	fx := newFix(f)
	fx.Lat, fx.Lon = lat, lon
	fx.Valid = status == nmea.ValidRMC && string(trimASCIISpace(mode)) != "N"
	if len(v[6]) > 0 {
		fx.SpeedKmh = speed * knotsToKmh
	}
	if len(v[7]) > 0 {
		fx.Heading = course
	}
	var err error
	if fx.Time, fx.NoDate, err = fixTime(date, tod, f.Received); err != nil {
		return avl.Fix{}, false
	}
	if len(v[2]) == 0 || len(v[4]) == 0 {
		fx.Lat, fx.Lon, fx.Valid = avl.Unknown, avl.Unknown, false
	}
	return fx, true
}

// fastGGA mirrors newGGA and toFix for a GGA.
func fastGGA(fs *sentenceFields, f frame.Frame) (avl.Fix, bool) {
	if fs.n < 14 {
		return avl.Fix{}, false
	}
	v := &fs.f
	tod, ok := fieldTime(v[0])
	lat, okLat := coordinate(v[1], v[2], true)
	lon, okLon := coordinate(v[3], v[4], false)
	q := v[5]
	okQ := len(q) == 0 || len(q) == 1 && q[0] >= '0' && q[0] <= '8'
	hdop, okHDOP := optionalNumber(v[7])
	alt, okAlt := optionalNumber(v[8])
	_, okSep := optionalNumber(v[10])
	if !ok || !okLat || !okLon || !okQ || !satellites(v[6]) || !okHDOP || !okAlt || !okSep {
		return avl.Fix{}, false
	}
	fx := newFix(f)
	fx.Lat, fx.Lon = lat, lon
	fx.Valid = ggaValid(string(q))
	if len(v[7]) > 0 {
		fx.HDOP = hdop
	}
	if len(v[8]) > 0 {
		fx.AltitudeM = alt
	}
	var err error
	if fx.Time, fx.NoDate, err = fixTime(nmea.Date{}, tod, f.Received); err != nil {
		return avl.Fix{}, false
	}
	if len(v[1]) == 0 || len(v[3]) == 0 {
		fx.Lat, fx.Lon, fx.Valid = avl.Unknown, avl.Unknown, false
	}
	return fx, true
}
