package avl

import (
	"math"
	"time"
)

// Rejection reasons, as counted by Rejections and set in Change.Reason.
const (
	RejectInvalid    = "invalid"      // the device flagged the fix invalid, or it has no (or an impossible) time
	RejectNullIsland = "null_island"  // 0,0: a receiver without a fix
	RejectRange      = "range"        // latitude/longitude out of range or NaN
	RejectFuture     = "future"       // fix time too far after the receive time
	RejectHorizon    = "before_2000"  // fix time before 2000: no receiver in service reports one
	RejectDuplicate  = "duplicate"    // same fix time as one already accepted
	RejectSpeedJump  = "speed_jump"   // implied speed from the live position too high
	RejectAccuracy   = "accuracy"     // reported accuracy worse than the policy allows
	RejectNoID       = "no_id"        // neither device ID nor peer address
	RejectUnlisted   = "unlisted_cap" // a unit not in the roster, over the cap of unlisted units
)

// RejectReasons lists every rejection reason, for metrics present at zero.
var RejectReasons = []string{RejectInvalid, RejectHorizon, RejectNullIsland, RejectRange, RejectFuture,
	RejectDuplicate, RejectSpeedJump, RejectAccuracy, RejectNoID, RejectUnlisted}

// LateReasons lists every reason a fix is history only.
var LateReasons = []string{LateTooOld, LateOlderThanLive}

// Late reasons, as counted by Late and set in Change.Reason of a FixAccepted
// with Live=false: the fix went to history but did not move the unit.
const (
	LateTooOld        = "too_old"         // fix time more than MaxFixAge before its receive time
	LateOlderThanLive = "older_than_live" // older than the unit's live position
)

// horizon is the earliest fix time radiogw believes. GPS receivers and AVL
// modems in service today cannot date a fix before it; such a time is a
// receiver without a clock, or a two-digit year read in the wrong century.
var horizon = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// nullIslandDeg is how close to 0,0 a fix must be to count as "no fix". No
// dispatch area is within 10 m of the Gulf of Guinea origin.
const nullIslandDeg = 1e-4

// hdopUERE converts HDOP to an accuracy radius in metres when the device
// reports no accuracy: a typical user-equivalent range error for consumer
// GPS receivers.
const hdopUERE = 5.0

// speedJumpStreak is how many consecutive speed jumps are rejected before the
// tracker believes the new fixes: after that, the live position was the
// outlier, not the new ones.
const speedJumpStreak = 3

// sanitize turns optional values no device can mean into Unknown, so that
// NaN is the only "not reported" downstream and no Inf reaches JSON.
func sanitize(f *Fix) {
	for _, v := range []*float64{&f.SpeedKmh, &f.HDOP, &f.AccuracyM} {
		if math.IsInf(*v, 0) || *v < 0 {
			*v = Unknown
		}
	}
	if math.IsInf(f.AltitudeM, 0) {
		f.AltitudeM = Unknown
	}
	switch {
	case math.IsInf(f.Heading, 0):
		f.Heading = Unknown
	case f.Heading < 0 || f.Heading >= 360:
		f.Heading = math.Mod(math.Mod(f.Heading, 360)+360, 360)
	}
}

// checkFix applies the checks that need no unit history. Age is not one of
// them: a fix too old for the wall is still history (see tooOld).
func checkFix(f *Fix, p *TypePolicy) string {
	if !f.Valid || f.Time.IsZero() || !crumbTimeOK(f.Time) {
		return RejectInvalid
	}
	if f.Time.Before(horizon) {
		return RejectHorizon
	}
	if !validLatLon(f.Lat, f.Lon) {
		return RejectRange
	}
	if math.Abs(f.Lat) < nullIslandDeg && math.Abs(f.Lon) < nullIslandDeg {
		return RejectNullIsland
	}
	if !f.Received.IsZero() {
		if p.MaxFuture > 0 && f.Time.Sub(f.Received) > p.MaxFuture {
			return RejectFuture
		}
	}
	if p.MaxAccuracyM > 0 {
		acc := f.AccuracyM
		if !Known(acc) && Known(f.HDOP) {
			acc = f.HDOP * hdopUERE
		}
		if Known(acc) && acc > p.MaxAccuracyM {
			return RejectAccuracy
		}
	}
	return ""
}

// tooOld reports whether a fix is too old to move a unit on the wall: it
// was received more than MaxFixAge after it was taken.
func tooOld(f *Fix, p *TypePolicy) bool {
	return !f.Received.IsZero() && p.MaxFixAge > 0 && f.Received.Sub(f.Time) > p.MaxFixAge
}

// futureSlack is how far after a fix's receive time the live position may
// be dated before radiogw treats it as a clock error, when the policy sets
// no MaxFuture.
const futureSlack = time.Hour

// fromFuture reports whether a live fix time is later than a new fix's
// receive time by more than the policy allows for clock skew.
func fromFuture(live, received time.Time, p *TypePolicy) bool {
	if received.IsZero() {
		return false
	}
	limit := p.MaxFuture
	if limit <= 0 {
		limit = futureSlack
	}
	return live.Sub(received) > limit
}

// impliedKmh is the speed needed to get from a to b in dt.
func impliedKmh(distM float64, dt time.Duration) float64 {
	if dt <= 0 {
		return math.Inf(1)
	}
	return distM / dt.Seconds() * 3.6
}
