package channels

import "testing"

func TestNormalizeRadioID(t *testing.T) {
	for _, tc := range []struct {
		system, in, want string
		ok               bool
	}{
		{"mdc1200", "1a", "001A", true},
		{"mdc1200", "D00D", "D00D", true},
		{"MDC1200", " 0042 ", "0042", true},
		{"mdc1200", "12345", "", false},
		{"mdc1200", "XYZ", "", false},
		{"star", "0123", "123", true},
		{"p25", "849183", "849183", true},
		{"p25", "-5", "", false},
		{"fleetsync", "100-1001", "100-1001", true},
		{"fleetsync", "0100-01001", "100-1001", true},
		{"fleetsync", "1001", "1001", true},
		{"fleetsync", "a-1", "", false},
		{"selcall", "12E45", "12245", true},
		{"zvei", "e1234", "E1234", true},
		{"selcall", "12G45", "", false},
		{"kenwood", "U-12", "U-12", true},
		{"", "   ", "", false},
		{"", "a\x00b", "", false},
	} {
		got, ok := NormalizeRadioID(tc.system, tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("NormalizeRadioID(%q, %q) = %q, %v; want %q, %v", tc.system, tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
