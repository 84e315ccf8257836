// Package track exports a unit's position history as GeoJSON (RFC 7946),
// GPX 1.1 or KML 2.2. The history comes from InfluxDB (InfluxQL over its
// /query API) or, on a site without InfluxDB, from the InfluxDB outbox's
// line protocol: both hold every accepted fix as a unit_position point.
package track

import (
	"errors"
	"fmt"
	"math"
	"time"
	"unicode"
	"unicode/utf8"
)

// Point is one fix of a unit's history. Optional values are NaN when the
// device did not report them.
type Point struct {
	Time      time.Time
	Lat, Lon  float64
	AltitudeM float64
	SpeedKmh  float64
	Heading   float64
	HDOP      float64
	AccuracyM float64
	Source    string
}

// Query selects a unit's history in [From, To].
type Query struct {
	Unit     string
	From, To time.Time
}

// Limits of one export: a month of history, at most MaxPoints fixes (a unit
// reporting every 5 s for a week), so one request cannot make radiogw or
// InfluxDB build an unbounded document.
const (
	MaxSpan   = 31 * 24 * time.Hour
	MaxPoints = 200000
)

// Errors a caller turns into a 400 (bad query) or 413 (too much).
var (
	ErrBadQuery = errors.New("bad track query")
	ErrTooMany  = fmt.Errorf("more than %d points: ask for a shorter time range", MaxPoints)
)

// Check validates a query: a unit name of printable characters (at most
// 128 bytes), From before To, at most MaxSpan apart.
func (q Query) Check() error {
	if q.Unit == "" || len(q.Unit) > 128 || !utf8.ValidString(q.Unit) {
		return fmt.Errorf("%w: unit must be 1-128 bytes of UTF-8", ErrBadQuery)
	}
	for _, r := range q.Unit {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("%w: unit has a non-printable character", ErrBadQuery)
		}
	}
	if q.From.IsZero() || q.To.IsZero() || !q.From.Before(q.To) {
		return fmt.Errorf("%w: from must be before to", ErrBadQuery)
	}
	if q.To.Sub(q.From) > MaxSpan {
		return fmt.Errorf("%w: at most %s between from and to", ErrBadQuery, MaxSpan)
	}
	return nil
}

// Formats are the export formats, by the name a user asks for.
var Formats = map[string]struct {
	ContentType, Ext string
}{
	"geojson": {"application/geo+json", "geojson"},
	"gpx":     {"application/gpx+xml", "gpx"},
	"kml":     {"application/vnd.google-earth.kml+xml", "kml"},
}

func known(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// valid is a point a document may carry: finite WGS84 coordinates.
func (p *Point) valid() bool {
	return p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -180 && p.Lon <= 180
}

var mathNaN = math.NaN()
