package nmea

import "strings"

// numericFields are the positions (0 is the first field after the address)
// of the numbers radiogw reads from the position sentences. NMEA numbers are plain decimals;
// strconv.ParseFloat, which go-nmea uses, also takes hex floats ("0x1p-2"),
// exponents, "inf" and "nan", which no receiver sends and a forger would.
var numericFields = map[string][]int{
	"RMC":  {0, 2, 4, 6, 7, 8},
	"GGA":  {0, 1, 3, 5, 6, 7, 8},
	"GNS":  {0, 1, 3, 6, 7, 8},
	"GLL":  {0, 2, 4},
	"VTG":  {0, 2, 4, 6},
	"KNDS": {0, 2, 4, 6, 7, 8},
	"KLDS": {0, 2, 4, 6, 7, 8},
}

// nonDecimal returns the first number field of a position sentence that is
// not a plain decimal ([+-]digits[.digits]), if any.
func nonDecimal(line string) (string, bool) {
	body := strings.TrimPrefix(line, "$")
	if star := strings.IndexByte(body, '*'); star >= 0 {
		body = body[:star]
	}
	addr, rest, _ := strings.Cut(body, ",")
	typ := ""
	switch {
	case len(addr) == 5 && addr[0] == 'P':
		typ = addr[1:]
	case len(addr) == 5:
		typ = addr[2:]
	}
	idx := numericFields[typ]
	if idx == nil {
		return "", false
	}
	fields := strings.Split(rest, ",")
	for _, i := range idx {
		if i < len(fields) && !plainDecimal(fields[i]) {
			return fields[i], true
		}
	}
	return "", false
}

// plainDecimal accepts "", and [+-]digits[.digits] with at least one digit.
func plainDecimal(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return true
	}
	if s[0] == '+' || s[0] == '-' {
		s = s[1:]
	}
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}
