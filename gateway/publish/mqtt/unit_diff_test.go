package mqtt

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"radiogw/avl"
)

// sameDocument fails unless got and want are both errors or both JSON
// documents that decode to identical values.
func sameDocument(t *testing.T, what string, got []byte, gotErr error, want []byte, wantErr error) {
	t.Helper()
	if (gotErr != nil) != (wantErr != nil) {
		t.Fatalf("%s: error %v, reference error %v (reference %s)", what, gotErr, wantErr, want)
	}
	if gotErr != nil {
		return
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: invalid JSON %q: %v", what, got, err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: reference invalid JSON %q: %v", what, want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s:\n got %s\nwant %s", what, got, want)
	}
}

func checkUnit(t *testing.T, site string, u *avl.Unit, now time.Time) {
	t.Helper()
	got, err := UnitPayload(site, u, now)
	want, refErr := refUnitPayload(site, u, now)
	sameDocument(t, "unit "+u.ID, got, err, want, refErr)
	// Appending to a buffer with content keeps it and adds the same document.
	prefix := []byte("prefix")
	app, err := AppendUnitPayload(prefix, site, u, now)
	if err == nil && (!bytes.HasPrefix(app, prefix) || !bytes.Equal(app[len(prefix):], got)) {
		t.Fatalf("AppendUnitPayload: %q, UnitPayload %q", app, got)
	}
	if err != nil && string(app) != "prefix" {
		t.Fatalf("AppendUnitPayload left %q after an error", app)
	}

	ot, err := OwnTracksPayload(u, DefaultAccuracyM)
	refOT, refErr := refOwnTracksPayload(u)
	if (ot == nil) != (refOT == nil) && err == nil && refErr == nil {
		t.Fatalf("owntracks %s: %q, reference %q", u.ID, ot, refOT)
	}
	if ot != nil || refOT != nil || err != nil || refErr != nil {
		sameDocument(t, "owntracks "+u.ID, ot, err, refOT, refErr)
	}
}

// Awkward values the payloads must survive: quotes, backslashes, control
// characters, HTML-significant and JavaScript-breaking characters, invalid
// UTF-8, non-ASCII call signs.
var awkwardStrings = []string{"", "2A12", "2A12 Patrol", `say "hi"`, `back\slash`, "tab\tnl\nnul\x00bell\x07",
	"<b>&amp;</b>", "line\u2028sep\u2029", "bad\xffutf8\xc3", "Ünit Ω", "日本語", "\x7f", "x\xe2\x82", "é"}

var awkwardFloats = []float64{0, math.Copysign(0, -1), 33.74562, -117.82311, 42.5, 270, 0.9, 1e-7, -1e-7,
	1e21, 123456789012345678901234.0, 5e-324, math.MaxFloat64, math.NaN(), math.Inf(1), math.Inf(-1), 0.1 + 0.2, 359.99999}

func awkwardTime(r *rand.Rand) time.Time {
	switch r.IntN(8) {
	case 0:
		return time.Time{}
	case 1:
		return time.Date(2026, 11, 23, 22, 14, 5, 0, time.UTC)
	case 2:
		return time.Date(2026, 11, 23, 22, 14, 5, r.IntN(1e9), time.FixedZone("PST", -8*3600))
	case 3:
		return time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) // encoding/json refuses it
	case 4:
		return time.Date(2026, 1, 1, 0, 0, 0, 120000000, time.Local)
	default:
		return time.Unix(r.Int64N(4e9), r.Int64N(1e9))
	}
}

func randomUnit(r *rand.Rand) avl.Unit {
	str := func() string { return awkwardStrings[r.IntN(len(awkwardStrings))] }
	flt := func() float64 {
		if r.IntN(3) == 0 {
			return awkwardFloats[r.IntN(len(awkwardFloats))]
		}
		return (r.Float64() - 0.5) * 360
	}
	strs := func() []string {
		switch r.IntN(3) {
		case 0:
			return nil
		case 1:
			return []string{}
		}
		s := make([]string, 1+r.IntN(3))
		for i := range s {
			s[i] = str()
		}
		return s
	}
	u := avl.Unit{ID: str(), AlphaTag: str(), Type: str(), RadioIDs: strs(), AVLIDs: strs(), Unlisted: r.IntN(2) == 0,
		Stale: avl.StaleLevel(r.IntN(5)), Motion: avl.Motion(r.IntN(4)), Beat: str(), Status: str(),
		StatusAt: awkwardTime(r), Channel: str(), Talking: r.IntN(2) == 0, LastHeard: awkwardTime(r), Updated: awkwardTime(r)}
	if r.IntN(4) != 0 {
		lat, lon := flt(), flt()
		if r.IntN(4) != 0 { // mostly plausible coordinates, so most units encode
			lat, lon = 33+r.Float64(), -118+r.Float64()
		}
		u.Position = &avl.Position{Lat: lat, Lon: lon, FixTime: awkwardTime(r), SpeedKmh: flt(), Heading: flt(),
			HDOP: flt(), Altitude: flt(), Source: str()}
	}
	if r.IntN(3) == 0 {
		u.Emergency = &avl.Emergency{ID: str(), Since: awkwardTime(r), AckedBy: str(), AckedAt: awkwardTime(r)}
	}
	return u
}

func TestUnitPayloadMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	site := []string{"tustin", `si"te`, "sïte"}
	encoded, failed := 0, 0
	for i := 0; i < 20000; i++ {
		u := randomUnit(r)
		checkUnit(t, site[i%len(site)], &u, now)
		if _, err := UnitPayload("tustin", &u, now); err != nil {
			failed++
		} else {
			encoded++
		}
	}
	// Both outcomes must have been exercised, or the comparison proved little.
	if encoded < 5000 || failed < 100 {
		t.Fatalf("%d units encoded, %d refused: the generator is too narrow", encoded, failed)
	}
	// The document from DESIGN.md, and the benchmark's unit.
	for _, u := range []avl.Unit{benchUnit(7, now), unitAt("2A12", 3)} {
		checkUnit(t, "tustin", &u, now)
	}
}

// A future fix gives fix_age_s 0, never a negative age.
func TestUnitPayloadFutureFix(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	u := benchUnit(1, now)
	u.Position.FixTime = now.Add(time.Hour)
	b, err := UnitPayload("tustin", &u, now)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"fix_age_s":0,`)) {
		t.Fatalf("future fix: %s", b)
	}
}

func TestUnitPayloadAllocations(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	u := benchUnit(1, now)
	buf := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		if buf, err = AppendUnitPayload(buf[:0], "tustin", &u, now); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("AppendUnitPayload into a large enough buffer: %v allocations", allocs)
	}
	if allocs = testing.AllocsPerRun(100, func() { UnitPayload("tustin", &u, now) }); allocs > 1 {
		t.Fatalf("UnitPayload: %v allocations", allocs)
	}
}

// FuzzUnitPayload builds a unit from the fuzzer's values and compares the
// hand-written encoders with the reflection-based reference.
func FuzzUnitPayload(f *testing.F) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	u := benchUnit(1, now)
	f.Add("tustin", u.ID, u.AlphaTag, u.Beat, "e-2A12-1763935200", u.Position.Lat, u.Position.Lon, u.Position.SpeedKmh,
		u.Position.Heading, now.Add(-3*time.Second).UnixNano(), now.UnixNano(), uint8(0b1011))
	f.Add("si\"te", "Ünit\x00", "<&>", "bad\xff", "", math.NaN(), math.Inf(1), 1e-7, 1e21, int64(0), int64(-1), uint8(0xff))
	f.Add("", "\u2028", "日本語", "B3", "e", -0.0, 5e-324, math.NaN(), -1.5, int64(math.MaxInt64), int64(math.MinInt64), uint8(0b0110))
	for i, u := range realUnits(f) {
		if i%3 != 0 {
			continue
		}
		p := u.Position
		f.Add("tustin", u.ID, u.AlphaTag, "B3", "e-1", p.Lat, p.Lon, p.SpeedKmh, p.Heading, p.FixTime.UnixNano(),
			u.Updated.UnixNano(), uint8(i))
	}
	f.Fuzz(func(t *testing.T, site, id, tag, beat, emID string, lat, lon, speed, heading float64, fix, upd int64, flags uint8) {
		u := avl.Unit{ID: id, AlphaTag: tag, Beat: beat, Status: tag, Channel: beat, RadioIDs: []string{id, tag},
			Unlisted: flags&1 != 0, Talking: flags&2 != 0, Stale: avl.StaleLevel(flags >> 5), Motion: avl.Motion(flags >> 6),
			Updated: time.Unix(0, upd), LastHeard: time.Unix(0, fix)}
		if flags&4 != 0 {
			u.Position = &avl.Position{Lat: lat, Lon: lon, FixTime: time.Unix(0, fix), SpeedKmh: speed, Heading: heading,
				HDOP: speed, Altitude: heading, Source: site}
		}
		if flags&8 != 0 {
			u.Emergency = &avl.Emergency{ID: emID, Since: time.Unix(0, upd), AckedBy: tag}
			if flags&16 != 0 {
				u.Emergency.AckedAt = time.Unix(0, fix)
			}
		}
		checkUnit(t, site, &u, now)
	})
}
