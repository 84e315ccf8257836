package nmea

import (
	"testing"

	"radiogw/gateway/codec/codectest"
	"radiogw/gateway/decode"
)

// TestGolden decodes every testdata/<case>/input as a line-framed stream
// (a serial receiver or a modem over TCP; case.json says where a case is
// a UDP datagram) and compares the reading with expected.json.
func TestGolden(t *testing.T) {
	codectest.Run(t, codectest.Config{New: New, Source: "nmea", Framing: "line", Reports: decode.SplitLines, MinCases: 10})
}
