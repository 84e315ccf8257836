package taip

import (
	"radiogw/avl"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

const feetToMetres = 0.3048

// decodePV reads PV (position/velocity) and EV (event) data:
//
//	PV: AAAAA BBBCCCCC DDDDEEEEE FFF GGG H I
//	EV: [EE [WWWW D]] AAAAA ... (event code, GPS week, day of week)
//
// AAAAA is GPS time of day in seconds, then latitude and longitude in
// 1e-5 degrees, speed in mph, heading in degrees, source and age of data.
func decodePV(data string, f frame.Frame, event bool) (avl.Fix, error) {
	fx := newFix(f)
	c := &cursor{s: data}
	var err error
	switch n := c.run(); {
	case n == 5:
		fx.Time, err = timeOfDay(f.Received, c.digits(5, "time"), 0)
		fx.NoDate = true
	case n == 7 && event:
		c.digits(2, "event")
		fx.Time, err = timeOfDay(f.Received, c.digits(5, "time"), 0)
		fx.NoDate = true
	case n == 12:
		c.digits(2, "event")
		week, day, secs := c.digits(4, "week"), c.digits(1, "day"), c.digits(5, "time")
		fx.Time, err = weekTime(week, day, secs)
	default:
		c.fail("time")
	}
	fx.Lat = c.signed(7, 5, "latitude")
	fx.Lon = c.signed(8, 5, "longitude")
	fx.SpeedKmh = float64(c.digits(3, "speed")) * mphToKmh
	fx.Heading = float64(c.digits(3, "heading"))
	fx.Valid = validSource(c.byte("source"), c.byte("age"))
	if c.err != nil {
		return avl.Fix{}, c.err
	}
	if err != nil {
		return avl.Fix{}, err
	}
	return fx, checkCoords(&fx)
}

// decodeCP reads CP (compact position): AAAAA BBBCCCC DDDDEEEE F G, with
// latitude and longitude in 1e-4 degrees and no speed or heading.
func decodeCP(data string, f frame.Frame) (avl.Fix, error) {
	fx := newFix(f)
	c := &cursor{s: data}
	secs := c.digits(5, "time")
	fx.Lat = c.signed(6, 4, "latitude")
	fx.Lon = c.signed(7, 4, "longitude")
	fx.Valid = validSource(c.byte("source"), c.byte("age"))
	if c.err != nil {
		return avl.Fix{}, c.err
	}
	var err error
	if fx.Time, err = timeOfDay(f.Received, secs, 0); err != nil {
		return avl.Fix{}, err
	}
	fx.NoDate = true
	return fx, checkCoords(&fx)
}

// decodeLN reads LN (long navigation):
//
//	AAAAAAAA  time of day, ms      BBBCCCCCCC  latitude, 1e-7 deg
//	DDDDEEEEEEE longitude, 1e-7 deg FFFFFFFFF  altitude, sign + 0.01 ft
//	HHHH  speed, 0.1 mph            IIIII  vertical speed, sign + 0.1 mph
//	JJJJ  heading, 0.1 deg          KK  satellites, then KK x 4 chars (SV, IODE)
//	10 reserved characters, source, age of data
func decodeLN(data string, f frame.Frame) (avl.Fix, error) {
	fx := newFix(f)
	c := &cursor{s: data}
	ms := c.digits(8, "time")
	fx.Lat = c.signed(9, 7, "latitude")
	fx.Lon = c.signed(10, 7, "longitude")
	fx.AltitudeM = c.signed(8, 2, "altitude") * feetToMetres
	fx.SpeedKmh = float64(c.digits(4, "speed")) / 10 * mphToKmh
	c.signed(4, 1, "vertical speed")
	fx.Heading = float64(c.digits(4, "heading")) / 10
	sats := c.digits(2, "satellites")
	if c.err == nil && len(c.rest()) != sats*4+10+2 {
		return avl.Fix{}, decode.Errorf("syntax", "LN with %d satellites has %d trailing characters, want %d", sats, len(c.rest()), sats*4+12)
	}
	c.i += sats*4 + 10
	fx.Valid = validSource(c.byte("source"), c.byte("age"))
	if c.err != nil {
		return avl.Fix{}, c.err
	}
	var err error
	if fx.Time, err = timeOfDay(f.Received, ms/1000, ms%1000); err != nil {
		return avl.Fix{}, err
	}
	fx.NoDate = true
	return fx, checkCoords(&fx)
}

// validSource reads TAIP's source and age-of-data digits: a 2D/3D GPS or
// DGPS solution (0-3) or dead reckoning (6) with data that is available
// (age 1 = older than 10 s, 2 = fresh; 0 = not available). Degraded dead
// reckoning (8) and unknown (9) are not valid.
func validSource(source, age byte) bool {
	okSource := source >= '0' && source <= '3' || source == '6'
	return okSource && (age == '1' || age == '2')
}
