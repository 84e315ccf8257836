package lrrp

import (
	"math"
	"time"
)

// RadioPort is the UDP port a radio takes LRRP requests on, at its own
// address.
const RadioPort = 4001

// Requests radiogw sends to radios (UDP port 4001 at the radio's address).
// Every request asks for the accuracy and time of the fix (ret-info 0x51),
// the direction (0x57) and the speed (0x62), so reports come back as
// circle-2d + info-time + direction-hor + speed-hor.

// query appends the query-info elements shared by every request.
func query(dst []byte) []byte {
	return append(dst, 0x51, 0x57, 0x62)
}

func document(t DocType, requestID uint32, elems func([]byte) []byte) []byte {
	body := make([]byte, 0, 24)
	body = append(body, 0x22, 4, byte(requestID>>24), byte(requestID>>16), byte(requestID>>8), byte(requestID))
	if elems != nil {
		body = elems(body)
	}
	out := appendUintvar(make([]byte, 0, len(body)+4), uint32(t))
	out = appendUintvar(out, uint32(len(body)))
	return append(out, body...)
}

// ImmediateLocationRequest asks a radio for one location report now.
func ImmediateLocationRequest(requestID uint32) []byte {
	return document(DocImmediateLocationRequestNCDT, requestID, query)
}

// TriggeredLocationRequest asks a radio to report its location every interval
// until stopped (or until it powers off; radios re-register through ARS and
// need a new request then). The interval is sent in whole seconds, at least 1.
func TriggeredLocationRequest(requestID uint32, interval time.Duration) []byte {
	secs := math.Round(interval.Seconds())
	switch {
	case secs < 1:
		secs = 1
	case secs > math.MaxUint32:
		secs = math.MaxUint32
	}
	return document(DocTriggeredLocationStartRequestNCDT, requestID, func(b []byte) []byte {
		b = query(b)
		b = append(b, 0x34, 0x31) // periodic-trigger, interval
		return appendUintvar(b, uint32(secs))
	})
}

// TriggeredLocationStopRequest cancels a triggered request by its ID.
func TriggeredLocationStopRequest(requestID uint32) []byte {
	return document(DocTriggeredLocationStopRequestNCDT, requestID, nil)
}

// SuccessAnswer is a radio's answer to a request, with result 0 (success),
// as the simulator sends it.
func SuccessAnswer(doc DocType, requestID uint32) []byte {
	return document(doc, requestID, func(b []byte) []byte { return append(b, 0x38) })
}

// Report is a location report as a radio sends it, for the simulator and
// tests: radiogw itself only decodes reports.
type Report struct {
	Triggered bool   // a triggered report carrying RequestID; otherwise unsolicited
	RequestID uint32 // for triggered reports
	Time      time.Time
	Lat, Lon  float64 // WGS84 degrees
	RadiusM   float64 // accuracy circle
	SpeedKmh  float64
	Heading   float64 // degrees true
}

// AppendReport appends r's document, element by element as Parse reads it:
//
//	<doc id> <length> [22 04 <request id>] 34 <info-time, 5 bytes>
//	51 <lat u32> <lon u32> <radius ufloatvar> 56 <direction/2> 6C <speed ufloatvar>
func AppendReport(dst []byte, r Report) []byte {
	var body [48]byte
	e := body[:0]
	doc := DocUnsolicitedLocationReportNCDT
	if r.Triggered {
		doc = DocTriggeredLocationReportNCDT
		id := r.RequestID
		e = append(e, 0x22, 4, byte(id>>24), byte(id>>16), byte(id>>8), byte(id))
	}
	e = appendInfoTime(append(e, 0x34), r.Time)
	la, lo := encodeLatitude(r.Lat), encodeLongitude(r.Lon)
	e = append(e, 0x51, byte(la>>24), byte(la>>16), byte(la>>8), byte(la), byte(lo>>24), byte(lo>>16), byte(lo>>8), byte(lo))
	e = appendUfloatvar(e, r.RadiusM)
	e = append(e, 0x56, byte(int(math.Round(r.Heading/2))%180))
	e = appendUfloatvar(append(e, 0x6C), r.SpeedKmh/3.6)
	dst = appendUintvar(dst, uint32(doc))
	dst = appendUintvar(dst, uint32(len(e)))
	return append(dst, e...)
}
