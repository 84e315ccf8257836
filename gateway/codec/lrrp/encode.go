package lrrp

import (
	"math"
	"time"
)

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
