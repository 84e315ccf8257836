package mqtt

import (
	"math"
	"regexp"
	"testing"

	"radiogw/avl"
)

func TestAccuracyM(t *testing.T) {
	nan := avl.Unknown
	for _, c := range []struct {
		acc, hdop, def float64
		want           int
	}{
		{acc: 12.2, hdop: 0.9, def: 50, want: 13},                // the device's own radius wins
		{acc: nan, hdop: 0.9, def: 50, want: 5},                  // HDOP × 5 m, rounded up
		{acc: 0, hdop: 4, def: 50, want: 20},                     // 0 is "not reported", not perfect
		{acc: nan, hdop: nan, def: 30, want: 30},                 // configured default
		{acc: nan, hdop: 0, def: 0, want: int(DefaultAccuracyM)}, // nothing configured
		{acc: 0.2, hdop: nan, def: 50, want: 1},                  // never 0: Home Assistant drops acc 0
		{acc: math.Inf(1), hdop: nan, def: 50, want: 50},
		{acc: 1e12, hdop: nan, def: 50, want: maxAccuracyM},
	} {
		p := &avl.Position{Accuracy: c.acc, HDOP: c.hdop}
		if got := AccuracyM(p, c.def); got != c.want {
			t.Errorf("AccuracyM(acc %v, hdop %v, default %v) = %d, want %d", c.acc, c.hdop, c.def, got, c.want)
		}
	}
}

func TestHAObjectID(t *testing.T) {
	for _, c := range []struct{ site, unit, want string }{
		{"tustin", "2A12", "radiogw_tustin_2A12"},
		{"tustin", "2A-12_b", "radiogw_tustin_2A-12_b"},
	} {
		if got := HAObjectID(c.site, c.unit); got != c.want {
			t.Errorf("HAObjectID(%q, %q) = %q, want %q", c.site, c.unit, got, c.want)
		}
	}
	a, b := HAObjectID("s", "2A 12"), HAObjectID("s", "2A.12")
	if a == b || !haObjectIDPattern.MatchString(a) || !haObjectIDPattern.MatchString(b) {
		t.Errorf("sanitised IDs %q, %q: must differ and match %s", a, b, haObjectIDPattern)
	}
}

// haObjectIDPattern is what Home Assistant's discovery accepts as an object ID.
var haObjectIDPattern = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)
