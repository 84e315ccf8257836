package pipeline

import (
	"math"
	"testing"
	"time"

	"radiogw/avl"
)

// A fix comes back from the journal as it went in, unreported values (NaN)
// included.
func TestJournalFixRoundTrip(t *testing.T) {
	in := avl.Fix{Source: "avl-udp", Peer: "10.0.0.7:5000", DeviceID: "4521", IDKind: avl.RadioID,
		Time: time.Unix(1764900000, 120000000).UTC(), Received: time.Unix(1764900001, 5).UTC(),
		Lat: 33.74562, Lon: -117.82311, Valid: true, SpeedKmh: 42.5, Heading: avl.Unknown, HDOP: 0.9,
		AltitudeM: avl.Unknown, AccuracyM: 5}
	out, err := decodeBinaryFix(appendBinaryFix(nil, &in))
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(out.Heading) || !math.IsNaN(out.AltitudeM) {
		t.Fatalf("unreported values not kept: %+v", out)
	}
	out.Heading, out.AltitudeM, in.Heading, in.AltitudeM = 0, 0, 0, 0
	if out != in {
		t.Fatalf("round trip:\n got %+v\nwant %+v", out, in)
	}
	zero := avl.Fix{Source: "s", Lat: 1, Lon: 2}
	if back, err := decodeBinaryFix(appendBinaryFix(nil, &zero)); err != nil || !back.Time.IsZero() || back.Lat != 1 {
		t.Fatalf("zero times: %+v, %v", back, err)
	}
	if _, err := decodeBinaryFix([]byte("F\x05ab")); err == nil {
		t.Fatal("a short record decoded")
	}
}
