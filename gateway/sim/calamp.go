package sim

import (
	"time"

	"radiogw/gateway/codec/calamp"
)

// minMobileID is the shortest AVL ID taken for a CalAmp mobile ID: an ESN
// has 10 digits, an IMEI 15.
const minMobileID = 10

// isMobileID reports whether id looks like a CalAmp unit's ESN or IMEI.
func isMobileID(id string) bool {
	if len(id) < minMobileID || len(id) > 2*calamp.MaxMobileID {
		return false
	}
	for _, c := range id {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// appendCalAmp appends an LM Direct event report as an LMU sends it: mobile
// ID (an ESN), acknowledged service (radiogw answers with an ack), the
// unit's report count as sequence number, event code 1 (a timed report),
// ignition on.
func appendCalAmp(b []byte, u *unit, t time.Time, lat, lon, speedKmh, heading float64) []byte {
	msg, err := calamp.Encode(calamp.Message{MobileID: u.AVLID, MobileIDType: 1, Service: calamp.ServiceAcknowledged,
		Type: calamp.TypeEventReport, Sequence: uint16(u.reports),
		Report: &calamp.Report{UpdateTime: t, FixTime: t, Lat: lat, Lon: lon, SpeedKmh: speedKmh,
			Heading: int(heading+0.5) % 360, Satellites: 9, HDOP: 0.9, RSSI: -70, CommState: 0x0f, Inputs: 1,
			EventIndex: 1, EventCode: 1, HasEvent: true}})
	if err != nil {
		return b // validate admits only IDs Encode takes
	}
	return append(b, msg...)
}
