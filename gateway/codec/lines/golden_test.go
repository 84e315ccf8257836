package lines

import (
	"testing"

	"radiogw/gateway/codec"
	"radiogw/gateway/codec/codectest"
)

// TestGolden decodes every testdata/<case>/input as a decoder's serial
// output (line framing, no peer), with the built-in profile and channel its
// case.json names, and compares the reading with expected.json.
func TestGolden(t *testing.T) {
	codectest.Run(t, codectest.Config{New: New, Source: "console1", Framing: "line", NoPeer: true, Reports: codec.SplitLines,
		MinCases: 5, Options: func(c codectest.Case, o *codec.Options) error {
			o.Profile = codec.Profile{Name: c.Profile}
			return nil
		}})
}
