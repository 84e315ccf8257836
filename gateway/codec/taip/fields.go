package taip

import (
	"time"

	"radiogw/avl"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

const mphToKmh = 1.609344

// gpsEpoch is the start of GPS week 0.
var gpsEpoch = time.Date(1980, 1, 6, 0, 0, 0, 0, time.UTC)

// cursor reads TAIP's fixed-width fields left to right. The first failure
// sticks; later reads return zero, so callers check err once at the end.
type cursor struct {
	s   string
	i   int
	err error
}

func (c *cursor) fail(what string) {
	if c.err == nil {
		c.err = decode.Errorf("syntax", "bad %s at offset %d in %q", what, c.i, clip(c.s))
	}
}

// digits reads n decimal digits.
func (c *cursor) digits(n int, what string) int {
	if c.err != nil {
		return 0
	}
	if c.i+n > len(c.s) {
		c.fail(what)
		return 0
	}
	v := 0
	for _, ch := range []byte(c.s[c.i : c.i+n]) {
		if ch < '0' || ch > '9' {
			c.fail(what)
			return 0
		}
		v = v*10 + int(ch-'0')
	}
	c.i += n
	return v
}

// sign reads '+' or '-' and returns 1 or -1.
func (c *cursor) sign(what string) float64 {
	if c.err != nil {
		return 0
	}
	if c.i < len(c.s) {
		switch c.s[c.i] {
		case '+':
			c.i++
			return 1
		case '-':
			c.i++
			return -1
		}
	}
	c.fail(what)
	return 0
}

// signed reads a sign and n digits scaled by 10^-dec.
func (c *cursor) signed(n, dec int, what string) float64 {
	s := c.sign(what)
	return s * float64(c.digits(n, what)) / pow10[dec]
}

// byte reads one character.
func (c *cursor) byte(what string) byte {
	if c.err != nil {
		return 0
	}
	if c.i >= len(c.s) {
		c.fail(what)
		return 0
	}
	c.i++
	return c.s[c.i-1]
}

// run returns the length of the digit run at the cursor, without moving.
func (c *cursor) run() int {
	n := 0
	for c.i+n < len(c.s) && c.s[c.i+n] >= '0' && c.s[c.i+n] <= '9' {
		n++
	}
	return n
}

func (c *cursor) rest() string { return c.s[c.i:] }

var pow10 = [...]float64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8}

// newFix returns a fix carrying the frame's metadata and no optional values.
func newFix(f frame.Frame) avl.Fix {
	return avl.Fix{
		Source: f.Source, Peer: f.Peer, Received: f.Received,
		SpeedKmh: avl.Unknown, Heading: avl.Unknown, HDOP: avl.Unknown,
		AltitudeM: avl.Unknown, AccuracyM: avl.Unknown,
	}
}

// checkCoords rejects coordinates outside the globe.
func checkCoords(fx *avl.Fix) error {
	if fx.Lat < -90 || fx.Lat > 90 || fx.Lon < -180 || fx.Lon > 180 {
		return decode.Errorf("invalid", "position %.5f,%.5f out of range", fx.Lat, fx.Lon)
	}
	return nil
}

// pastSlack is how far after its receive time a time of day may lie and
// still be today: a device clock a little ahead of radiogw's.
const pastSlack = 2 * time.Minute

// timeOfDay places seconds since midnight (GPS time of day, taken as UTC
// like other TAIP servers do) on the latest day that puts it in the past of
// received. The fix is flagged NoDate by the caller: the runtime prefers the
// device's own latest date when it has a recent one.
func timeOfDay(received time.Time, secs, ms int) (time.Time, error) {
	if secs >= 86400 {
		return time.Time{}, decode.Errorf("invalid", "time of day %d s out of range", secs)
	}
	tod := time.Duration(secs)*time.Second + time.Duration(ms)*time.Millisecond
	return avl.PastDay(tod, received, pastSlack), nil
}

// weekTime is GPS week, day of week and seconds of day, taken as UTC.
func weekTime(week, day, secs int) (time.Time, error) {
	if day > 6 || secs >= 86400 {
		return time.Time{}, decode.Errorf("invalid", "GPS time week %d day %d second %d out of range", week, day, secs)
	}
	return gpsEpoch.AddDate(0, 0, week*7+day).Add(time.Duration(secs) * time.Second), nil
}

// Date orders of vendor reports.
const (
	dayFirst  = false // ddmmyy: RGP, RCQ, RCV, RBR, RPI, RUS00
	yearFirst = true  // yymmdd: Virloc RUV
)

// dateTime reads ddmmyy (or yymmdd) and hhmmss. A two-digit year follows
// avl.Year2's pivot. A zero date (000000, a device that has not yet learned
// the date) leaves the time of day, placed by the time-of-day rule, with
// noDate set.
func dateTime(c *cursor, received time.Time, order bool) (t time.Time, noDate bool, err error) {
	var dd, mo, yy int
	if order == yearFirst {
		yy, mo, dd = c.digits(2, "year"), c.digits(2, "month"), c.digits(2, "day")
	} else {
		dd, mo, yy = c.digits(2, "day"), c.digits(2, "month"), c.digits(2, "year")
	}
	h, mi, s := c.digits(2, "hour"), c.digits(2, "minute"), c.digits(2, "second")
	if c.err != nil {
		return time.Time{}, false, c.err
	}
	if h > 23 || mi > 59 || s > 59 {
		return time.Time{}, false, decode.Errorf("invalid", "time %02d%02d%02d out of range", h, mi, s)
	}
	tod := time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(s)*time.Second
	if dd == 0 && mo == 0 && yy == 0 {
		return avl.PastDay(tod, received, pastSlack), true, nil
	}
	if dd < 1 || dd > 31 || mo < 1 || mo > 12 {
		return time.Time{}, false, decode.Errorf("invalid", "date %02d%02d%02d out of range", dd, mo, yy)
	}
	return time.Date(avl.Year2(yy, received), time.Month(mo), dd, 0, 0, 0, 0, time.UTC).Add(tod), false, nil
}
