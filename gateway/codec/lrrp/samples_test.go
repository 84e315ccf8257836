package lrrp

import (
	"bufio"
	"encoding/hex"
	"errors"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"radiogw/avl"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

const samplesPath = "../../../testdata/captures/lrrp/samples.tsv"

type sample struct {
	line    int
	raw     []byte // as captured, including any transport prefix
	data    []byte // the LRRP document
	source  string
	note    string
	decoded string
}

// loadSamples reads every row of the LRRP capture file (testdata/captures/lrrp). Rows whose
// note says so keep a leading 0x80 transport byte, stripped into data.
func loadSamples(tb testing.TB) []sample {
	tb.Helper()
	f, err := os.Open(samplesPath)
	if err != nil {
		tb.Fatalf("open samples: %v", err)
	}
	defer f.Close()
	var out []sample
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		if line == 1 {
			continue // header
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 4 {
			tb.Fatalf("line %d: %d columns", line, len(cols))
		}
		raw, err := hex.DecodeString(cols[0])
		if err != nil {
			tb.Fatalf("line %d: %v", line, err)
		}
		s := sample{line: line, raw: raw, data: raw, source: cols[1], note: cols[2], decoded: cols[3]}
		if strings.Contains(s.note, "strip") {
			if raw[0] != 0x80 {
				tb.Fatalf("line %d: note says strip but first byte is %02x", line, raw[0])
			}
			s.data = raw[1:]
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(out) < 20 {
		tb.Fatalf("only %d samples read", len(out))
	}
	return out
}

var (
	reDoc    = regexp.MustCompile(`doc=0x([0-9A-F]{2})`)
	reReqID  = regexp.MustCompile(`request-id(?:\(1B\))?=([0-9A-F]+)`)
	reTime   = regexp.MustCompile(`info-time=(\S+Z)`)
	reLatLon = regexp.MustCompile(`lat=(-?[\d.]+) lon=(-?[\d.]+)`)
	reRadius = regexp.MustCompile(`radius=([\d.]+)m`)
	reAlt    = regexp.MustCompile(`alt=(-?[\d.]+)m`)
	reSpeed  = regexp.MustCompile(`speed-hor=([\d.]+)`)
	reSpeedV = regexp.MustCompile(`speed-vrt=(-?[\d.]+)`)
	reDir    = regexp.MustCompile(`direction-hor=(\d+)`)
	reResult = regexp.MustCompile(`result-code=(\d+) data=([0-9A-F]+)`)
	reShape  = regexp.MustCompile(`(circle-2d|circle-3d|point-2d|point-3d)`)
)

func num(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %v, want %v (±%g)", what, got, want, tol)
	}
}

// TestSamplesParse checks every captured document against its decoded column.
// The column was written by a reference decoder and rounds lat/lon to 6
// decimals, radius and altitude to 2, speeds to 4 (0.03125 is written
// 0.0312, so each tolerance is half a unit of the last digit, inclusive).
// Every value in the column agrees with the format rules (sign-magnitude
// latitude, two's complement longitude, 2-degree direction steps, ufloatvar
// speeds), so nothing here overrides it.
func TestSamplesParse(t *testing.T) {
	for _, s := range loadSamples(t) {
		t.Run(strconv.Itoa(s.line), func(t *testing.T) {
			doc, err := Parse(s.data)
			if err != nil {
				t.Fatalf("Parse(%x): %v", s.data, err)
			}
			if doc.Partial {
				t.Errorf("stopped at an unknown element")
			}
			m := reDoc.FindStringSubmatch(s.decoded)
			if m == nil {
				t.Fatalf("no doc id in %q", s.decoded)
			}
			if want, _ := strconv.ParseUint(m[1], 16, 32); uint64(doc.Type) != want {
				t.Errorf("type = %#x, want %#x", uint32(doc.Type), want)
			}
			if m := reReqID.FindStringSubmatch(s.decoded); m != nil {
				want, _ := strconv.ParseUint(m[1], 16, 32)
				if uint64(doc.RequestID) != want || doc.RequestIDLen != len(m[1])/2 {
					t.Errorf("request-id = %X (%d bytes), want %s", doc.RequestID, doc.RequestIDLen, m[1])
				}
			} else if doc.RequestIDLen != 0 {
				t.Errorf("unexpected request-id %X", doc.RequestID)
			}
			if m := reTime.FindStringSubmatch(s.decoded); m != nil {
				want, _ := time.Parse(time.RFC3339, m[1])
				if !doc.Time.Equal(want) {
					t.Errorf("time = %v, want %v", doc.Time, want)
				}
			} else if !doc.Time.IsZero() {
				t.Errorf("unexpected time %v", doc.Time)
			}
			if m := reLatLon.FindStringSubmatch(s.decoded); m != nil {
				near(t, "lat", doc.Lat, num(t, m[1]), 1e-6)
				near(t, "lon", doc.Lon, num(t, m[2]), 1e-6)
				wantShape := map[string]Shape{"circle-2d": ShapeCircle2D, "circle-3d": ShapeCircle3D,
					"point-2d": ShapePoint2D, "point-3d": ShapePoint3D}[reShape.FindString(s.decoded)]
				if doc.Shape != wantShape {
					t.Errorf("shape = %d, want %d", doc.Shape, wantShape)
				}
			} else if doc.Shape != ShapeNone {
				t.Errorf("unexpected shape %d", doc.Shape)
			}
			optional := []struct {
				re   *regexp.Regexp
				name string
				got  float64
				tol  float64
			}{
				{reRadius, "radius", doc.RadiusM, 0.005 + 1e-9},
				{reAlt, "altitude", doc.AltitudeM, 0.005 + 1e-9},
				{reSpeed, "speed-hor", doc.SpeedMS, 0.00005 + 1e-9},
				{reSpeedV, "speed-vrt", doc.SpeedVMS, 0.00005 + 1e-9},
			}
			for _, o := range optional {
				if m := o.re.FindStringSubmatch(s.decoded); m != nil {
					near(t, o.name, o.got, num(t, m[1]), o.tol)
				} else if !math.IsNaN(o.got) {
					t.Errorf("unexpected %s %v", o.name, o.got)
				}
			}
			if m := reDir.FindStringSubmatch(s.decoded); m != nil {
				near(t, "direction", doc.Direction, 2*num(t, m[1]), 0)
			} else if !math.IsNaN(doc.Direction) {
				t.Errorf("unexpected direction %v", doc.Direction)
			}
			if m := reResult.FindStringSubmatch(s.decoded); m != nil {
				if !doc.HasResult || strconv.FormatUint(uint64(doc.ResultCode), 10) != m[1] ||
					strings.ToUpper(hex.EncodeToString(doc.ResultData)) != m[2] {
					t.Errorf("result = %v %d %x, want %s %s", doc.HasResult, doc.ResultCode, doc.ResultData, m[1], m[2])
				}
			}
		})
	}
}

// TestSamplesDecode runs every sample through the decode.Decoder as the
// runtime does, from a MOTOTRBO radio address.
func TestSamplesDecode(t *testing.T) {
	dec, err := New(decode.Options{Source: "lrrp-udp"})
	if err != nil {
		t.Fatal(err)
	}
	recv := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	fixes := 0
	for _, s := range loadSamples(t) {
		f := frame.Frame{Source: "lrrp-udp", Seq: 1, Peer: "12.0.0.139:4001", Received: recv, Data: s.data}
		obs, err := dec.Decode(f)
		doc, _ := Parse(s.data)
		switch {
		case doc.Type.Class() == ClassRequest:
			if err != decode.Ignored {
				t.Errorf("line %d: request: err = %v, want Ignored", s.line, err)
			}
		case strings.Contains(s.decoded, "operation-error"):
			if decode.Reason(err) != "result_code" {
				t.Errorf("line %d: err = %v, want result_code", s.line, err)
			}
			if code, ok := ResultCode(err); !ok || code != 5 {
				t.Errorf("line %d: ResultCode = %d %v, want 5", s.line, code, ok)
			}
		default:
			if err != nil {
				t.Fatalf("line %d: %v", s.line, err)
			}
			if len(obs.Fixes) != 1 {
				t.Fatalf("line %d: %d fixes", s.line, len(obs.Fixes))
			}
			fixes++
			fx := obs.Fixes[0]
			if fx.DeviceID != "139" || fx.IDKind != avl.RadioID || fx.Peer != f.Peer || fx.Source != f.Source {
				t.Errorf("line %d: identity %q %v %q %q", s.line, fx.DeviceID, fx.IDKind, fx.Peer, fx.Source)
			}
			if !fx.Valid || fx.Lat != doc.Lat || fx.Lon != doc.Lon || !fx.Received.Equal(recv) {
				t.Errorf("line %d: fix %+v", s.line, fx)
			}
			wantTime := doc.Time
			if wantTime.IsZero() {
				wantTime = recv
			}
			if !fx.Time.Equal(wantTime) {
				t.Errorf("line %d: time %v, want %v", s.line, fx.Time, wantTime)
			}
			if avl.Known(doc.SpeedMS) != avl.Known(fx.SpeedKmh) ||
				(avl.Known(doc.SpeedMS) && math.Abs(fx.SpeedKmh-doc.SpeedMS*3.6) > 1e-9) {
				t.Errorf("line %d: speed %v km/h from %v m/s", s.line, fx.SpeedKmh, doc.SpeedMS)
			}
			if avl.Known(fx.HDOP) {
				t.Errorf("line %d: HDOP %v", s.line, fx.HDOP)
			}
			sameNaN := func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }
			if !sameNaN(fx.Heading, doc.Direction) || !sameNaN(fx.AccuracyM, doc.RadiusM) || !sameNaN(fx.AltitudeM, doc.AltitudeM) {
				t.Errorf("line %d: heading/accuracy/altitude %v %v %v", s.line, fx.Heading, fx.AccuracyM, fx.AltitudeM)
			}
		}
	}
	if fixes < 15 {
		t.Errorf("only %d fixes from the samples", fixes)
	}
}

// TestTransportPrefix: the forum captures keep a 0x80 byte before the
// document. As a uintvar continuation byte it reads as part of the document
// id, so the raw capture decodes exactly like the stripped one.
func TestTransportPrefix(t *testing.T) {
	n := 0
	for _, s := range loadSamples(t) {
		if len(s.raw) == len(s.data) {
			continue
		}
		n++
		a, errA := Parse(s.raw)
		b, errB := Parse(s.data)
		if errA != nil || errB != nil {
			t.Fatalf("line %d: %v / %v", s.line, errA, errB)
		}
		if a.Type != b.Type || a.Lat != b.Lat || a.Lon != b.Lon || !a.Time.Equal(b.Time) || a.Direction != b.Direction {
			t.Errorf("line %d: prefixed %+v != stripped %+v", s.line, a, b)
		}
	}
	if n == 0 {
		t.Error("no prefixed samples found")
	}
}

func TestResultCodeNotOtherErrors(t *testing.T) {
	if _, ok := ResultCode(errors.New("x")); ok {
		t.Error("plain error has a result code")
	}
	if _, ok := ResultCode(decode.Ignored); ok {
		t.Error("Ignored has a result code")
	}
}
