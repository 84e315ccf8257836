package lines

import (
	"testing"

	"radiogw/gateway/codec/codectest"
	"radiogw/gateway/decode"
)

// TestGolden decodes every testdata/<case>/input as a decoder's serial
// output (line framing, no peer), with the built-in profile and channel its
// case.json names, and compares the reading with expected.json.
func TestGolden(t *testing.T) {
	codectest.Run(t, codectest.Config{New: New, Source: "console1", Framing: "line", NoPeer: true, Reports: decode.SplitLines,
		MinCases: 5, Options: func(c codectest.Case, o *decode.Options) error {
			o.Profile = decode.Profile{Name: c.Profile}
			return nil
		}})
}
