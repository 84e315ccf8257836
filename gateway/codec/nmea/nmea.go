// Package nmea decodes NMEA 0183 position sentences (RMC, GGA, GNS, GLL) as
// GPS receivers and vehicle modems send them, plus the identity sentences
// modems use to name themselves over IP and Kenwood's $PKNDS/$PKLDS radio
// position reports. One frame holds one sentence.
package nmea

import (
	"bytes"
	"errors"
	"strings"
	"time"

	nmea "github.com/adrianmo/go-nmea"

	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

type decoder struct {
	strict bool
	parser *nmea.SentenceParser // configured once in New, only read afterwards
	loose  *nmea.SentenceParser // with opts.Lenient: the second reading of a wrong checksum
}

// New returns an NMEA decoder. With opts.Strict, sentences without a
// checksum are rejected; otherwise they are accepted as many modems send them.
// With opts.Lenient, a sentence whose checksum is wrong but whose fields
// parse is accepted, and reported with a checksum_mismatch error beside its
// observations so it is counted: some modems in the field really send wrong
// checksums.
func New(opts decode.Options) (decode.Decoder, error) {
	d := &decoder{strict: opts.Strict, parser: newSentenceParser(opts.Strict)}
	if opts.Lenient {
		d.loose = newLooseParser()
	}
	return d, nil
}

// Decode turns one sentence into observations. Two sentences glued
// together because the line end between them was lost on a serial line
// ("...*51$GPGGA,...") are both read, and line noise before a '$' (binary
// bytes a receiver sends while it switches modes, a serial line's garbage)
// is dropped: it cannot be a device ID.
func (d *decoder) Decode(f frame.Frame) (decode.Observations, error) {
	if i := noiseBefore(f.Data); i > 0 {
		f.Data = f.Data[i:]
	}
	if i := gluedAt(f.Data); i > 0 {
		return d.decodeGlued(f, i)
	}
	if obs, ok := d.decodeFast(f); ok {
		return obs, nil
	}
	return d.decodeGoNMEA(f)
}

// noiseBefore is the index of the first '$' when the bytes before it hold a
// control or non-ASCII byte (not whitespace), which no ID prefix does; 0
// otherwise.
func noiseBefore(b []byte) int {
	i := bytes.IndexByte(b, '$')
	if i <= 0 {
		return 0
	}
	for _, c := range b[:i] {
		if (c < 0x20 && c != ' ' && c != '\t' && c != '\r' && c != '\n') || c >= 0x7f {
			return i
		}
	}
	return 0
}

// gluedAt is the index of a '$' that directly follows a checksum ("*hh"),
// where a second sentence starts without its line end; 0 if none.
func gluedAt(b []byte) int {
	for i := 3; i < len(b); i++ {
		if b[i] == '$' && b[i-3] == '*' && isHex(b[i-2]) && isHex(b[i-1]) {
			return i
		}
	}
	return 0
}

// decodeGlued decodes the sentence before i and the rest (which may hold
// more) and merges what they say. An error goes back only when neither part
// gave observations, or when it is the checksum_mismatch that may stand
// beside them.
func (d *decoder) decodeGlued(f frame.Frame, i int) (decode.Observations, error) {
	first, rest := f, f
	first.Data, rest.Data = f.Data[:i], f.Data[i:]
	a, errA := d.Decode(first)
	b, errB := d.Decode(rest)
	obs := decode.Observations{
		Fixes:      append(a.Fixes, b.Fixes...),
		Events:     append(a.Events, b.Events...),
		Identities: append(a.Identities, b.Identities...),
		Replies:    append(a.Replies, b.Replies...),
		Times:      append(a.Times, b.Times...),
	}
	for _, err := range []error{errA, errB} {
		if err != nil && (obs.Empty() || decode.Reason(err) == "checksum_mismatch") {
			return obs, err
		}
	}
	return obs, nil
}

// decodeGoNMEA decodes any sentence through go-nmea. It is the reference
// the fast path (fast.go) must agree with.
func (d *decoder) decodeGoNMEA(f frame.Frame) (decode.Observations, error) {
	line := strings.TrimSpace(string(f.Data))
	if line == "" {
		return decode.Observations{}, decode.Errorf("syntax", "empty frame")
	}
	deviceID := ""
	if line[0] != '$' {
		i := strings.IndexByte(line, '$')
		if i < 0 {
			return decodeBare(line, f)
		}
		id, ok := prefixID(line[:i])
		if !ok {
			return decode.Observations{}, decode.Errorf("syntax", "unexpected text before '$': %q", clip(line[:i]))
		}
		deviceID, line = id, line[i:]
	}
	if strings.HasPrefix(line, "$IMEI") {
		return decodeIMEI(line, f, d.strict)
	}

	s, err := parse(d.parser, line)
	if err != nil && d.loose != nil && errors.Is(err, errChecksum) {
		if s, lerr := parse(d.loose, line); lerr == nil {
			if obs, oerr := d.observe(s, f, deviceID); oerr == nil && !obs.Empty() {
				return obs, decode.Errorf("checksum_mismatch", "accepted (checksum = \"lenient\"): %w", err)
			}
		}
	}
	if err != nil {
		return decode.Observations{}, classify(err)
	}
	if v, bad := nonDecimal(line); bad {
		return decode.Observations{}, decode.Errorf("invalid", "number field %q is not a plain decimal", clip(v))
	}
	return d.observe(s, f, deviceID)
}

// observe maps a parsed sentence to observations.
func (d *decoder) observe(s nmea.Sentence, f frame.Frame, deviceID string) (decode.Observations, error) {
	var obs decode.Observations
	switch v := s.(type) {
	case nmea.RMC, nmea.GGA, nmea.GNS, nmea.GLL:
		if !gnssTalker(s.TalkerID()) {
			return obs, decode.Errorf("unsupported", "talker %q is not a GNSS receiver", s.TalkerID())
		}
		fx, err := toFix(v, f)
		if err != nil {
			return obs, err
		}
		if deviceID != "" {
			fx.DeviceID = deviceID
		}
		obs.Fixes = append(obs.Fixes, fx)
	case nmea.VTG:
		// VTG repeats the speed and course of the RMC in the same burst and has
		// no position; a pure per-frame decoder cannot merge it, so it yields
		// nothing and is not counted as chatter either.
		return obs, nil
	case kenwood:
		return v.observe(f)
	case identity:
		obs.Identities = append(obs.Identities, v.identity(f))
	case nmea.ZDA:
		t, ok := zdaTime(v)
		if !ok {
			return obs, decode.Errorf("invalid", "ZDA date out of range: %q", clip(v.Raw))
		}
		obs.Times = append(obs.Times, decode.DeviceTime{Peer: f.Peer, DeviceID: deviceID, Time: t, Received: f.Received})
	default:
		return obs, decode.Ignored
	}
	return obs, nil
}

// classify maps a go-nmea or checksum error to a decode error with a reason.
func classify(err error) error {
	var ns *nmea.NotSupportedError
	switch {
	case errors.Is(err, errChecksum):
		return decode.Errorf("checksum", "%w", err)
	case errors.As(err, &ns):
		// A sentence radiogw does not decode (vendor chatter such as $PMTK
		// or $PSIWTXT, or a standard one without a position): counted under
		// its name, not an error of the device.
		return decode.Unsupported(ns.Prefix)
	case strings.Contains(err.Error(), " invalid "):
		// go-nmea reports field errors as "nmea: <prefix> invalid <field>: <value>".
		return decode.Errorf("invalid", "%w", err)
	}
	return decode.Errorf("syntax", "%w", err)
}

// zdaTime is the UTC date and time of a $GPZDA. Its local zone fields are
// for display only: the time itself is UTC.
func zdaTime(v nmea.ZDA) (time.Time, bool) {
	t := v.Time
	if !t.Valid || t.Hour > 23 || t.Minute > 59 || t.Second > 60 || v.Year < 1980 || v.Year > 9999 ||
		v.Month < 1 || v.Month > 12 || v.Day < 1 || v.Day > 31 {
		return time.Time{}, false
	}
	return time.Date(int(v.Year), time.Month(v.Month), int(v.Day), t.Hour, t.Minute, t.Second,
		t.Millisecond*int(time.Millisecond), time.UTC), true
}

// gnssTalker reports talker IDs of satellite receivers: GPS, combined GNSS,
// GLONASS, Galileo, BeiDou (two spellings), QZSS, NavIC, and IN, the
// integrated (GNSS with dead reckoning) navigation of vehicle receivers.
func gnssTalker(t string) bool {
	switch t {
	case "GP", "GN", "GL", "GA", "BD", "GB", "GQ", "GI", "IN":
		return true
	}
	return false
}

// clip shortens text quoted in error messages.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
