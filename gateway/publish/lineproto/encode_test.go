package lineproto

import (
	"math"
	"strings"
	"testing"
	"time"

	protocol "github.com/influxdata/line-protocol"
)

var t1 = time.Date(2026, 11, 23, 22, 14, 5, 123456789, time.UTC)

func TestAppendEscaping(t *testing.T) {
	cases := []struct {
		name   string
		meas   string
		tags   []Tag
		fields []Field
		want   string
	}{
		{"plain", "unit_position", []Tag{{"site", "tustin"}, {"unit", "2A12"}},
			[]Field{F("lat", 33.74562), F("lon", -117.82311)},
			"unit_position,site=tustin,unit=2A12 lat=33.74562,lon=-117.82311 1795472045123456789"},
		{"whole float stays float", "m", nil, []Field{F("heading", 270)}, "m heading=270 1795472045123456789"},
		{"measurement escapes comma and space only", "a b,c=d", nil, []Field{F("x", 1)},
			`a\ b\,c=d x=1 1795472045123456789`},
		{"tag escapes", "m", []Tag{{"k y", "v,a=l ue"}}, []Field{F("f=k", 1)},
			`m,k\ y=v\,a\=l\ ue f\=k=1 1795472045123456789`},
		{"empty tags left out", "m", []Tag{{"site", ""}, {"", "x"}, {"unit", "u"}}, []Field{F("x", 1)},
			"m,unit=u x=1 1795472045123456789"},
		{"unknown floats left out", "m", nil, []Field{F("a", math.NaN()), F("b", math.Inf(1)), F("c", 2.5), F("d", math.Inf(-1))},
			"m c=2.5 1795472045123456789"},
		{"string escapes", "m", nil, []Field{S("s", `say "hi" \ now`)},
			`m s="say \"hi\" \\ now" 1795472045123456789`},
		{"newlines never split a line", "m\nx", []Tag{{"t", "a\nb"}}, []Field{S("s", "l1\nl2")},
			`m\ x,t=a\ b s="l1 l2" 1795472045123456789`},
		{"backslash before a separator", "m", []Tag{{"t", `a\`}, {"u", `a\,b`}, {"w", `c\d`}}, []Field{F("x", 1)},
			`m,t=a/,u=a/\,b,w=c\d x=1 1795472045123456789`},
		{"empty strings left out", "m", nil, []Field{S("a", ""), S("b", "x")}, `m b="x" 1795472045123456789`},
	}
	for _, c := range cases {
		got, err := Append(nil, c.meas, c.tags, c.fields, t1)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if string(got) != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}

func TestAppendErrors(t *testing.T) {
	dst := []byte("keep")
	got, err := Append(dst, "m", nil, []Field{F("a", math.NaN())}, t1)
	if err != ErrNoFields || string(got) != "keep" {
		t.Fatalf("no fields: %q %v", got, err)
	}
	if _, err := Append(nil, "m", nil, []Field{F("a", 1)}, time.Time{}); err != ErrNoTime {
		t.Fatalf("no time: %v", err)
	}
}

// parse reads lines back with InfluxData's own parser.
func parse(t *testing.T, b []byte) []protocol.Metric {
	t.Helper()
	ms, err := protocol.NewParser(protocol.NewMetricHandler()).Parse(b)
	if err != nil {
		t.Fatalf("parse %q: %v", b, err)
	}
	return ms
}

func TestAppendRoundTrip(t *testing.T) {
	b, err := Append(nil, "unit position", []Tag{{"unit", "2A 12,x=y"}},
		[]Field{F("lat", 33.1), S("note", `a "b" \c`), F("big", 1e21), F("tiny", 5e-324)}, t1)
	if err != nil {
		t.Fatal(err)
	}
	ms := parse(t, b)
	if len(ms) != 1 {
		t.Fatalf("%d metrics", len(ms))
	}
	m := ms[0]
	if m.Name() != "unit position" || m.TagList()[0].Value != "2A 12,x=y" || !m.Time().Equal(t1) {
		t.Fatalf("round trip: %s %v %v", m.Name(), m.TagList()[0], m.Time())
	}
	want := map[string]any{"lat": 33.1, "note": `a "b" \c`, "big": 1e21, "tiny": 5e-324}
	for _, f := range m.FieldList() {
		if want[f.Key] != f.Value {
			t.Errorf("field %s = %#v, want %#v", f.Key, f.Value, want[f.Key])
		}
	}
}

func FuzzAppend(f *testing.F) {
	f.Add("unit_position", "unit", "2A12", "lat", 33.74562, "status", "enroute")
	f.Add(`a\`, `k\`, `v\ ,=`, `f=`, math.Inf(1), `s`, "x\"\\\n")
	f.Add("m", "t", "a\tb\r\fc", "x", -0.0, "s", "")
	// Names as trunk-recorder sends them (testdata/captures/trunk-recorder).
	f.Add("transmission", "channel", "Metro Police N", "duration_s", 2.0, "unit", "State Port. 109")
	f.Add("unit_position", "unit", "FD Port. 126", "lat", 55.686591667, "radio_id", "Chemung CW Police Dispatch")
	f.Fuzz(func(t *testing.T, meas, tk, tv, fk string, fv float64, sk, sv string) {
		if strings.ContainsAny(meas+tk+tv+fk+sk+sv, "\x00") || meas == "" || meas[0] == '#' {
			return
		}
		b, err := Append(nil, meas, []Tag{{tk, tv}}, []Field{F(fk, fv), S(sk, sv)}, t1)
		if err != nil {
			return
		}
		if strings.ContainsAny(string(b), "\n\r") {
			t.Fatalf("line break in %q", b)
		}
		ms, err := protocol.NewParser(protocol.NewMetricHandler()).Parse(b)
		if err != nil {
			t.Fatalf("unparsable %q: %v", b, err)
		}
		if len(ms) != 1 || !ms[0].Time().Equal(t1) {
			t.Fatalf("%q parsed into %d metrics", b, len(ms))
		}
		clean := !strings.ContainsFunc(sv, func(r rune) bool { return r < 0x20 || r == 0x7f })
		if clean && sv != "" && sk != "" && sk != fk && !strings.ContainsAny(sk, "\\\x7f") &&
			!strings.ContainsFunc(sk, func(r rune) bool { return r < 0x20 }) {
			var got any
			for _, fl := range ms[0].FieldList() {
				if fl.Key == sk {
					got = fl.Value
				}
			}
			if got != sv {
				t.Fatalf("string field %q: got %#v from %q", sk, got, b)
			}
		}
	})
}

func BenchmarkAppendPosition(b *testing.B) {
	tags := []Tag{{"site", "tustin"}, {"source", "avl-udp"}, {"type", "patrol"}, {"unit", "2A12"}}
	fields := []Field{F("hdop", 0.9), F("heading", 270), F("lat", 33.74562), F("lon", -117.82311), F("speed_kmh", 42.5)}
	var buf []byte
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf, _ = Append(buf[:0], MeasPosition, tags, fields, t1)
	}
	b.SetBytes(int64(len(buf)))
}
