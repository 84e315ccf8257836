package pipeline

import (
	"fmt"
	"testing"
	"time"

	"radiogw/avl"
	"radiogw/gateway/change"
	"radiogw/gateway/fixtime"
)

// BenchmarkTakeFix is the tracker loop's intake of one fix from an
// ID-prefixed modem: date check, identity, filter, apply. With "gga", every
// fix is a time-of-day sentence dated from its device's last RMC;
// "tracker-only" is avl.ApplyFix alone, what the intake adds to.
func BenchmarkTakeFix(b *testing.B) {
	for _, kind := range []string{"rmc", "gga", "tracker-only"} {
		b.Run(kind, func(b *testing.B) {
			d := benchPipeline(b.TempDir(), avl.NewTracker(avl.Config{}))
			d.dates = fixtime.New(2 * time.Minute)
			t0 := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
			devices := make([]string, 1000)
			for i := range devices {
				devices[i] = fmt.Sprintf("M%04d", i)
				if kind == "gga" {
					at := t0
					d.dates.Dated(fixtime.Key{Source: "avl", Sender: "10.0.0.1", Device: devices[i]}, &at, t0)
				}
			}
			var batch change.Batch
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				at := t0.Add(time.Duration(i/len(devices)+1) * time.Second)
				f := avl.Fix{Source: "avl", Peer: "10.0.0.1:5000", DeviceID: devices[i%len(devices)], Time: at,
					Received: at, Lat: 33.7, Lon: -117.8, Valid: true, NoDate: kind == "gga",
					SpeedKmh: avl.Unknown, Heading: avl.Unknown, HDOP: avl.Unknown, AltitudeM: avl.Unknown, AccuracyM: avl.Unknown}
				batch.Units = batch.Units[:0]
				if kind == "tracker-only" {
					d.units.ApplyFix(f) // the tracker alone, for comparison
					continue
				}
				d.takeFix(&batch, &f, at)
			}
		})
	}
}
