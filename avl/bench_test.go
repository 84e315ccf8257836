package avl

import (
	"fmt"
	"math/rand"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// benchConfig: n listed units and a 10x5 grid of beats, each an irregular
// 40-vertex polygon of about 1.1 x 1.1 km, covering the area the units
// drive in.
func benchConfig(n int) Config {
	cfg := Config{Types: map[string]TypePolicy{DefaultType: testPolicy()}}
	for i := 0; i < n; i++ {
		id := strconv.Itoa(i)
		cfg.Roster = append(cfg.Roster, RosterEntry{CallSign: "U" + id, Type: "patrol", AVLIDs: []string{"A" + id}, RadioIDs: []string{"R" + id}})
	}
	const cell = 0.01
	for r := 0; r < 5; r++ {
		for c := 0; c < 10; c++ {
			lat0, lon0 := baseLat+float64(r)*cell, baseLon+float64(c)*cell
			ring := make(orb.Ring, 0, 41)
			for k := 0; k < 10; k++ { // four sides of 10 vertices, slightly jagged
				j := float64(k%2) * cell / 50
				ring = append(ring, orb.Point{lon0 + float64(k)*cell/10, lat0 + j})
			}
			for k := 0; k < 10; k++ {
				j := float64(k%2) * cell / 50
				ring = append(ring, orb.Point{lon0 + cell - j, lat0 + float64(k)*cell/10})
			}
			for k := 0; k < 10; k++ {
				j := float64(k%2) * cell / 50
				ring = append(ring, orb.Point{lon0 + cell - float64(k)*cell/10, lat0 + cell - j})
			}
			for k := 0; k < 10; k++ {
				j := float64(k%2) * cell / 50
				ring = append(ring, orb.Point{lon0 + j, lat0 + cell - float64(k)*cell/10})
			}
			ring = append(ring, ring[0])
			cfg.Fences = append(cfg.Fences, Fence{Name: fmt.Sprintf("B%d%d", r, c), Kind: FenceKindBeat, Set: "beats", Polygon: orb.Polygon{ring}})
		}
	}
	return cfg
}

// drive moves n units over the beat grid: each step is 5 s at up to
// ~100 km/h in a fixed direction, bouncing off the grid's edges.
type drive struct {
	ids                  []string
	lat, lon, dlat, dlon []float64
	step                 []int
}

func newDrive(n int) *drive {
	rng := rand.New(rand.NewSource(1))
	d := &drive{ids: make([]string, n), lat: make([]float64, n), lon: make([]float64, n),
		dlat: make([]float64, n), dlon: make([]float64, n), step: make([]int, n)}
	for i := 0; i < n; i++ {
		d.ids[i] = "A" + strconv.Itoa(i)
		d.lat[i], d.lon[i] = baseLat+rng.Float64()*0.05, baseLon+rng.Float64()*0.1
		d.dlat[i], d.dlon[i] = (rng.Float64()-0.5)*0.002, (rng.Float64()-0.5)*0.002
	}
	return d
}

// next returns unit i's next fix.
func (d *drive) next(i int) Fix {
	if l := d.lat[i] + d.dlat[i]; l < baseLat || l > baseLat+0.05 {
		d.dlat[i] = -d.dlat[i]
	}
	if l := d.lon[i] + d.dlon[i]; l < baseLon || l > baseLon+0.1 {
		d.dlon[i] = -d.dlon[i]
	}
	d.lat[i] += d.dlat[i]
	d.lon[i] += d.dlon[i]
	d.step[i]++
	at := t0.Add(time.Duration(d.step[i]) * 5 * time.Second)
	return Fix{Source: "bench", DeviceID: d.ids[i], Time: at, Received: at.Add(time.Second),
		Lat: d.lat[i], Lon: d.lon[i], Valid: true, SpeedKmh: Unknown, Heading: Unknown, HDOP: 1, AltitudeM: Unknown, AccuracyM: Unknown}
}

// loadedCache keeps one loaded tracker per benchmark: the setup feeds a
// million fixes and the testing package calls a benchmark several times.
var loadedCache = map[string]struct {
	tr *Tracker
	d  *drive
}{}

// loaded returns a tracker with n units, each with a full breadcrumb ring.
func loaded(b *testing.B, n int) (*Tracker, *drive) {
	if c, ok := loadedCache[b.Name()]; ok {
		return c.tr, c.d
	}
	tr := NewTracker(benchConfig(n))
	d := newDrive(n)
	for k := 0; k < DefaultBreadcrumbs; k++ {
		for i := 0; i < n; i++ {
			if cs := tr.ApplyFix(d.next(i)); cs[0].Kind != FixAccepted {
				b.Fatalf("setup fix rejected: %s", cs[0].Reason)
			}
		}
	}
	loadedCache[b.Name()] = struct {
		tr *Tracker
		d  *drive
	}{tr, d}
	return tr, d
}

// BenchmarkApplyFix: one live fix for one of 10,000 units (breadcrumb
// rings full), 50 beats.
func BenchmarkApplyFix(b *testing.B) {
	const n = 10000
	tr, d := loaded(b, n)
	var fence int
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for i := 0; i < b.N; i++ {
		cs := tr.ApplyFix(d.next(i % n))
		if cs[0].Kind != FixAccepted {
			b.Fatalf("fix %d rejected: %s", i, cs[0].Reason)
		}
		fence += len(cs) - 2
	}
	reportCPU(b, cpu)
	b.ReportMetric(float64(fence)/float64(b.N), "fence_changes/op")
}

// BenchmarkExpire10k: an Expire tick over 10,000 positioned units where
// nothing is due (the common case, run every second). It looks at none of
// them: the queue's head is not due.
func BenchmarkExpire10k(b *testing.B) {
	const n = 10000
	tr, d := loaded(b, n)
	now := t0.Add(time.Duration(d.step[0])*5*time.Second + 30*time.Second)
	tr.Expire(now)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for i := 0; i < b.N; i++ {
		if cs := tr.Expire(now); len(cs) != 0 {
			b.Fatal("units stepped")
		}
	}
	reportCPU(b, cpu)
}

// BenchmarkNearest: the 5 nearest of 10,000 units.
func BenchmarkNearest(b *testing.B) {
	const n = 10000
	tr, _ := loaded(b, n)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for i := 0; i < b.N; i++ {
		if r := tr.Nearest(NearestQuery{Lat: baseLat + 0.02, Lon: baseLon + 0.05, N: 5, Now: t0}); len(r) != 5 {
			b.Fatal(len(r))
		}
	}
	reportCPU(b, cpu)
}

// BenchmarkUnitMemory: heap per tracked unit once its breadcrumb ring is
// full (default length, 10,000 listed units, no fences), against the
// project's target of 2 KiB per unit. The roster itself is not counted.
func BenchmarkUnitMemory(b *testing.B) {
	const n = 10000
	cfg := benchConfig(n)
	cfg.Fences = nil
	b.ReportAllocs()
	var perUnit float64
	for i := 0; i < b.N; i++ {
		var before, after runtime.MemStats
		tr := NewTracker(cfg)
		d := newDrive(n)
		runtime.GC()
		runtime.ReadMemStats(&before)
		for k := 0; k < DefaultBreadcrumbs+5; k++ {
			for j := 0; j < n; j++ {
				tr.ApplyFix(d.next(j))
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if got := tr.Track("U0"); len(got) != DefaultBreadcrumbs {
			b.Fatalf("%d breadcrumbs", len(got))
		}
		perUnit = float64(after.HeapAlloc-before.HeapAlloc) / n
		runtime.KeepAlive(tr)
	}
	b.ReportMetric(perUnit, "heap-B/unit")
}

// BenchmarkCapture10k: the snapshot copy taken on the tracker goroutine,
// 10,000 units with full breadcrumb rings.
func BenchmarkCapture10k(b *testing.B) {
	const n = 10000
	tr, _ := loaded(b, n)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for i := 0; i < b.N; i++ {
		if c := tr.Capture(); c.Len() != n {
			b.Fatal(c.Len())
		}
	}
	reportCPU(b, cpu)
}

// BenchmarkEncodeUnits10k: encoding that copy, off the tracker goroutine.
func BenchmarkEncodeUnits10k(b *testing.B) {
	const n = 10000
	tr, _ := loaded(b, n)
	c := tr.Capture()
	var size int
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		size = 0
		if err := c.EncodeUnits(func(line []byte) error { size += len(line) + 1; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(size)/n, "B/unit")
}
