package sim

import (
	"testing"
	"time"
)

// BenchmarkWheel100k measures one 20 ms tick of a 100,000-unit field (every
// protocol, 2 s interval): 1,000 units move and encode a report per tick.
func BenchmarkWheel100k(b *testing.B) {
	o := Options{Seed: 1, Units: 100000, Rate: 2 * time.Second,
		NMEAAddr: "127.0.0.1:1", TAIPAddr: "127.0.0.1:2", LRRPAddr: "127.0.0.1:3"}.withDefaults()
	f := newField(o, t0)
	bytes := 0
	sink := func(u *unit, d dest, p []byte) { bytes += len(p) }
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for _, s := range f.streams {
			s.step(sink)
		}
	}
	b.ReportMetric(float64(bytes)/float64(b.N), "bytes/tick")
}
