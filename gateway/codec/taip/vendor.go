package taip

import (
	"strings"

	"radiogw/avl"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

// decodeVendor reads the TAIP-like reports of South American AVL terminals
// (RGP, RCQ, RCV, RBR, RPI, RUS00), laid out as Traccar decodes them:
//
//	<type>[,][EE]ddmmyyhhmmss <lat><lon> SSS CCC <vendor data>
//
// with latitude/longitude either as sign + 1e-5 degrees (+DDddddd,
// +DDDddddd) or as sign + degrees and decimal minutes (-3852.9306), speed in
// mph and course in degrees.
func decodeVendor(msg string, f frame.Frame) (avl.Fix, bool, error) {
	typ, data := msg[:3], msg[3:]
	if typ == "RUS" {
		var ok bool
		if data, ok = strings.CutPrefix(data, "00"); !ok {
			return avl.Fix{}, false, decode.Unsupported(msg[:min(5, len(msg))])
		}
	}
	data = strings.TrimPrefix(data, ",")
	fx := newFix(f)
	c := &cursor{s: data}
	switch c.run() {
	case 12:
	case 14:
		c.digits(2, "event")
	default:
		c.fail("date/time")
		return avl.Fix{}, false, c.err
	}
	t, noDate, err := dateTime(c, f.Received, dayFirst)
	if err != nil {
		return avl.Fix{}, false, err
	}
	fx.Time, fx.NoDate = t, noDate
	if c.i+5 < len(c.s) && c.s[c.i+5] == '.' {
		fx.Lat = degMin(c, 2, "latitude")
		fx.Lon = degMin(c, 3, "longitude")
	} else {
		fx.Lat = c.signed(7, 5, "latitude")
		fx.Lon = c.signed(8, 5, "longitude")
	}
	fx.SpeedKmh = float64(c.digits(3, "speed")) * mphToKmh
	fx.Heading = float64(c.digits(3, "course"))
	if c.err != nil {
		return avl.Fix{}, false, c.err
	}
	fx.Valid = vendorValid(typ, c.rest())
	return fx, true, checkCoords(&fx)
}

// vendorValid reads the fix mode where the layout has one: right after the
// course for RGP and RUS00, after input, outputs, battery, odometer and GPS
// power (16 characters) for RCQ, RBR and RCV. 0 is no fix, 2 and 3 are 2D and
// 3D; anything else (or no field, as in RPI) leaves the position valid, as
// the device sent it without saying otherwise.
func vendorValid(typ, rest string) bool {
	var mode byte
	switch typ {
	case "RGP", "RUS":
		if len(rest) > 0 {
			mode = rest[0]
		}
	case "RCQ", "RBR", "RCV":
		if len(rest) > 16 && (rest[15] == '0' || rest[15] == '1') {
			mode = rest[16]
		}
	}
	return mode != '0'
}

// degMin reads sign, n degree digits, and minutes as mm.mmmm.
func degMin(c *cursor, n int, what string) float64 {
	s := c.sign(what)
	deg := float64(c.digits(n, what))
	mm := float64(c.digits(2, what))
	if c.err == nil && (c.i >= len(c.s) || c.s[c.i] != '.') {
		c.fail(what)
	}
	c.i++
	frac := float64(c.digits(4, what)) / 1e4
	if mm+frac >= 60 {
		c.fail(what)
	}
	return s * (deg + (mm+frac)/60)
}

// decodeRUV reads Virloc RUV reports:
//
//	RUV<ff><event>,<protocol>,yymmddhhmmss[<lat><lon> SSS CCC F ...],...
//
// The date is year first, unlike the other vendor reports: the captured
// Virloc reports (testdata/captures/taip, lines 24-26) carry 190826, 26 Aug
// 2019, the year they entered Traccar's tests; read day first they would
// lie seven years ahead of it.
//
// Format 00 is a status report without a position (ok=false); the others
// carry latitude and longitude in 1e-5 degrees, speed in km/h, course and a
// fix status digit (below 8 is a fix).
func decodeRUV(data string, f frame.Frame) (avl.Fix, bool, error) {
	c := &cursor{s: data}
	format := c.digits(2, "format")
	if n := c.run(); n == 0 {
		c.fail("event")
	} else {
		c.i += n
	}
	if c.err != nil {
		return avl.Fix{}, false, c.err
	}
	// ",<protocol>,"
	rest, ok := strings.CutPrefix(c.rest(), ",")
	protocol, after, found := strings.Cut(rest, ",")
	if !ok || !found || protocol == "" {
		return avl.Fix{}, false, decode.Errorf("syntax", "RUV without protocol field: %q", clip(data))
	}
	c = &cursor{s: after}
	t, noDate, err := dateTime(c, f.Received, yearFirst)
	if err != nil {
		return avl.Fix{}, false, err
	}
	if format == 0 || c.i >= len(c.s) || (c.s[c.i] != '+' && c.s[c.i] != '-') {
		return avl.Fix{}, false, nil // status report: no position
	}
	fx := newFix(f)
	fx.Time, fx.NoDate = t, noDate
	fx.Lat = c.signed(7, 5, "latitude")
	fx.Lon = c.signed(8, 5, "longitude")
	fx.SpeedKmh = float64(c.digits(3, "speed"))
	fx.Heading = float64(c.digits(3, "course"))
	fx.Valid = c.digits(1, "fix status") < 8
	if c.err != nil {
		return avl.Fix{}, false, c.err
	}
	return fx, true, checkCoords(&fx)
}
