package lrrp

import (
	"testing"
	"time"

	"radiogw/gateway/codec/codectest"
)

// TestGolden decodes every testdata/<case>/input (UDP datagrams in hex, one
// a line, from the radio address in case.json or radio 1234's) and compares
// the reading with expected.json.
func TestGolden(t *testing.T) {
	codectest.Run(t, codectest.Config{New: New, Source: "lrrp", Framing: codectest.HexDatagrams,
		Peer: RadioAddress(1234, 12) + ":4001", MinCases: 6})
}

// TestEncoderCases keeps the encoder case's input what AppendReport writes
// for the simulator's radios.
func TestEncoderCases(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)
	var docs [][]byte
	for _, r := range []Report{
		{Time: at, Lat: 47.3769, Lon: 8.5417, RadiusM: 5, SpeedKmh: 43.2, Heading: 270},
		{Triggered: true, RequestID: 0x01020304, Time: at.Add(30 * time.Second), Lat: -33.8688, Lon: 151.2093, RadiusM: 12.5, SpeedKmh: 0, Heading: 0},
		{Time: at.Add(time.Minute), Lat: 0.000001, Lon: -179.999999, RadiusM: 0, SpeedKmh: 120, Heading: 359},
	} {
		docs = append(docs, AppendReport(nil, r))
	}
	codectest.KeepInput(t, "testdata/encoder-reports", codectest.HexLines(docs...),
		"radiogw's lrrp.AppendReport (golden_test.go TestEncoderCases), as the simulator's radios send: unsolicited, triggered, near the equator and the antimeridian")
}
