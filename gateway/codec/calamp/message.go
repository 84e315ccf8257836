package calamp

import (
	"encoding/binary"
	"encoding/hex"
	"strings"
	"time"

	"radiogw/gateway/decode"
)

// Service types of the message header.
const (
	ServiceUnacknowledged = 0 // the device wants no answer
	ServiceAcknowledged   = 1 // the device repeats the message until it is acknowledged
	ServiceResponse       = 2 // an answer to an acknowledged request (radiogw's acks)
)

// Message types radiogw reads or sends.
const (
	TypeNull            = 0
	TypeAck             = 1
	TypeEventReport     = 2
	TypeIDReport        = 3
	TypeUserData        = 4
	TypeApplicationData = 5
	TypeLocateReport    = 8
	TypeMiniEventReport = 10
)

// Options-header bits (the first byte when its top bit is set).
const (
	optMobileID     = 1 << 0
	optMobileIDType = 1 << 1
	optAuth         = 1 << 2
	optRouting      = 1 << 3
	optForwarding   = 1 << 4
	optRedirect     = 1 << 5
	optExtension    = 1 << 6
	optPresent      = 1 << 7
)

// Fix status bits of a full report.
const (
	FixPredicted    = 1 << 0
	FixDifferential = 1 << 1
	FixLastKnown    = 1 << 2
	FixInvalid      = 1 << 3
	Fix2D           = 1 << 4
	FixHistoric     = 1 << 5
	FixInvalidTime  = 1 << 6
)

// miniFixInvalid is the invalid-fix bit of a mini event report's combined
// fix status and satellites byte (satellites in the low nibble).
const miniFixInvalid = 0x20

// MaxMobileID is the longest mobile ID accepted, in bytes (an IMEI or MEID
// takes 8; the field's length byte allows 255).
const MaxMobileID = 16

// Message is one LM Direct message.
type Message struct {
	// Options header; all zero when the message has none.
	Options         byte   `json:"options"`
	MobileID        string `json:"mobile_id,omitempty"` // hex digits, F padding removed
	MobileIDType    int    `json:"mobile_id_type"`      // -1 when not sent
	Auth            []byte `json:"auth,omitempty"`
	Routing         []byte `json:"routing,omitempty"`
	Forwarding      []byte `json:"forwarding,omitempty"`
	Redirect        []byte `json:"redirect,omitempty"` // response redirection (address, port): read, not honoured
	OptionExtension []byte `json:"option_extension,omitempty"`

	Service  int     `json:"service"`
	Type     int     `json:"type"`
	Sequence uint16  `json:"sequence"`
	Report   *Report `json:"report,omitempty"` // for the types that carry a position
}

// Report is the position part of an event, locate, user data or mini event
// report. Fields a mini event report lacks stay zero (AltitudeM and HDOP are
// then meaningless; Mini says so).
type Report struct {
	Mini       bool      `json:"mini,omitempty"`
	UpdateTime time.Time `json:"update_time"`
	FixTime    time.Time `json:"fix_time"` // the update time in a mini event report
	Lat        float64   `json:"lat"`
	Lon        float64   `json:"lon"`
	AltitudeM  float64   `json:"altitude_m"`
	SpeedKmh   float64   `json:"speed_kmh"`
	Heading    int       `json:"heading"`
	Satellites int       `json:"satellites"`
	FixStatus  int       `json:"fix_status"`
	Carrier    int       `json:"carrier"`
	RSSI       int       `json:"rssi"`
	CommState  int       `json:"comm_state"`
	HDOP       float64   `json:"hdop"`
	Inputs     int       `json:"inputs"`
	UnitStatus int       `json:"unit_status"`
	EventIndex int       `json:"event_index"`
	EventCode  int       `json:"event_code"`
	// HasEvent is set for event and mini event reports, which name an event.
	HasEvent     bool     `json:"has_event"`
	Accumulators []uint32 `json:"accumulators,omitempty"`
	UserData     []byte   `json:"user_data,omitempty"`
}

// Valid reports whether the device said its fix is valid.
func (r *Report) Valid() bool {
	if r.Mini {
		return r.FixStatus&miniFixInvalid == 0
	}
	return r.FixStatus&FixInvalid == 0
}

// Ignition is input 0, wired to the ignition on every LMU.
func (r *Report) Ignition() bool { return r.Inputs&1 != 0 }

// Position is where the report says the unit is, for the types that carry one.
func (m *Message) hasPosition() bool {
	switch m.Type {
	case TypeEventReport, TypeLocateReport, TypeUserData, TypeMiniEventReport:
		return true
	}
	return false
}

// reader walks a frame; a read past its end sets short instead of panicking.
type reader struct {
	b     []byte
	short bool
}

