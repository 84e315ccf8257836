package trunkrecorder

import "testing"

func TestJSONNumber(t *testing.T) {
	for s, want := range map[string]bool{"0": true, "-12.5": true, "851012500": true, "8.5e8": true, "1E-3": true,
		"0x1p-2": false, "0X10": false, "inf": false, "NaN": false, "1_000": false, "+1": false, ".5": false, "1.": false,
		"": false, "1e": false} {
		if got := jsonNumber(s); got != want {
			t.Errorf("jsonNumber(%q) = %v, want %v", s, got, want)
		}
	}
}
