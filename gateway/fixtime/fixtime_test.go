package fixtime

import (
	"testing"
	"time"

	"radiogw/avl"
)

var (
	rx  = time.Date(2026, 12, 5, 0, 0, 3, 0, time.UTC)
	gps = Key{Source: "gps"}
)

func todFix(tod time.Duration, received time.Time) avl.Fix {
	return avl.Fix{Time: avl.PastDay(tod, received, 2*time.Minute), Received: received, NoDate: true}
}

// A time-of-day sentence takes its date from the device's recent dated
// sentence; other devices, and stale dates, fall back to the receive date.
func TestDateFromDevice(t *testing.T) {
	r := New(2 * time.Minute)
	rmc := time.Date(2014, 5, 26, 23, 59, 59, 0, time.UTC)
	r.Dated(gps, &rmc, rx)
	f := todFix(time.Second, rx.Add(time.Second)) // 00:00:01, just after the RMC's midnight
	if out := r.Resolve(gps, &f); !out.FromDevice || !f.Time.Equal(time.Date(2014, 5, 27, 0, 0, 1, 0, time.UTC)) {
		t.Fatalf("GGA after a 2014 RMC: %v %+v", f.Time, out)
	}
	g := todFix(23*time.Hour+59*time.Minute+58*time.Second, rx)
	if out := r.Resolve(Key{Source: "other"}, &g); out.FromDevice || !g.Time.Equal(time.Date(2026, 12, 4, 23, 59, 58, 0, time.UTC)) {
		t.Fatalf("another device, just before midnight, received just after: %v", g.Time)
	}
	late := todFix(time.Second, rx.Add(2*Recent))
	if out := r.Resolve(gps, &late); out.FromDevice {
		t.Fatalf("a stale RMC dated a later GGA: %v", late.Time)
	}
}

// A rolled-over device is corrected on every fix and reported once.
func TestRolloverOncePerDevice(t *testing.T) {
	r := New(2 * time.Minute)
	for i := 0; i < 3; i++ {
		f := avl.Fix{Time: rx.Add(-avl.GPSEpochPeriod - time.Duration(i)*time.Second), Received: rx}
		out := r.Resolve(Key{Source: "modem"}, &f)
		if !out.Rollover || out.FirstRollover != (i == 0) || rx.Sub(f.Time) != time.Duration(i)*time.Second {
			t.Fatalf("fix %d: %+v %v", i, out, f.Time)
		}
	}
	r.Prune(rx.Add(time.Hour))
	if r.Len() != 1 {
		t.Fatalf("a rolled-over device was forgotten (it would be logged again): %d", r.Len())
	}
}
