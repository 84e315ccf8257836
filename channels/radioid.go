package channels

import (
	"fmt"
	"strconv"
	"strings"
)

// NormalizeRadioID formats a radio ID the way its signalling system writes
// it, so the same radio heard by different decoders (and listed in the
// roster) has one spelling:
//
//   - mdc1200: four uppercase hex digits ("1a" -> "001A")
//   - star, p25, dmr, nxdn, decimal: decimal without leading zeros
//   - fleetsync: "<fleet>-<unit>" in decimal ("100-1001"); a bare unit stays bare
//   - selcall (zvei, ccir, eea, eia): the tone digits, uppercase, with the
//     repeat tone "E" replaced by the digit it repeats, as multimon-ng prints
//     tone indices and "E" is the repeat tone in those tables
//   - anything else: the ID as given, trimmed
//
// It reports false for an ID that cannot belong to the system.
func NormalizeRadioID(system, id string) (string, bool) {
	id = strings.TrimSpace(id)
	if id == "" {
		return "", false
	}
	switch strings.ToLower(system) {
	case "mdc1200", "mdc":
		if len(id) > 4 {
			return "", false
		}
		n, err := strconv.ParseUint(id, 16, 16)
		if err != nil {
			return "", false
		}
		return fmt.Sprintf("%04X", n), true
	case "star", "p25", "dmr", "nxdn", "decimal", "trunk-recorder":
		return decimal(id)
	case "fleetsync":
		fleet, unit, ok := strings.Cut(id, "-")
		if !ok {
			return decimal(id)
		}
		f, ok1 := decimal(fleet)
		u, ok2 := decimal(unit)
		if !ok1 || !ok2 {
			return "", false
		}
		return f + "-" + u, true
	case "selcall", "zvei", "ccir", "eea", "eia":
		return selcall(id)
	}
	for _, r := range id {
		if r < ' ' || r == 0x7f {
			return "", false
		}
	}
	return id, true
}

func decimal(s string) (string, bool) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return "", false
	}
	return strconv.FormatUint(n, 10), true
}

func selcall(s string) (string, bool) {
	if len(s) > 16 {
		return "", false
	}
	b := []byte(strings.ToUpper(s))
	for i, c := range b {
		switch {
		case c == 'E' && i > 0:
			b[i] = b[i-1]
		case c >= '0' && c <= '9', c >= 'A' && c <= 'F':
		default:
			return "", false
		}
	}
	return string(b), true
}
