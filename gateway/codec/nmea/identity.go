package nmea

import (
	"strings"

	nmea "github.com/adrianmo/go-nmea"

	"radiogw/avl"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

// identity is a sentence in which a modem names itself: Sierra AirLink
// $PSIWMDID and $DEVID, $PGID, Cradlepoint $PCPTI. The ID is the first field.
type identity struct {
	nmea.BaseSentence
	ID string
}

func newIdentity(s nmea.BaseSentence) (nmea.Sentence, error) {
	p := nmea.NewParser(s)
	id := strings.TrimSpace(p.String(0, "device id"))
	if p.Err() == nil && id == "" {
		p.SetErr("device id", "empty")
	}
	return identity{BaseSentence: s, ID: id}, p.Err()
}

func (v identity) identity(f frame.Frame) decode.Identity {
	return decode.Identity{Peer: f.Peer, DeviceID: v.ID, Kind: avl.AVLID}
}

// decodeIMEI handles "$IMEI=<imei>" (also "$IMEI,<imei>"), sent by some
// modems on connect, with or without a checksum.
func decodeIMEI(line string, f frame.Frame, strict bool) (decode.Observations, error) {
	body := line[1:]
	if star := strings.IndexByte(body, '*'); star >= 0 {
		w, ok := sumDigits(strings.TrimSpace(body[star+1:]))
		if !ok || xor(body[:star]) != w {
			return decode.Observations{}, decode.Errorf("checksum", "bad checksum on %q", clip(line))
		}
		body = body[:star]
	} else if strict {
		return decode.Observations{}, decode.Errorf("checksum", "missing on %q", clip(line))
	}
	id := strings.TrimSpace(strings.TrimLeft(body[len("IMEI"):], "=, "))
	if !isDeviceID(id) {
		return decode.Observations{}, decode.Errorf("syntax", "bad IMEI sentence %q", clip(line))
	}
	return identityObs(f, id), nil
}

// decodeBare handles lines with no '$' at all: a bare device ID (hex digits,
// as modems send right after connecting) or "IMEI <imei>".
func decodeBare(line string, f frame.Frame) (decode.Observations, error) {
	if rest, ok := strings.CutPrefix(line, "IMEI"); ok {
		id := strings.TrimSpace(strings.TrimLeft(rest, "=:, "))
		if isDeviceID(id) {
			return identityObs(f, id), nil
		}
	}
	if isDeviceID(line) && isHexString(line) {
		return identityObs(f, line), nil
	}
	if strings.Contains(line, ",") {
		return decode.Observations{}, decode.Errorf("unsupported", "not an NMEA sentence: %q", clip(line))
	}
	return decode.Observations{}, decode.Errorf("syntax", "not an NMEA sentence: %q", clip(line))
}

// prefixID extracts the device ID some modems put before the sentence:
// "660420156A0066AA$GPRMC", "990000561287964,$GPRMC", "4711/022789000688081/$GPRMC"
// (the middle part is the ID). It takes bytes too, so the fast path reads
// the prefix exactly as this path does.
func prefixID[T string | []byte](p T) (T, bool) {
	switch {
	case len(p) > 0 && p[len(p)-1] == ',':
		p = p[:len(p)-1]
	case len(p) > 0 && p[len(p)-1] == '/':
		p = p[:len(p)-1]
		for i := 0; i < len(p); i++ {
			if p[i] == '/' {
				p = p[i+1:]
				break
			}
		}
	}
	return p, isDeviceID(p)
}

func identityObs(f frame.Frame, id string) decode.Observations {
	return decode.Observations{Identities: []decode.Identity{{Peer: f.Peer, DeviceID: id, Kind: avl.AVLID}}}
}

// isDeviceID accepts 3 to 32 letters and digits: IMEIs, ESNs, serial numbers.
func isDeviceID[T string | []byte](s T) bool {
	if len(s) < 3 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

func isHexString(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}
