package mqtt

import (
	"math"

	"radiogw/avl"
)

// HDOPFactorM turns an HDOP into metres of horizontal error when a device
// reports no accuracy of its own: error ≈ HDOP × UERE (user equivalent range
// error), and 5 m is the usual UERE of an autonomous consumer GPS receiver.
// An HDOP of 0.9 is reported as 5 m, an HDOP of 4 as 20 m.
const HDOPFactorM = 5.0

// DefaultAccuracyM is the accuracy reported for a fix with neither an
// accuracy nor an HDOP when the configuration sets none
// (mqtt { default_accuracy_m }).
const DefaultAccuracyM = 50.0

// maxAccuracyM caps what is reported: a radius beyond 100 km says "somewhere
// in the region" and must still fit an integer everywhere.
const maxAccuracyM = 100000

// AccuracyM is the horizontal accuracy of a position in whole metres, for
// consumers that need one (OwnTracks acc, Home Assistant gps_accuracy): the
// device's own accuracy (LRRP's radius), else HDOP × HDOPFactorM, else def
// (DefaultAccuracyM when def is not positive). Rounded up and at least 1:
// Home Assistant drops a location whose accuracy is 0.
func AccuracyM(p *avl.Position, def float64) int {
	v := def
	switch {
	case usable(p.Accuracy):
		v = p.Accuracy
	case usable(p.HDOP):
		v = p.HDOP * HDOPFactorM
	}
	if !usable(v) {
		v = DefaultAccuracyM
	}
	return int(min(max(math.Ceil(v), 1), maxAccuracyM))
}

// usable is a known, positive, finite value (the zero of a Position built
// without an accuracy is "not reported", not "perfect").
func usable(v float64) bool { return v > 0 && !math.IsInf(v, 0) }
