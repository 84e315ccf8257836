package avl

import (
	"math"
	"time"
)

// crumb is one breadcrumb as a unit keeps it: 24 bytes where a Fix is 168.
// A trail needs where and when, speed and heading for the arrowheads and the
// source for "which modem said so"; peer, device ID, receive time and the
// accuracy figures stay with the live position and the InfluxDB points.
type crumb struct {
	t        int64  // fix time, Unix nanoseconds
	lat, lon int32  // 1e-7 degrees: about 1 cm, finer than any GPS fix
	speed    uint16 // 0.1 km/h; noValue when not reported
	heading  uint16 // 0.01 degrees; noValue when not reported
	src      uint16 // index into the tracker's source names; 0 is none
}

// noValue marks a speed or heading the device did not report.
const noValue = math.MaxUint16

const (
	coordScale   = 1e7
	speedScale   = 10
	headingScale = 100
	maxSpeedKmh  = (noValue - 1) / speedScale // 6553.4 km/h: anything faster is clamped
)

// Crumb is one breadcrumb as Track returns it. Optional values are Unknown
// (NaN) when the device did not report them.
type Crumb struct {
	Time     time.Time // UTC
	Lat, Lon float64   // WGS84 degrees, to 1e-7
	SpeedKmh float64   // to 0.1 km/h
	Heading  float64   // degrees true, to 0.01
	Source   string    // source name the fix came from
}

// Fix times a crumb can hold: those int64 Unix nanoseconds can express
// (years 1678 to 2262).
var (
	minCrumbTime = time.Unix(0, math.MinInt64)
	maxCrumbTime = time.Unix(0, math.MaxInt64)
)

func crumbTimeOK(t time.Time) bool { return !t.Before(minCrumbTime) && !t.After(maxCrumbTime) }

func toE7(deg float64) int32 { return int32(math.Round(deg * coordScale)) }

func fromE7(v int32) float64 { return float64(v) / coordScale }

func packSpeed(kmh float64) uint16 {
	switch {
	case !Known(kmh) || kmh < 0:
		return noValue
	case kmh > maxSpeedKmh:
		return noValue - 1
	}
	return uint16(math.Round(kmh * speedScale))
}

func packHeading(deg float64) uint16 {
	if !Known(deg) || math.IsInf(deg, 0) {
		return noValue
	}
	h := int64(math.Round(deg*headingScale)) % (360 * headingScale)
	if h < 0 {
		h += 360 * headingScale
	}
	return uint16(h)
}

func unpack(v uint16, scale float64) float64 {
	if v == noValue {
		return Unknown
	}
	return float64(v) / scale
}

// crumbOf packs an accepted fix; src is its interned source.
func crumbOf(f *Fix, src uint16) crumb {
	return crumb{t: f.Time.UnixNano(), lat: toE7(f.Lat), lon: toE7(f.Lon),
		speed: packSpeed(f.SpeedKmh), heading: packHeading(f.Heading), src: src}
}

// export turns a crumb into its public form.
func (c *crumb) export(sources []string) Crumb {
	out := Crumb{Time: time.Unix(0, c.t).UTC(), Lat: fromE7(c.lat), Lon: fromE7(c.lon),
		SpeedKmh: unpack(c.speed, speedScale), Heading: unpack(c.heading, headingScale)}
	if int(c.src) < len(sources) {
		out.Source = sources[c.src]
	}
	return out
}

// maxSources bounds the source name table so an index fits a crumb. Source
// names come from the configuration, so a site has a handful.
const maxSources = math.MaxUint16

// sourceIndex interns a source name. Index 0 is the empty name; a name past
// the table's limit is recorded as none rather than growing it further.
func (t *Tracker) sourceIndex(name string) uint16 {
	if name == "" {
		return 0
	}
	if i, ok := t.sourceIdx[name]; ok {
		return i
	}
	if len(t.sources) >= maxSources {
		return 0
	}
	i := uint16(len(t.sources))
	t.sources = append(t.sources, name)
	t.sourceIdx[name] = i
	return i
}
