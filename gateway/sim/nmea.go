package sim

import (
	"math"
	"strconv"
	"time"
)

const hexDigits = "0123456789ABCDEF"

// appendNMEAChecksum closes a sentence that starts with '$': the XOR of
// everything between '$' and '*', then CR LF.
func appendNMEAChecksum(b []byte, start int) []byte {
	var c byte
	for _, x := range b[start+1:] {
		c ^= x
	}
	return append(b, '*', hexDigits[c>>4], hexDigits[c&0x0f], '\r', '\n')
}

// appendIdentity appends the Sierra AirLink identity sentence a modem sends
// before its fixes: $PSIWMDID,<id>*hh.
func appendIdentity(b []byte, id string) []byte {
	start := len(b)
	b = append(b, "$PSIWMDID,"...)
	b = append(b, id...)
	return appendNMEAChecksum(b, start)
}

// appendRMC appends a valid $GPRMC fix: time, A, ddmm.mmmm, dddmm.mmmm,
// speed in knots, course, date, mode A.
func appendRMC(b []byte, t time.Time, lat, lon, speedKmh, heading float64) []byte {
	t = t.UTC()
	start := len(b)
	b = append(b, "$GPRMC,"...)
	b = append2(b, t.Hour())
	b = append2(b, t.Minute())
	b = append2(b, t.Second())
	b = append(b, '.')
	b = append2(b, t.Nanosecond()/1e7)
	b = append(b, ",A,"...)
	b = appendDM(b, math.Abs(lat), 2)
	b = append(b, ',', hemi(lat, 'N', 'S'), ',')
	b = appendDM(b, math.Abs(lon), 3)
	b = append(b, ',', hemi(lon, 'E', 'W'), ',')
	b = strconv.AppendFloat(b, speedKmh/1.852, 'f', 1, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, heading, 'f', 1, 64)
	b = append(b, ',')
	b = append2(b, t.Day())
	b = append2(b, int(t.Month()))
	b = append2(b, t.Year()%100)
	b = append(b, ",,,A"...)
	return appendNMEAChecksum(b, start)
}

func hemi(v float64, pos, neg byte) byte {
	if v < 0 {
		return neg
	}
	return pos
}

func append2(b []byte, v int) []byte {
	return append(b, byte('0'+v/10%10), byte('0'+v%10))
}

// appendDM appends degrees and decimal minutes (4 decimals, about 0.2 m),
// with the degrees zero-padded to width digits.
func appendDM(b []byte, deg float64, width int) []byte {
	// work in 1e-4 minutes so rounding cannot produce 60.0000 minutes
	units := int64(math.Round(deg * 60 * 1e4))
	d := units / (60 * 1e4)
	m := units % (60 * 1e4)
	b = appendPadded(b, d, width)
	b = append2(b, int(m/1e4))
	b = append(b, '.')
	return appendPadded(b, m%1e4, 4)
}
