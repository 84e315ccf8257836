package avl

import (
	"testing"
	"time"

	"github.com/paulmach/orb"
)

var t0 = time.Date(2026, 11, 23, 22, 0, 0, 0, time.UTC)

// Tustin, CA: the dispatch area of the examples.
const baseLat, baseLon = 33.74562, -117.82311

func testPolicy() TypePolicy {
	return TypePolicy{
		Aging: 2 * time.Minute, Stale: 5 * time.Minute, Lost: 15 * time.Minute,
		MaxFixAge: 10 * time.Minute, MaxFuture: 30 * time.Second,
		MaxSpeedKmh: 250, MaxAccuracyM: 100, MovingKmh: 8, StoppedKmh: 3,
	}
}

func testConfig() Config {
	foot := testPolicy()
	foot.Aging, foot.Stale, foot.Lost = time.Minute, 2*time.Minute, 4*time.Minute
	return Config{
		Roster: []RosterEntry{
			{CallSign: "2A12", AlphaTag: "2A12 Patrol", Type: "patrol", RadioIDs: []string{"1201"}, AVLIDs: []string{"4521"}},
			{CallSign: "2A13", AlphaTag: "2A13 Patrol", Type: "patrol", RadioIDs: []string{"1301"}, AVLIDs: []string{"4531"}},
			{CallSign: "F7", AlphaTag: "Foot 7", Type: "foot", RadioIDs: []string{"1700"}},
		},
		Types: map[string]TypePolicy{DefaultType: testPolicy(), "foot": foot},
	}
}

// fix builds a valid fix from AVL device id at t0+sec, dlat/dlon degrees
// off the base point.
func fix(id string, sec float64, dlat, dlon float64) Fix {
	at := t0.Add(time.Duration(sec * float64(time.Second)))
	return Fix{
		Source: "avl-udp", DeviceID: id, IDKind: AVLID, Time: at, Received: at.Add(time.Second),
		Lat: baseLat + dlat, Lon: baseLon + dlon, Valid: true,
		SpeedKmh: Unknown, Heading: Unknown, HDOP: Unknown, AltitudeM: Unknown, AccuracyM: Unknown,
	}
}

// square is a closed ring around (lat,lon) with half-side d degrees.
func square(lat, lon, d float64) orb.Polygon {
	return orb.Polygon{{
		{lon - d, lat - d}, {lon + d, lat - d}, {lon + d, lat + d}, {lon - d, lat + d}, {lon - d, lat - d},
	}}
}

// kinds lists the change kinds in order.
func kinds(cs []Change) []ChangeKind {
	out := make([]ChangeKind, len(cs))
	for i, c := range cs {
		out[i] = c.Kind
	}
	return out
}

func mustUnit(t *testing.T, tr *Tracker, id string) Unit {
	t.Helper()
	u, ok := tr.Unit(id)
	if !ok {
		t.Fatalf("unit %q not tracked; have %v", id, ids(tr.Units()))
	}
	return u
}

func ids(us []Unit) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.ID
	}
	return out
}
