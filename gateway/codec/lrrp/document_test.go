package lrrp

import (
	"math"
	"strings"
	"testing"
	"time"

	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

// mkdoc frames body as a document of type t.
func mkdoc(t DocType, body ...byte) []byte {
	out := appendUintvar(nil, uint32(t))
	out = appendUintvar(out, uint32(len(body)))
	return append(out, body...)
}

func be32(v uint32) []byte { return []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)} }

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestCoordinateEncoding(t *testing.T) {
	// Sydney: south and east; Los Angeles: north and west; corners.
	for _, c := range []struct{ lat, lon float64 }{
		{-33.8688, 151.2093}, {34.0522, -118.2437}, {-89.999999, -179.999999}, {0, 0}, {45, 179.999999},
	} {
		rawLat, rawLon := encodeLatitude(c.lat), encodeLongitude(c.lon)
		if (rawLat&0x80000000 != 0) != (c.lat < 0) {
			t.Errorf("lat %v: sign bit of %08X", c.lat, rawLat)
		}
		if got := latitude(rawLat); math.Abs(got-c.lat) > 1e-7 {
			t.Errorf("lat %v -> %08X -> %v", c.lat, rawLat, got)
		}
		if got := longitude(rawLon); math.Abs(got-c.lon) > 1e-7 {
			t.Errorf("lon %v -> %08X -> %v", c.lon, rawLon, got)
		}
	}
	// Sign-magnitude, not two's complement: the smallest southern step is
	// just below the equator, not near the pole.
	if got := latitude(0x80000001); got >= 0 || got < -1e-7 {
		t.Errorf("latitude(0x80000001) = %v", got)
	}
	if got := latitude(0x80000000 | 0x3F7EBBBB); math.Abs(got+44.644958) > 1e-6 {
		t.Errorf("southern forum latitude = %v", got)
	}
	// Longitude is two's complement.
	if got := longitude(0xFFFFFFFF); got >= 0 || got < -1e-7 {
		t.Errorf("longitude(0xFFFFFFFF) = %v", got)
	}
	if got := longitude(0x80000000); got != -180 {
		t.Errorf("longitude(0x80000000) = %v", got)
	}
}

func TestInfoTime(t *testing.T) {
	want := time.Date(2026, 2, 28, 23, 59, 59, 0, time.UTC)
	got, ok := infoTime(appendInfoTime(nil, want))
	if !ok || !got.Equal(want) {
		t.Errorf("round trip %v -> %v %v", want, got, ok)
	}
	// 2026-02-31 must not silently become March 3rd.
	bad := uint64(2026)<<26 | 2<<22 | 31<<17
	b := []byte{byte(bad >> 32), byte(bad >> 24), byte(bad >> 16), byte(bad >> 8), byte(bad)}
	if _, ok := infoTime(b); ok {
		t.Error("31 February accepted")
	}
	_, err := Parse(mkdoc(DocTriggeredLocationReportNCDT, cat([]byte{0x34}, b)...))
	if decode.Reason(err) != "invalid" {
		t.Errorf("bad info-time: %v, want invalid", err)
	}
}

func TestShapes(t *testing.T) {
	lat, lon := be32(encodeLatitude(-33.5)), be32(encodeLongitude(-70.25))
	radius := []byte{0x05, 0x40}    // 5.5 m
	alt := []byte{0x83, 0x3C, 0x40} // 444.5 m
	negAlt := []byte{0x40, 0x40}    // -0.5 m
	altAcc := []byte{0x02, 0x00}    // 2 m
	cases := []struct {
		name                string
		tok                 byte
		rest                []byte
		shape               Shape
		radius, alt, altAcc float64
	}{
		{"circle-2d", 0x51, radius, ShapeCircle2D, 5.5, math.NaN(), math.NaN()},
		{"circle-3d", 0x54, cat(radius, alt), ShapeCircle3D, 5.5, 444.5, math.NaN()},
		{"circle-3d acc", 0x55, cat(radius, negAlt, altAcc), ShapeCircle3D, 5.5, -0.5, 2},
		{"point-2d", 0x66, nil, ShapePoint2D, math.NaN(), math.NaN(), math.NaN()},
		{"point-3d", 0x69, alt, ShapePoint3D, math.NaN(), 444.5, math.NaN()},
		{"point-3d acc", 0x6A, cat(alt, altAcc), ShapePoint3D, math.NaN(), 444.5, 2},
	}
	same := func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := cat([]byte{0x22, 0x01, 0x09, c.tok}, lat, lon, c.rest, []byte{0x56, 45, 0x6C, 10, 0})
			doc, err := Parse(mkdoc(DocImmediateLocationReportNCDT, body...))
			if err != nil || doc.Partial {
				t.Fatalf("Parse: %v (partial %v)", err, doc.Partial)
			}
			if doc.Shape != c.shape || math.Abs(doc.Lat+33.5) > 1e-7 || math.Abs(doc.Lon+70.25) > 1e-7 {
				t.Errorf("shape %d at %v,%v", doc.Shape, doc.Lat, doc.Lon)
			}
			if !same(doc.RadiusM, c.radius) || !same(doc.AltitudeM, c.alt) || !same(doc.AltAccM, c.altAcc) {
				t.Errorf("radius %v alt %v acc %v", doc.RadiusM, doc.AltitudeM, doc.AltAccM)
			}
			// Elements after the shape are read from the right offset.
			if doc.Direction != 90 || doc.SpeedMS != 10 || doc.RequestID != 9 {
				t.Errorf("direction %v speed %v id %d", doc.Direction, doc.SpeedMS, doc.RequestID)
			}
		})
	}
}

