package taip

import (
	"testing"

	"radiogw/gateway/codec/codectest"
)

// TestGolden decodes every testdata/<case>/input as UDP datagrams (an
// AirLink modem's TAIP reports; several reports in one datagram are cut
// apart as the runtime does) or, where case.json says, as a serial or TCP
// stream in the taip framing, and compares the reading with expected.json.
func TestGolden(t *testing.T) {
	codectest.Run(t, codectest.Config{New: New, Source: "taip", Framing: codectest.Datagram, Reports: SplitDatagram, MinCases: 8})
}
