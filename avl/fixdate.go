package avl

import "time"

// Fix dates. Many position sentences carry only a time of day (NMEA GGA,
// GLL, GNS; TAIP PV), two-digit years, or a date one or more GPS week
// rollovers behind. These helpers turn what a device sent into a full UTC
// time; they are pure, the caller passes the receive time in.

// Day is 24 hours: fix times are UTC, which has no daylight saving.
const Day = 24 * time.Hour

// GPSEpochPeriod is 1024 GPS weeks: a receiver that counts weeks in 10 bits
// dates its fixes this much (or a multiple) in the past after a rollover.
const GPSEpochPeriod = 1024 * 7 * Day

// Year2 expands a two-digit year against the receive time: the year in the
// receive century, or in the previous century when that would be more than
// 50 years ahead of the receive year ("011196" is 1996, not 2096).
func Year2(yy int, received time.Time) int {
	ry := received.UTC().Year()
	y := ry/100*100 + yy
	if y > ry+50 {
		y -= 100
	}
	return y
}

// TimeOfDay returns how far into its UTC day t is.
func TimeOfDay(t time.Time) time.Duration {
	t = t.UTC()
	return t.Sub(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC))
}

// NearestDay places a time of day on the day before, of, or after ref,
// whichever is nearest to ref: for a sentence of the same burst as a dated
// one (a GGA beside its RMC), across midnight either way.
func NearestDay(tod time.Duration, ref time.Time) time.Time {
	r := ref.UTC()
	t := time.Date(r.Year(), r.Month(), r.Day(), 0, 0, 0, 0, time.UTC).Add(tod)
	if d := t.Sub(r); d > 12*time.Hour {
		t = t.Add(-Day)
	} else if d < -12*time.Hour {
		t = t.Add(Day)
	}
	return t
}

// PastDay places a time of day on the latest day that does not put it more
// than slack after received: a fix is taken before it arrives, so 23:59:58
// received at 00:00:03 belongs to the previous day. slack allows for a
// device clock slightly ahead of radiogw's.
func PastDay(tod time.Duration, received time.Time, slack time.Duration) time.Time {
	r := received.UTC()
	t := time.Date(r.Year(), r.Month(), r.Day(), 0, 0, 0, 0, time.UTC).Add(Day + tod)
	for t.Sub(r) > slack {
		t = t.Add(-Day)
	}
	return t
}

// RolloverWindow is how far before its receive time a fix corrected for GPS
// week rollover may still lie: a modem's store-and-forward backlog.
const RolloverWindow = Day

// UndoRollover reports the corrected time of a fix dated exactly 1024·k GPS
// weeks (k = 1..3) before its receive time, within RolloverWindow before it
// or slack after it. Other fixes are returned unchanged with false.
func UndoRollover(t, received time.Time, slack time.Duration) (time.Time, bool) {
	if received.IsZero() || received.Sub(t) < GPSEpochPeriod-RolloverWindow {
		return t, false
	}
	for k := 1; k <= 3; k++ {
		c := t.Add(time.Duration(k) * GPSEpochPeriod)
		if d := received.Sub(c); d >= -slack && d <= RolloverWindow {
			return c, true
		}
	}
	return t, false
}