func TestDecodeOutcomes(t *testing.T) {
	lat, lon := be32(encodeLatitude(40)), be32(encodeLongitude(-3))
	point := cat([]byte{0x66}, lat, lon)
	cases := []struct {
		name   string
		data   []byte
		reason string // "" means a fix
		code   uint32
	}{
		{"triggered answer ok", mkdoc(DocTriggeredLocationStartAnswerNCDT, 0x22, 0x01, 0x01, 0x38), "ignored", 0},
		{"triggered answer refused", mkdoc(DocTriggeredLocationStartAnswerNCDT, 0x22, 0x01, 0x01, 0x37, 0x0A), "result_code", 10},
		{"stop answer", mkdoc(DocTriggeredLocationStopAnswerNCDT, 0x22, 0x01, 0x01, 0x38), "ignored", 0},
		// A triggered report with only a result: the radio has no fix (code 0x10).
		{"report no gps", mkdoc(DocTriggeredLocationReportNCDT, 0x22, 0x03, 0, 0, 1, 0x37, 0x10), "result_code", 16},
		// Code 0x200 takes a two-byte uintvar.
		{"report big code", mkdoc(DocImmediateLocationReportNCDT, 0x22, 0x01, 0x01, 0x37, 0x84, 0x00), "result_code", 0x200},
		{"report with position and code", mkdoc(DocImmediateLocationReportNCDT, cat([]byte{0x37, 0x10}, point)...), "", 0},
		{"report without anything", mkdoc(DocTriggeredLocationReportNCDT, 0x22, 0x01, 0x01), "invalid", 0},
		{"protocol report", mkdoc(DocLocationProtocolReportNCDT, 0x22, 0x01, 0x01, 0x36, 0x01), "ignored", 0},
		{"unknown element after position", mkdoc(DocTriggeredLocationReportNCDT, cat(point, []byte{0x7E, 1, 2, 3})...), "", 0},
		// An element radiogw does not know, with a value of unknown length,
		// before the position: the position after it is still read.
		{"unknown element before position", mkdoc(DocTriggeredLocationReportNCDT, cat([]byte{0x7E}, point)...), "", 0},
		{"unknown element with a value before position", mkdoc(DocTriggeredLocationReportNCDT, cat([]byte{0x7E, 0x03}, point, []byte{0x56, 0x10})...), "", 0},
		{"unknown element and nothing readable after it", mkdoc(DocTriggeredLocationReportNCDT, 0x7E, 0xFF, 0xFF), "unsupported", 0},
		{"accessory document", mkdoc(0x19, 0x22, 0x01, 0x01), "unsupported", 0},
		{"reserved document", mkdoc(0x01), "unsupported", 0},
		{"empty", nil, "syntax", 0},
		{"length overruns", []byte{0x0D, 0x20, 0x22}, "syntax", 0},
		{"truncated point", mkdoc(DocTriggeredLocationReportNCDT, 0x66, 1, 2, 3), "syntax", 0},
		{"endless uintvar", []byte{0x0D, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80}, "syntax", 0},
	}
	dec, _ := New(decode.Options{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			obs, err := dec.Decode(frame.Frame{Peer: "13.0.0.5:4001", Data: c.data})
			if c.reason == "" {
				if err != nil || len(obs.Fixes) != 1 {
					t.Fatalf("err %v, %d fixes", err, len(obs.Fixes))
				}
				if obs.Fixes[0].DeviceID != "5" || math.Abs(obs.Fixes[0].Lat-40) > 1e-7 {
					t.Errorf("fix %+v", obs.Fixes[0])
				}
				return
			}
			if decode.Reason(err) != c.reason {
				t.Fatalf("err %v (reason %q), want %q", err, decode.Reason(err), c.reason)
			}
			if !obs.Empty() {
				t.Errorf("observations with an error: %+v", obs)
			}
			code, ok := ResultCode(err)
			if ok != (c.reason == "result_code") || code != c.code {
				t.Errorf("ResultCode = %d %v, want %d", code, ok, c.code)
			}
		})
	}
}

func TestConstantDataTable(t *testing.T) {
	// An immediate report with a CDT whose first entry is the request-id,
	// referenced by element 0x24 at offset 0.
	body := cat([]byte{0x05, 0x04, 0xAA, 0xBB, 0xCC, 0xDD, 0x24, 0x00, 0x66}, be32(1), be32(2))
	doc, err := Parse(mkdoc(DocImmediateLocationReport, body...))
	if err != nil {
		t.Fatal(err)
	}
	if doc.RequestID != 0xAABBCCDD || doc.RequestIDLen != 4 || doc.Shape != ShapePoint2D {
		t.Errorf("%+v", doc)
	}
}

func TestDirectionOutOfRange(t *testing.T) {
	doc, err := Parse(mkdoc(DocTriggeredLocationReportNCDT, cat([]byte{0x66}, be32(1), be32(2), []byte{0x56, 180})...))
	if err != nil || !math.IsNaN(doc.Direction) {
		t.Errorf("direction step 180: %v %v", doc.Direction, err)
	}
}

// Every truncation of a real report fails as a syntax error, never a panic
// or a fix built from half a document.
func TestTruncatedSamples(t *testing.T) {
	for _, s := range loadSamples(t) {
		for n := 0; n < len(s.data); n++ {
			_, err := Parse(s.data[:n])
			if r := decode.Reason(err); r != "syntax" {
				t.Errorf("line %d cut at %d: %v", s.line, n, err)
			}
		}
	}
}

func TestDocTypeString(t *testing.T) {
	if got := DocTriggeredLocationReportNCDT.String(); got != "triggered-location-report" {
		t.Error(got)
	}
	if got := DocType(0x30).String(); !strings.HasPrefix(got, "doc-0x30") {
		t.Error(got)
	}
}
