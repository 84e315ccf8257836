package traccar

import (
	"testing"

	"radiogw/gateway/codec/codectest"
)

// TestGolden reads every testdata/<case>/input as the raw HTTP POSTs of a
// Traccar server's JSON forwarder (or, where case.json says, MQTT messages)
// and compares the reading with expected.json.
func TestGolden(t *testing.T) {
	codectest.Run(t, codectest.Config{New: New, Source: "traccar", Framing: codectest.HTTP, MinCases: 3})
}
