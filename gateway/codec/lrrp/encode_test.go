package lrrp

import (
	"bytes"
	"encoding/hex"
	"math"
	"testing"
	"time"

	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

func TestTriggeredLocationRequestBytes(t *testing.T) {
	got := TriggeredLocationRequest(0x2468ACE0, 60*time.Second)
	// 09 (triggered request, NCDT), length, request-id, ret-info accuracy+time,
	// request-direction-hor, request-speed-hor, periodic-trigger, interval 60.
	want, _ := hex.DecodeString("090C22042468ACE0515762" + "34313C")
	if !bytes.Equal(got, want) {
		t.Fatalf("got %X, want %X", got, want)
	}
}

func TestRequestsRoundTrip(t *testing.T) {
	cases := []struct {
		name     string
		b        []byte
		typ      DocType
		id       uint32
		interval time.Duration
	}{
		{"immediate", ImmediateLocationRequest(0xDEADBEEF), DocImmediateLocationRequestNCDT, 0xDEADBEEF, 0},
		{"triggered 30s", TriggeredLocationRequest(7, 30*time.Second), DocTriggeredLocationStartRequestNCDT, 7, 30 * time.Second},
		// 300 s needs a two-byte uintvar (0x82 0x2C).
		{"triggered 5m", TriggeredLocationRequest(1, 5*time.Minute), DocTriggeredLocationStartRequestNCDT, 1, 5 * time.Minute},
		{"triggered rounds", TriggeredLocationRequest(2, 1500*time.Millisecond), DocTriggeredLocationStartRequestNCDT, 2, 2 * time.Second},
		{"triggered floor 1s", TriggeredLocationRequest(3, 0), DocTriggeredLocationStartRequestNCDT, 3, time.Second},
		{"stop", TriggeredLocationStopRequest(0x01020304), DocTriggeredLocationStopRequestNCDT, 0x01020304, 0},
	}
	dec, _ := New(decode.Options{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc, err := Parse(c.b)
			if err != nil {
				t.Fatalf("Parse(%X): %v", c.b, err)
			}
			if doc.Type != c.typ || doc.Type.Class() != ClassRequest {
				t.Errorf("type %v (class %d), want %v", doc.Type, doc.Type.Class(), c.typ)
			}
			if doc.RequestID != c.id || doc.RequestIDLen != 4 {
				t.Errorf("request-id %X/%d, want %X/4", doc.RequestID, doc.RequestIDLen, c.id)
			}
			if doc.Interval != c.interval {
				t.Errorf("interval %v, want %v", doc.Interval, c.interval)
			}
			if doc.Partial {
				t.Error("request has elements the parser does not know")
			}
			if int(c.b[1]) != len(c.b)-2 {
				t.Errorf("length byte %d for %d-byte body", c.b[1], len(c.b)-2)
			}
			if _, err := dec.Decode(frame.Frame{Data: c.b}); err != decode.Ignored {
				t.Errorf("Decode: %v, want Ignored", err)
			}
		})
	}
}

func TestUintvar(t *testing.T) {
	for _, v := range []uint32{0, 1, 127, 128, 300, 16383, 16384, 1<<21 + 5, 1<<32 - 1} {
		b := appendUintvar(nil, v)
		r := reader{b: b}
		got, n, ok := r.uintvar()
		if !ok || got != uint64(v) || n != len(b) || r.left() != 0 {
			t.Errorf("%d: %X decodes to %d (%d bytes, ok %v)", v, b, got, n, ok)
		}
		if b[len(b)-1]&0x80 != 0 || (len(b) > 1 && b[0] == 0x80) {
			t.Errorf("%d: %X is not the shortest form", v, b)
		}
	}
	if got := appendUintvar(nil, 300); !bytes.Equal(got, []byte{0x82, 0x2C}) {
		t.Errorf("300 = %X, want 822C", got)
	}
}

func TestReportRoundTrip(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 22, 14, 5, 0, time.UTC)
	doc, err := Parse(AppendReport(nil, Report{Triggered: true, RequestID: 0x2468ACE0, Time: t0,
		Lat: 12.345345, Lon: -24.668866, RadiusM: 5, SpeedKmh: 36, Heading: 91}))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Type != DocTriggeredLocationReportNCDT || doc.RequestID != 0x2468ACE0 || !doc.Time.Equal(t0) ||
		math.Abs(doc.Lat-12.345345) > 1e-6 || math.Abs(doc.Lon+24.668866) > 1e-6 ||
		math.Abs(doc.SpeedMS-10) > 0.01 || doc.Direction != 92 {
		t.Errorf("triggered report round trip: %+v", doc)
	}
	doc, err = Parse(AppendReport(nil, Report{Time: t0, Lat: -33.5, Lon: 151.25, RadiusM: 7.5}))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Type != DocUnsolicitedLocationReportNCDT || doc.RequestIDLen != 0 || math.Abs(doc.Lat+33.5) > 1e-6 || math.Abs(doc.Lon-151.25) > 1e-6 {
		t.Errorf("unsolicited report round trip: %+v", doc)
	}
}
