package avl

import (
	"testing"
	"time"
)

func TestYear2Pivot(t *testing.T) {
	rx := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	for yy, want := range map[int]int{96: 1996, 11: 2011, 26: 2026, 76: 2076, 77: 1977, 0: 2000} {
		if got := Year2(yy, rx); got != want {
			t.Errorf("Year2(%02d) = %d, want %d", yy, got, want)
		}
	}
}

func TestPastDayAcrossMidnight(t *testing.T) {
	rx := time.Date(2026, 12, 5, 0, 0, 3, 0, time.UTC)
	tod := 23*time.Hour + 59*time.Minute + 58*time.Second
	if got, want := PastDay(tod, rx, 2*time.Minute), time.Date(2026, 12, 4, 23, 59, 58, 0, time.UTC); !got.Equal(want) {
		t.Errorf("23:59:58 received 00:00:03: %v, want %v", got, want)
	}
	// A device clock a second ahead stays on the same day.
	rx = time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	if got, want := PastDay(10*time.Hour+time.Second, rx, 2*time.Minute), rx.Add(time.Second); !got.Equal(want) {
		t.Errorf("1 s ahead: %v, want %v", got, want)
	}
	// An hour ahead is not skew: it was yesterday.
	if got, want := PastDay(11*time.Hour, rx, 2*time.Minute), rx.Add(time.Hour-Day); !got.Equal(want) {
		t.Errorf("1 h ahead: %v, want %v", got, want)
	}
}

func TestNearestDay(t *testing.T) {
	ref := time.Date(2014, 5, 26, 23, 59, 59, 0, time.UTC)
	if got, want := NearestDay(time.Second, ref), time.Date(2014, 5, 27, 0, 0, 1, 0, time.UTC); !got.Equal(want) {
		t.Errorf("00:00:01 after 23:59:59: %v, want %v", got, want)
	}
}

func TestUndoRollover(t *testing.T) {
	rx := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	for k := 1; k <= 2; k++ {
		fix := rx.Add(-time.Minute - time.Duration(k)*GPSEpochPeriod)
		got, ok := UndoRollover(fix, rx, 2*time.Minute)
		if !ok || !got.Equal(rx.Add(-time.Minute)) {
			t.Errorf("k=%d: %v %v, want %v", k, got, ok, rx.Add(-time.Minute))
		}
	}
	// A fix simply years old (a replayed 2011 log) is left alone.
	old := time.Date(2011, 2, 21, 10, 21, 27, 0, time.UTC)
	if got, ok := UndoRollover(old, rx, 2*time.Minute); ok || !got.Equal(old) {
		t.Errorf("2011 fix corrected to %v", got)
	}
	// So is one 1024 weeks plus three days back: not a rollover.
	if _, ok := UndoRollover(rx.Add(-GPSEpochPeriod-3*Day), rx, 2*time.Minute); ok {
		t.Error("1024 weeks + 3 days corrected")
	}
}
