package decode

import (
	"strings"
	"testing"
)

// A store-and-forward datagram with several reports yields each of them; a
// '<' inside a console line is text, not a TAIP report end.
func TestSplit(t *testing.T) {
	cases := []struct {
		in   string
		end  byte
		want []string
	}{
		{"$GPRMC,1*00\r\n$GPRMC,2*00\r\n", 0, []string{"$GPRMC,1*00", "$GPRMC,2*00"}},
		{"$GPRMC,1*00", 0, []string{"$GPRMC,1*00"}},
		{"EMERG 7<b>\n", 0, []string{"EMERG 7<b>"}},
		{">RPV1;ID=1;*00<>RPV2;ID=1;*00<", '<', []string{">RPV1;ID=1;*00<", ">RPV2;ID=1;*00<"}},
		{">RPV1;ID=1;*00<\r\n>RPV2;ID=1;*00<\r\n", '<', []string{">RPV1;ID=1;*00<", ">RPV2;ID=1;*00<"}},
		{"\r\n\r\n", '<', nil},
	}
	for _, c := range cases {
		var got []string
		for _, p := range SplitAfter([]byte(c.in), c.end) {
			got = append(got, string(p))
		}
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%q end %q: %q, want %q", c.in, c.end, got, c.want)
		}
	}
}
