// Package taip decodes Trimble ASCII Interface Protocol reports as Sierra
// AirLink modems and similar AVL terminals send them: ">RPV...;ID=...;*hh<".
// One frame holds one report; the framing may or may not have stripped the
// '>' and '<' delimiters.
package taip

import (
	"strings"

	"radiogw/avl"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

type decoder struct{ strict, lenient bool }

// New returns a TAIP decoder. With opts.Strict, reports without a checksum
// are rejected; otherwise they are accepted (many devices send none on REV).
// With opts.Lenient, a report whose checksum is wrong but whose fields parse
// is accepted and reported with a checksum_mismatch error beside it.
func New(opts decode.Options) (decode.Decoder, error) {
	return &decoder{strict: opts.Strict, lenient: opts.Lenient}, nil
}

// report is one TAIP report split into its parts.
type report struct {
	msg      string // message type and data, e.g. "RPV03874+3477708..."
	deviceID string // from ";ID="
}

// Decode turns one report into observations.
func (d *decoder) Decode(f frame.Frame) (decode.Observations, error) {
	r, sumErr, err := d.split(string(f.Data))
	if err != nil {
		return decode.Observations{}, err
	}
	obs, err := d.decode(r, f)
	if sumErr != nil {
		if err != nil || obs.Empty() {
			return decode.Observations{}, sumErr
		}
		return obs, decode.Errorf("checksum_mismatch", "accepted (checksum = \"lenient\"): %w", sumErr)
	}
	return obs, err
}

func (d *decoder) decode(r report, f frame.Frame) (decode.Observations, error) {
	var err error
	var (
		fx  avl.Fix
		ok  bool
		typ = r.msg[:min(3, len(r.msg))]
	)
	switch typ {
	case "RPV":
		fx, err = decodePV(r.msg[3:], f, false)
		ok = true
	case "REV":
		fx, err = decodePV(r.msg[3:], f, true)
		ok = true
	case "RCP":
		fx, err = decodeCP(r.msg[3:], f)
		ok = true
	case "RLN":
		fx, err = decodeLN(r.msg[3:], f)
		ok = true
	case "RGP", "RCQ", "RCV", "RBR", "RPI", "RUS":
		fx, ok, err = decodeVendor(r.msg, f)
	case "RUV":
		fx, ok, err = decodeRUV(r.msg[3:], f)
	case "RAL", "RID", "RTM", "RST", "RVR", "RRM", "RDP":
		// Altitude, identification, time, status, version, reporting mode,
		// DGPS: no position. ok stays false.
	default:
		return decode.Observations{}, decode.Unsupported(typ)
	}
	if err != nil {
		return decode.Observations{}, err
	}
	if !ok {
		// A report without a position still tells which device is behind the peer.
		if r.deviceID == "" {
			return decode.Observations{}, decode.Ignored
		}
		return decode.Observations{Identities: []decode.Identity{{Peer: f.Peer, DeviceID: r.deviceID, Kind: avl.AVLID}}}, nil
	}
	fx.DeviceID, fx.IDKind = r.deviceID, avl.AVLID
	return decode.Observations{Fixes: []avl.Fix{fx}}, nil
}

// split strips the delimiters, checks the checksum and reads the attributes.
// A wrong checksum on a lenient decoder is returned as sumErr, not err: the
// caller decides once it knows whether the fields parse.
func (d *decoder) split(s string) (r report, sumErr, err error) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '>'); i >= 0 {
		s = s[i+1:]
	}
	s = strings.TrimSuffix(s, "<")
	if s == "" {
		return report{}, nil, decode.Errorf("syntax", "empty report")
	}
	if star := strings.LastIndexByte(s, '*'); star >= 0 && star >= len(s)-3 {
		if err := checkSum(s, star); err != nil {
			if !d.lenient {
				return report{}, nil, err
			}
			sumErr = err
		}
		s = s[:star]
	} else if d.strict {
		return report{}, nil, decode.Errorf("checksum", "missing on %q", clip(s))
	}
	msg, attrs, _ := strings.Cut(s, ";")
	r.msg = msg
	if len(msg) < 3 || msg[0] != 'R' {
		return report{}, nil, decode.Errorf("syntax", "not a TAIP response %q", clip(msg))
	}
	for attrs != "" {
		var a string
		a, attrs, _ = strings.Cut(attrs, ";")
		if len(a) > 3 && (a[:3] == "ID=" || a[:3] == "id=") {
			r.deviceID = a[3:]
		}
	}
	return r, sumErr, nil
}

// checkSum verifies "*hh": the XOR of everything from '>' through '*'
// (Trimble's rule) or up to but excluding '*' (some vendors). s has '>'
// already stripped, so the XOR starts from '>'.
func checkSum(s string, star int) error {
	hh := s[star+1:]
	if len(hh) != 2 || !isHex(hh[0]) || !isHex(hh[1]) {
		return decode.Errorf("checksum", "malformed %q", hh)
	}
	want := hexVal(hh[0])<<4 | hexVal(hh[1])
	c := byte('>')
	for i := 0; i < star; i++ {
		c ^= s[i]
	}
	if c == want || c^'*' == want {
		return nil
	}
	return decode.Errorf("checksum", "computed %02X (or %02X without '*'), report says %s", c^'*', c, hh)
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f'
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// clip shortens text quoted in error messages.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// SplitDatagram cuts a datagram into TAIP reports: after each '<' and at
// line ends, since store-and-forward modems pack several reports into one.
func SplitDatagram(b []byte) [][]byte { return decode.SplitAfter(b, '<') }
