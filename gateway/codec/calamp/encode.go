package calamp

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
)

// Ack is the acknowledgement of an acknowledged request: service type
// "response", message type 1, the request's sequence number, then the
// acknowledged message type, ACK (0), a spare byte and a three-byte
// application version (0). It carries no options header.
func Ack(seq uint16, msgType int) []byte {
	return []byte{ServiceResponse, TypeAck, byte(seq >> 8), byte(seq), byte(msgType), 0, 0, 0, 0, 0}
}

// Encode builds the LM Direct bytes of m, as an LMU sends them (the
// simulator's CalAmp units and the tests use it). The options header holds
// the mobile ID and, when MobileIDType >= 0, its type; m.Report is written
// in the layout of m.Type.
func Encode(m Message) ([]byte, error) {
	var b []byte
	if m.MobileID != "" || m.MobileIDType >= 0 {
		opts := byte(optPresent)
		var body []byte
		if m.MobileID != "" {
			id := m.MobileID
			if len(id)%2 == 1 {
				id += "f" // BCD padding
			}
			raw, err := hex.DecodeString(id)
			if err != nil || len(raw) > MaxMobileID {
				return nil, fmt.Errorf("calamp: mobile ID %q is not up to %d bytes of hex digits", m.MobileID, MaxMobileID)
			}
			opts |= optMobileID
			body = append(append(body, byte(len(raw))), raw...)
		}
		if m.MobileIDType >= 0 {
			opts |= optMobileIDType
			body = append(body, 1, byte(m.MobileIDType))
		}
		b = append(append(b, opts), body...)
	}
	b = append(b, byte(m.Service), byte(m.Type), byte(m.Sequence>>8), byte(m.Sequence))
	r := m.Report
	if r == nil {
		return b, nil
	}
	u32 := func(v uint32) { b = binary.BigEndian.AppendUint32(b, v) }
	u16 := func(v int) { b = binary.BigEndian.AppendUint16(b, uint16(v)) }
	deg := func(v float64) { u32(uint32(int32(math.Round(v * 1e7)))) }
	u32(uint32(r.UpdateTime.Unix()))
	if m.Type == TypeMiniEventReport {
		deg(r.Lat)
		deg(r.Lon)
		u16(r.Heading)
		b = append(b, byte(min(255, math.Round(r.SpeedKmh))), byte(r.FixStatus&0xf0|min(r.Satellites, 15)),
			byte(r.CommState), byte(r.Inputs), byte(r.EventCode))
		return appendAccumulators(b, r.Accumulators, false), nil
	}
	u32(uint32(r.FixTime.Unix()))
	deg(r.Lat)
	deg(r.Lon)
	u32(uint32(int32(math.Round(r.AltitudeM * 100))))
	u32(uint32(math.Round(r.SpeedKmh / 0.036)))
	u16(r.Heading)
	b = append(b, byte(r.Satellites), byte(r.FixStatus))
	u16(r.Carrier)
	u16(r.RSSI)
	b = append(b, byte(r.CommState), byte(math.Round(r.HDOP*10)), byte(r.Inputs), byte(r.UnitStatus))
	switch m.Type {
	case TypeEventReport:
		b = append(b, byte(r.EventIndex), byte(r.EventCode))
		b = appendAccumulators(b, r.Accumulators, true)
	case TypeLocateReport:
		b = appendAccumulators(b, r.Accumulators, true)
	case TypeUserData:
		b = append(b, 0, 0)
		u16(len(r.UserData))
		b = append(b, r.UserData...)
	}
	return b, nil
}

func appendAccumulators(b []byte, acc []uint32, spare bool) []byte {
	b = append(b, byte(min(len(acc), 0x3f)))
	if spare {
		b = append(b, 0)
	}
	for _, v := range acc[:min(len(acc), 0x3f)] {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	return b
}
