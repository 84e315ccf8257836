package sim

import (
	"math"
	"time"

	"radiogw/gateway/codec/lrrp"
)

// LRRP report encoding. radiogw's lrrp package encodes only the requests a
// server sends, so the radio side lives here, element by element as
// gateway/codec/lrrp parses it:
//
//	<doc id> <length> [22 04 <request id>] 34 <info-time, 5 bytes>
//	51 <lat u32> <lon u32> <radius ufloatvar> 56 <direction/2> 6C <speed ufloatvar>

// appendLRRPReport appends a location report: a triggered report carrying
// requestID when the radio was asked for one, otherwise an unsolicited one.
func appendLRRPReport(b []byte, triggered bool, requestID uint32, t time.Time, lat, lon, speedKmh, heading float64) []byte {
	var body [48]byte
	e := body[:0]
	doc := lrrp.DocUnsolicitedLocationReportNCDT
	if triggered {
		doc = lrrp.DocTriggeredLocationReportNCDT
		e = append(e, 0x22, 4, byte(requestID>>24), byte(requestID>>16), byte(requestID>>8), byte(requestID))
	}
	e = append(e, 0x34)
	e = appendInfoTime(e, t)
	e = append(e, 0x51)
	la, lo := lrrpLatitude(lat), lrrpLongitude(lon)
	e = append(e, byte(la>>24), byte(la>>16), byte(la>>8), byte(la), byte(lo>>24), byte(lo>>16), byte(lo>>8), byte(lo))
	e = appendUfloatvar(e, 5) // radius: 5 m, a good GPS fix
	e = append(e, 0x56, byte(int(math.Round(heading/2))%180))
	e = append(e, 0x6C)
	e = appendUfloatvar(e, speedKmh/3.6)
	b = appendUintvar(b, uint32(doc))
	b = appendUintvar(b, uint32(len(e)))
	return append(b, e...)
}

// lrrpLatitude is sign-magnitude in units of 90/2^31 degrees.
func lrrpLatitude(lat float64) uint32 {
	var sign uint32
	if lat < 0 {
		sign, lat = 0x80000000, -lat
	}
	return sign | uint32(math.Min(lat*(1<<31)/90+0.5, 0x7fffffff))
}

// lrrpLongitude is two's complement in units of 360/2^32 degrees.
func lrrpLongitude(lon float64) uint32 {
	return uint32(int32(math.Round(lon * (1 << 32) / 360)))
}

// appendInfoTime packs year(14) month(4) day(5) hour(5) minute(6) second(6).
func appendInfoTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	v := uint64(t.Year())<<26 | uint64(t.Month())<<22 | uint64(t.Day())<<17 |
		uint64(t.Hour())<<12 | uint64(t.Minute())<<6 | uint64(t.Second())
	return append(b, byte(v>>32), byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

// appendUintvar is MBXML's big-endian base-128 integer.
func appendUintvar(b []byte, v uint32) []byte {
	var tmp [5]byte
	i := len(tmp) - 1
	tmp[i] = byte(v & 0x7f)
	for v >>= 7; v != 0; v >>= 7 {
		i--
		tmp[i] = byte(v&0x7f) | 0x80
	}
	return append(b, tmp[i:]...)
}

// appendUfloatvar is an integer uintvar plus a one-byte fraction in 1/128.
func appendUfloatvar(b []byte, v float64) []byte {
	if v < 0 {
		v = 0
	}
	i := math.Floor(v)
	f := int(math.Round((v - i) * 128))
	if f > 127 {
		f = 127
	}
	return append(appendUintvar(b, uint32(i)), byte(f))
}

// appendARSRegister appends a MOTOTRBO ARS device registration (the message
// a radio sends to port 4005 on power-up): a 2-byte size, header 0xF0
// (extended, acknowledge wanted, priority, control-user, PDU 0 registration),
// extension 0x20 (initial event), then the device ID, an empty user ID and
// an empty password, each length-prefixed.
func appendARSRegister(b []byte, deviceID string) []byte {
	size := 2 + 1 + len(deviceID) + 2
	b = append(b, byte(size>>8), byte(size), 0xF0, 0x20, byte(len(deviceID)))
	b = append(b, deviceID...)
	return append(b, 0, 0)
}
