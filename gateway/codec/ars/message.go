package ars

import (
	"time"
	"unicode"
	"unicode/utf8"

	"radiogw/gateway/decode"
)

// PDUType is the low nibble of the first header byte.
type PDUType uint8

// ARS PDU types.
const (
	PDUDeviceRegistration     PDUType = 0x0 // radio -> server, carries the radio's ID string
	PDUDeviceDeregistration   PDUType = 0x1 // radio -> server, radio going away
	PDUQueryRequest           PDUType = 0x4 // server -> radio, "are you there"
	PDUUserRegistration       PDUType = 0x5 // radio -> server, a user logged on at the radio
	PDUUserDeregistration     PDUType = 0x6
	PDUUserRegistrationAnswer PDUType = 0x7 // server -> radio
	PDUResponse               PDUType = 0xF // either way: ack/nak of a registration or query
)

var pduNames = map[PDUType]string{
	PDUDeviceRegistration: "device-registration", PDUDeviceDeregistration: "device-deregistration",
	PDUQueryRequest: "query-request", PDUUserRegistration: "user-registration",
	PDUUserDeregistration: "user-deregistration", PDUUserRegistrationAnswer: "user-registration-answer",
	PDUResponse: "response",
}

func (t PDUType) String() string {
	if n, ok := pduNames[t]; ok {
		return n
	}
	return "pdu-" + string("0123456789ABCDEF"[t&0xf])
}

// Event says why a radio registers.
type Event uint8

const (
	EventNone    Event = 0 // no registration header, or "don't care" (user registration)
	EventInitial Event = 1 // power-up, channel change into coverage
	EventRefresh Event = 2 // periodic refresh of an existing registration
)

// refreshUnit is the step of the refresh/session time in responses.
const refreshUnit = 30 * time.Minute

// Message is one decoded ARS message. Passwords from user registrations are
// deliberately not kept.
type Message struct {
	Type PDUType

	// Header flags. For PDUResponse, Acknowledged set means failure (a NAK).
	MoreHeaders, Acknowledged, Priority, Control bool

	Event    Event  // registrations with a second header
	DeviceID string // device and user registrations: the radio's ID as text
	UserID   string // user registrations

	// Responses with a second header: Refresh on success (0 when the
	// registration needs no refresh), FailureReason on failure.
	Refresh       time.Duration
	FailureReason uint8

	// CSBK is set when the message ends with the 0x10 0x80 trailer of ARS
	// carried in control signalling blocks.
	CSBK bool
}

// Success reports whether a response acknowledges positively.
func (m *Message) Success() bool { return m.Type == PDUResponse && !m.Acknowledged }

// maxIDLen bounds device and user IDs; MOTOTRBO IDs are short decimal strings.
const maxIDLen = 64

// Parse decodes one ARS message: a 2-byte big-endian length, then that many
// bytes of PDU. Bytes after the declared length are ignored.
func Parse(b []byte) (Message, error) {
	var m Message
	if len(b) < 3 {
		return m, decode.Errorf("syntax", "ars: %d-byte datagram is shorter than a header", len(b))
	}
	n := int(b[0])<<8 | int(b[1])
	if n == 0 || n > len(b)-2 {
		return m, decode.Errorf("syntax", "ars: length %d, datagram carries %d bytes", n, len(b)-2)
	}
	p := b[2 : 2+n]
	h := p[0]
	m.MoreHeaders, m.Acknowledged, m.Priority, m.Control = h&0x80 != 0, h&0x40 != 0, h&0x20 != 0, h&0x10 != 0
	m.Type = PDUType(h & 0x0f)
	m.CSBK = len(p) >= 3 && p[len(p)-2] == 0x10 && p[len(p)-1] == 0x80
	rest := p[1:]
	switch m.Type {
	case PDUDeviceRegistration, PDUUserRegistration:
		return m, m.registration(rest)
	case PDUResponse:
		if m.MoreHeaders {
			if len(rest) == 0 {
				return m, decode.Errorf("syntax", "ars: response announces a second header it lacks")
			}
			v := rest[0] & 0x7f
			if m.Acknowledged {
				m.FailureReason = v
			} else {
				m.Refresh = time.Duration(v) * refreshUnit
			}
		}
		return m, nil
	case PDUDeviceDeregistration, PDUQueryRequest, PDUUserDeregistration, PDUUserRegistrationAnswer:
		return m, nil
	}
	return m, decode.Errorf("unsupported", "ars: unknown PDU type 0x%X", uint8(m.Type))
}

// registration reads [header...] LV(device id) [LV(user id) [LV(password)]].
// Each extra header byte has bit 7 set when another header follows.
func (m *Message) registration(b []byte) error {
	if m.MoreHeaders {
		if len(b) == 0 {
			return decode.Errorf("syntax", "ars: %s announces a second header it lacks", m.Type)
		}
		m.Event = Event(b[0] >> 5 & 0x3)
		for more := b[0]&0x80 != 0; ; more = b[0]&0x80 != 0 {
			b = b[1:]
			if !more {
				break
			}
			if len(b) == 0 {
				return decode.Errorf("syntax", "ars: %s: truncated header chain", m.Type)
			}
		}
	}
	dev, b, ok := lv(b)
	if !ok {
		return decode.Errorf("syntax", "ars: %s: truncated device ID", m.Type)
	}
	user, b, ok := lv(b)
	if !ok {
		return decode.Errorf("syntax", "ars: %s: truncated user ID", m.Type)
	}
	if _, _, ok = lv(b); !ok {
		return decode.Errorf("syntax", "ars: %s: truncated password", m.Type)
	}
	if err := checkID("device ID", dev); err != nil {
		return err
	}
	if err := checkID("user ID", user); err != nil {
		return err
	}
	m.DeviceID, m.UserID = string(dev), string(user)
	return nil
}

// lv reads a length-prefixed value. An absent field (no bytes left) reads as
// empty: radios omit trailing empty user/password fields.
func lv(b []byte) (val, rest []byte, ok bool) {
	if len(b) == 0 {
		return nil, b, true
	}
	n := int(b[0])
	if n > len(b)-1 {
		return nil, b, false
	}
	return b[1 : 1+n], b[1+n:], true
}

func checkID(what string, id []byte) error {
	if len(id) > maxIDLen {
		return decode.Errorf("invalid", "ars: %s of %d bytes", what, len(id))
	}
	if !utf8.Valid(id) {
		return decode.Errorf("invalid", "ars: %s is not UTF-8", what)
	}
	for _, r := range string(id) {
		if !unicode.IsPrint(r) {
			return decode.Errorf("invalid", "ars: %s %q has unprintable characters", what, id)
		}
	}
	return nil
}
