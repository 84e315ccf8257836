package change

import "math"

// Round rounds v to the given number of decimals. Degree and unit
// conversions (NMEA minutes / 60, LRRP's 2^31 scaling, knots × 1.852,
// durations in seconds) leave binary noise such as 45.675000000000004;
// rounded, a value prints as the short decimal it stands for. NaN (unknown)
// and infinities are returned as they are.
func Round(v float64, decimals int) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	scale := math.Pow10(decimals)
	r := math.Round(v*scale) / scale
	if math.IsInf(r, 0) || math.IsNaN(r) { // v*scale overflowed: v is already coarser
		return v
	}
	return r
}

// Precision of what radiogw publishes: 1e-7 degree is about 1 cm, far below
// any GPS fix; speeds, headings, altitudes and durations to a tenth; HDOP to
// a hundredth.
const (
	CoordDecimals = 7
	TenthDecimals = 1
	HDOPDecimals  = 2
)