func (r *reader) take(n int) []byte {
	if r.short || n > len(r.b) {
		r.short = true
		return make([]byte, n)
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) u8() int       { return int(r.take(1)[0]) }
func (r *reader) u16() int      { return int(binary.BigEndian.Uint16(r.take(2))) }
func (r *reader) s16() int      { return int(int16(binary.BigEndian.Uint16(r.take(2)))) }
func (r *reader) u32() uint32   { return binary.BigEndian.Uint32(r.take(4)) }
func (r *reader) s32() int32    { return int32(binary.BigEndian.Uint32(r.take(4))) }
func (r *reader) field() []byte { return r.take(r.u8()) }

// Parse reads one LM Direct message. Message types without a position are
// parsed as far as the header; their body is left alone.
func Parse(b []byte) (Message, error) {
	m := Message{MobileIDType: -1}
	r := reader{b: b}
	if len(b) > 0 && b[0]&optPresent != 0 {
		if err := m.parseOptions(&r); err != nil {
			return m, err
		}
	}
	m.Service = r.u8()
	m.Type = r.u8()
	m.Sequence = uint16(r.u16())
	if r.short {
		return m, decode.Errorf("syntax", "calamp: %d bytes end inside the message header", len(b))
	}
	if m.Service > ServiceResponse {
		return m, decode.Errorf("syntax", "calamp: service type %d", m.Service)
	}
	if !m.hasPosition() {
		return m, nil
	}
	rep, err := parseReport(&r, m.Type)
	if err != nil {
		return m, err
	}
	m.Report = rep
	return m, nil
}

func (m *Message) parseOptions(r *reader) error {
	m.Options = byte(r.u8())
	if m.Options&optMobileID != 0 {
		id := r.field()
		if len(id) > MaxMobileID {
			return decode.Errorf("invalid", "calamp: mobile ID of %d bytes", len(id))
		}
		m.MobileID = strings.TrimRight(hex.EncodeToString(id), "f")
	}
	if m.Options&optMobileIDType != 0 {
		if t := r.field(); len(t) > 0 {
			m.MobileIDType = int(t[0])
		}
	}
	for _, f := range []struct {
		bit byte
		dst *[]byte
	}{{optAuth, &m.Auth}, {optRouting, &m.Routing}, {optForwarding, &m.Forwarding},
		{optRedirect, &m.Redirect}, {optExtension, &m.OptionExtension}} {
		if m.Options&f.bit != 0 {
			*f.dst = append([]byte(nil), r.field()...)
		}
	}
	if r.short {
		return decode.Errorf("syntax", "calamp: the options header runs past the frame")
	}
	return nil
}

func epoch(v uint32) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(int64(v), 0).UTC()
}

func parseReport(r *reader, typ int) (*Report, error) {
	rep := &Report{Mini: typ == TypeMiniEventReport}
	rep.UpdateTime = epoch(r.u32())
	if rep.Mini {
		rep.FixTime = rep.UpdateTime
	} else {
		rep.FixTime = epoch(r.u32())
	}
	rep.Lat = float64(r.s32()) / 1e7
	rep.Lon = float64(r.s32()) / 1e7
	if rep.Mini {
		rep.Heading = r.u16()
		rep.SpeedKmh = float64(r.u8())
		fs := r.u8()
		rep.Satellites, rep.FixStatus = fs&0x0f, fs&0xf0
		rep.CommState = r.u8()
		rep.Inputs = r.u8()
		rep.EventCode, rep.HasEvent = r.u8(), true
	} else {
		rep.AltitudeM = float64(r.s32()) / 100
		rep.SpeedKmh = float64(r.u32()) * 0.036 // cm/s
		rep.Heading = r.u16()
		rep.Satellites = r.u8()
		rep.FixStatus = r.u8()
		rep.Carrier = r.u16()
		rep.RSSI = r.s16()
		rep.CommState = r.u8()
		rep.HDOP = float64(r.u8()) / 10
		rep.Inputs = r.u8()
		rep.UnitStatus = r.u8()
		if typ == TypeEventReport {
			rep.EventIndex = r.u8()
			rep.EventCode, rep.HasEvent = r.u8(), true
		}
	}
	if r.short {
		return nil, decode.Errorf("syntax", "calamp: message type %d ends inside its position", typ)
	}
	switch typ {
	case TypeUserData:
		r.u8() // message route
		r.u8() // message ID
		n := r.u16()
		if !r.short && n <= len(r.b) {
			rep.UserData = append([]byte(nil), r.take(n)...)
		}
	default:
		rep.Accumulators = accumulators(r, !rep.Mini)
	}
	return rep, nil
}

// accumulators reads the accumulator list after a report's event, as far as
// the frame holds it: the count byte's top two bits give the list's format
// (1 adds a threshold and a mask before the values); a full report has a
// spare byte after the count.
func accumulators(r *reader, spare bool) []uint32 {
	if len(r.b) == 0 {
		return nil
	}
	head := r.u8()
	if spare {
		r.u8()
	}
	if head>>6 == 1 {
		r.take(8)
	}
	var out []uint32
	for range head & 0x3f {
		if r.short || len(r.b) < 4 {
			break
		}
		out = append(out, r.u32())
	}
	return out
}
