package trunkrecorder

import (
	"testing"

	"radiogw/gateway/codec/codectest"
)

// TestGolden decodes every testdata/<case>/input as MQTT messages, one
// "<topic> <payload>" a line, the topic as the frame's peer (as an mqtt
// source hands them over), and compares the reading with expected.json.
func TestGolden(t *testing.T) {
	codectest.Run(t, codectest.Config{New: New, Source: "trunk", Framing: codectest.MQTT, MinCases: 4})
}
