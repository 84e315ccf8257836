package ars

import "time"

// Messages the server sends back to a radio's ARS port (UDP 4005 at the
// radio's address).

// RegistrationAck is the positive acknowledgement a radio expects after a
// device registration; radios repeat a registration that goes unanswered.
// refresh asks the radio to re-register after that long, in 30-minute steps
// rounded up (at most 127 steps); refresh <= 0 sends the short form without a
// refresh time.
//
// RegistrationAck(30*time.Minute) is 00 02 BF 01; RegistrationAck(0) is 00 01 3F.
func RegistrationAck(refresh time.Duration) []byte {
	if refresh <= 0 {
		// priority + control, type response, acknowledged bit clear = success
		return []byte{0x00, 0x01, 0x3F}
	}
	steps := (refresh + refreshUnit - 1) / refreshUnit
	if steps > 0x7f {
		steps = 0x7f
	}
	// as above plus "more headers": the refresh time follows
	return []byte{0x00, 0x02, 0xBF, byte(steps)}
}

// QueryRequest asks a radio to confirm its registration; it answers with a
// response (success) if it is still there.
func QueryRequest() []byte {
	// acknowledged + priority + control, type query
	return []byte{0x00, 0x01, 0x74}
}
