package runtime

import (
	"strings"
	"testing"
)

// A store-and-forward datagram with several reports yields each of them.
func TestSplitReports(t *testing.T) {
	cases := map[string][]string{
		"$GPRMC,1*00\r\n$GPRMC,2*00\r\n":         {"$GPRMC,1*00", "$GPRMC,2*00"},
		"$GPRMC,1*00":                            {"$GPRMC,1*00"},
		">RPV1;ID=1;*00<>RPV2;ID=1;*00<":         {">RPV1;ID=1;*00<", ">RPV2;ID=1;*00<"},
		">RPV1;ID=1;*00<\r\n>RPV2;ID=1;*00<\r\n": {">RPV1;ID=1;*00<", ">RPV2;ID=1;*00<"},
		"\r\n\r\n":                               nil,
	}
	for in, want := range cases {
		var got []string
		for _, p := range splitReports([]byte(in)) {
			got = append(got, string(p))
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
