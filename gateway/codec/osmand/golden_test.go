package osmand

import (
	"testing"

	"radiogw/gateway/codec/codectest"
)

// TestGolden reads every testdata/<case>/input as raw HTTP requests, makes
// frames of them as an http source does (URL and form parameters without the
// token; a JSON body as it is), and compares the reading with expected.json.
func TestGolden(t *testing.T) {
	codectest.Run(t, codectest.Config{New: New, Source: "phones", Framing: codectest.HTTP, MinCases: 4})
}
