package avl

import (
	"testing"
	"time"
)

func TestCounts(t *testing.T) {
	tr := NewTracker(Config{Roster: []RosterEntry{{CallSign: "A", AVLIDs: []string{"1"}}, {CallSign: "B", AVLIDs: []string{"2"}}},
		Types: map[string]TypePolicy{DefaultType: {Aging: time.Minute, Stale: 5 * time.Minute, Lost: time.Hour}}})
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	tr.ApplyFix(Fix{DeviceID: "1", Time: now, Received: now, Lat: 33.7, Lon: -117.8, Valid: true,
		SpeedKmh: Unknown, Heading: Unknown, HDOP: Unknown, AltitudeM: Unknown, AccuracyM: Unknown})
	tr.ApplyFix(Fix{DeviceID: "2", Time: now.Add(-10 * time.Minute), Received: now, Lat: 33.8, Lon: -117.8, Valid: true,
		SpeedKmh: Unknown, Heading: Unknown, HDOP: Unknown, AltitudeM: Unknown, AccuracyM: Unknown})
	tr.Expire(now)
	by, none := tr.Counts()
	if by[Fresh] != 1 || by[Stale] != 1 || none != 0 {
		t.Errorf("counts %v, no position %d; want one fresh, one stale", by, none)
	}
}
