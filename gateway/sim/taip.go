package sim

import (
	"math"
	"strconv"
	"time"
)

// appendTAIP appends a Trimble TAIP position/velocity report with the
// device ID and the standard checksum (XOR of '>' through '*'):
//
//	>RPVAAAAA±BBCCCCC±DDDEEEEEFFFGGGHI;ID=xxxx;*hh<
//
// AAAAA is GPS time of day in seconds, then latitude and longitude in 1e-5
// degrees, speed in mph, heading in degrees, source 1 (3D GPS) and age 2
// (fresh).
func appendTAIP(b []byte, t time.Time, id string, lat, lon, speedKmh, heading float64) []byte {
	t = t.UTC()
	start := len(b)
	b = append(b, ">RPV"...)
	b = appendPadded(b, int64(t.Hour()*3600+t.Minute()*60+t.Second()), 5)
	b = appendSigned(b, lat, 7)
	b = appendSigned(b, lon, 8)
	b = appendPadded(b, int64(math.Min(999, math.Round(speedKmh/1.609344))), 3)
	b = appendPadded(b, int64(math.Round(heading))%360, 3)
	b = append(b, "12;ID="...)
	b = append(b, id...)
	b = append(b, ";*"...)
	var c byte
	for _, x := range b[start:] {
		c ^= x
	}
	return append(b, hexDigits[c>>4], hexDigits[c&0x0f], '<')
}

// appendSigned appends ±value in 1e-5 units zero-padded to digits digits.
func appendSigned(b []byte, v float64, digits int) []byte {
	if v < 0 {
		b = append(b, '-')
	} else {
		b = append(b, '+')
	}
	return appendPadded(b, int64(math.Round(math.Abs(v)*1e5)), digits)
}

func appendPadded(b []byte, v int64, digits int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], v, 10)
	for i := len(s); i < digits; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}
