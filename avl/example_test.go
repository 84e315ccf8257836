package avl_test

import (
	"fmt"
	"time"

	"github.com/paulmach/orb"

	"radiogw/avl"
)

func Example() {
	beat := orb.Polygon{{{-117.83, 33.74}, {-117.81, 33.74}, {-117.81, 33.76}, {-117.83, 33.76}, {-117.83, 33.74}}}
	t := avl.NewTracker(avl.Config{
		Roster: []avl.RosterEntry{{CallSign: "2A12", Type: "patrol", RadioIDs: []string{"1201"}, AVLIDs: []string{"4521"}}},
		Types: map[string]avl.TypePolicy{avl.DefaultType: {
			Aging: 2 * time.Minute, Stale: 5 * time.Minute, Lost: 15 * time.Minute,
			MaxSpeedKmh: 250, MovingKmh: 8, StoppedKmh: 3,
		}},
		Fences: []avl.Fence{{Name: "B3", Kind: avl.FenceKindBeat, Set: "beats", Polygon: beat}},
	})
	at := time.Date(2026, 11, 23, 22, 14, 5, 0, time.UTC)
	fix := avl.Fix{Source: "avl-udp", DeviceID: "4521", IDKind: avl.AVLID, Time: at, Received: at.Add(time.Second),
		Lat: 33.74562, Lon: -117.82311, Valid: true,
		SpeedKmh: 42.5, Heading: 270, HDOP: 0.9, AltitudeM: avl.Unknown, AccuracyM: avl.Unknown}
	for _, c := range t.ApplyFix(fix) {
		fmt.Println(c.Kind, c.Unit.ID, c.Fence, c.Unit.Beat, c.Unit.Motion)
	}
	for _, c := range t.Expire(at.Add(3 * time.Minute)) {
		fmt.Println(c.Kind, c.Unit.ID, c.Unit.Stale)
	}
	// Output:
	// fix 2A12  B3 moving
	// geofence_enter 2A12 B3 B3 moving
	// unit 2A12  B3 moving
	// stale 2A12 aging
	// unit 2A12 aging
}
