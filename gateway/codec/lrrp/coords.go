package lrrp

import "time"

// latitude decodes the 32-bit LRRP latitude: bit 31 is the sign (set = south)
// and the other 31 bits the magnitude in units of 90/2^31 degrees, as in the
// 3GPP GAD shapes LRRP borrows from. It is not two's complement: 0x80000001
// is just south of the equator, not near the south pole.
func latitude(raw uint32) float64 {
	lat := float64(raw&0x7fffffff) * 90 / (1 << 31)
	if raw&0x80000000 != 0 {
		lat = -lat
	}
	return lat
}

// longitude decodes the 32-bit LRRP longitude: two's complement in units of
// 360/2^32 degrees, so the result lies in [-180, 180).
func longitude(raw uint32) float64 {
	return float64(int32(raw)) * 360 / (1 << 32)
}

// encodeLatitude and encodeLongitude are the inverses, used by tests and the
// simulator to build reports.
func encodeLatitude(lat float64) uint32 {
	var sign uint32
	if lat < 0 {
		sign, lat = 0x80000000, -lat
	}
	v := lat * (1 << 31) / 90
	if v > 0x7fffffff {
		v = 0x7fffffff
	}
	return sign | uint32(v+0.5)
}

func encodeLongitude(lon float64) uint32 {
	v := lon * (1 << 32) / 360
	if v >= 0 {
		v += 0.5
	} else {
		v -= 0.5
	}
	return uint32(int32(v))
}

// infoTime decodes the 5-byte info-time: year(14) month(4) day(5) hour(5)
// minute(6) second(6), most significant first, in UTC.
func infoTime(b []byte) (time.Time, bool) {
	v := uint64(b[0])<<32 | uint64(b[1])<<24 | uint64(b[2])<<16 | uint64(b[3])<<8 | uint64(b[4])
	year := int(v >> 26)
	month := int(v >> 22 & 0x0f)
	day := int(v >> 17 & 0x1f)
	hour := int(v >> 12 & 0x1f)
	minute := int(v >> 6 & 0x3f)
	second := int(v & 0x3f)
	if month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, second, 0, time.UTC)
	if t.Day() != day { // 31 February and friends normalise into the next month
		return time.Time{}, false
	}
	return t, true
}

func appendInfoTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	v := uint64(t.Year())<<26 | uint64(t.Month())<<22 | uint64(t.Day())<<17 |
		uint64(t.Hour())<<12 | uint64(t.Minute())<<6 | uint64(t.Second())
	return append(dst, byte(v>>32), byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}
