package nmea

import nmea "github.com/adrianmo/go-nmea"

// Field readers for the fast path. Each accepts a strict subset of what
// go-nmea's field parser accepts and gives the identical value for it;
// ok=false means "not sure", never "invalid": the go-nmea path decides.

// pow10 holds the powers of ten that are exact in a float64.
var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// decimal parses [+-]digits[.digits] with at most 15 digits, the form NMEA
// numbers take. The mantissa is then below 2^52 and the divisor an exact
// power of ten, so one IEEE division rounds correctly: the result is
// strconv.ParseFloat's to the bit (it takes the same exact path for such
// inputs). Exponents, "inf", hex and longer numbers are declined.
func decimal(b []byte) (float64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		b = b[1:]
	}
	var m uint64
	digits, dot := 0, -1
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9':
			m = m*10 + uint64(c-'0')
			digits++
		case c == '.' && dot < 0:
			dot = i
		default:
			return 0, false
		}
		if digits > 15 {
			return 0, false
		}
	}
	if digits == 0 {
		return 0, false
	}
	x := float64(m)
	if neg {
		x = -x
	}
	if dot >= 0 {
		if k := len(b) - dot - 1; k > 0 {
			x /= pow10[k]
		}
	}
	return x, true
}

// optionalNumber is go-nmea's Float64 field: empty gives 0.
func optionalNumber(b []byte) (float64, bool) {
	if len(b) == 0 {
		return 0, true
	}
	return decimal(b)
}

// satellites is go-nmea's Int64 field, only validated: radiogw does not use
// the count, but a bad one fails the sentence.
func satellites(b []byte) bool {
	if len(b) > 18 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// fieldTime is timeOfDay on bytes.
func fieldTime(b []byte) (nmea.Time, bool) {
	if len(b) == 0 {
		return nmea.Time{}, true
	}
	return clockTime(b)
}

// fieldDate is go-nmea's Date field (ddmmyy), digits only.
func fieldDate(b []byte) (nmea.Date, bool) {
	if len(b) == 0 {
		return nmea.Date{}, true
	}
	if len(b) != 6 {
		return nmea.Date{}, false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return nmea.Date{}, false
		}
	}
	two := func(i int) int { return int(b[i]-'0')*10 + int(b[i+1]-'0') }
	return nmea.Date{Valid: true, DD: two(0), MM: two(2), YY: two(4)}, true
}

// coordinate is latLong on bytes.
func coordinate(v, h []byte, lat bool) (float64, bool) {
	if len(v) == 0 && len(h) == 0 {
		return 0, true
	}
	x, ok := decimal(v)
	if !ok || x < 0 {
		return 0, false
	}
	x = ddmm(x)
	limit, pos, neg := 180.0, byte('E'), byte('W')
	if lat {
		limit, pos, neg = 90, 'N', 'S'
	}
	switch {
	case len(h) == 1 && h[0] == pos:
	case len(h) == 1 && h[0] == neg:
		x = -x
	default:
		return 0, false
	}
	if x < -limit || x > limit {
		return 0, false
	}
	return x, true
}

// trimASCIISpace is strings.TrimSpace for ASCII text.
func trimASCIISpace(b []byte) []byte {
	for len(b) > 0 && asciiSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && asciiSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func asciiSpace(c byte) bool {
	return c == ' ' || c >= '\t' && c <= '\r'
}
