package mqtt

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"radiogw/avl"
)

const sharedData = "../../../testdata/captures"

// realUnits builds units from real captures: positions, speeds and courses
// from gpsd's expected TPV reports of three GPS receivers, alpha tags from
// trunk-recorder's messages.
func realUnits(t testing.TB) []avl.Unit {
	t.Helper()
	var tags []string
	eachLine(t, filepath.Join(sharedData, "trunk-recorder/messages.jsonl"), func(line []byte) {
		var m any
		if json.Unmarshal(line, &m) == nil {
			tags = appendTags(tags, m)
		}
	})
	var units []avl.Unit
	for _, f := range []string{"bu353-glonass", "mtk-3329", "ublox-lea-5q"} {
		eachLine(t, filepath.Join(sharedData, "nmea/gpsd", f+".log.chk"), func(line []byte) {
			var tpv struct {
				Class        string
				Time         time.Time
				Lat, Lon     *float64
				Speed, Track *float64
				Alt, Eph     *float64
			}
			if json.Unmarshal(line, &tpv) != nil || tpv.Class != "TPV" || tpv.Lat == nil || tpv.Lon == nil {
				return
			}
			opt := func(v *float64, scale float64) float64 {
				if v == nil {
					return avl.Unknown
				}
				return *v * scale
			}
			i := len(units)
			u := avl.Unit{ID: f, AlphaTag: tags[i%len(tags)], Position: &avl.Position{Lat: *tpv.Lat, Lon: *tpv.Lon,
				FixTime: tpv.Time, SpeedKmh: opt(tpv.Speed, 3.6), Heading: opt(tpv.Track, 1), HDOP: opt(tpv.Eph, 0.1),
				Altitude: opt(tpv.Alt, 1), Source: "gpsd-" + f}, Motion: avl.Motion(i % 3), Updated: tpv.Time}
			if i%7 == 0 {
				u.Emergency = &avl.Emergency{ID: "e-" + f, Since: tpv.Time, AckedBy: tags[(i+1)%len(tags)]}
			}
			units = append(units, u)
		})
	}
	if len(units) < 10 || len(tags) < 10 {
		t.Fatalf("real data: %d positions, %d tags; is %s there?", len(units), len(tags), sharedData)
	}
	return units
}

// appendTags collects every alpha tag in a decoded document, at any depth.
func appendTags(tags []string, v any) []string {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && (k == "unit_alpha_tag" || k == "talkgroup_alpha_tag") {
				tags = append(tags, s)
			} else {
				tags = appendTags(tags, x)
			}
		}
	case []any:
		for _, x := range v {
			tags = appendTags(tags, x)
		}
	}
	return tags
}

func eachLine(t testing.TB, path string, fn func([]byte)) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("real data: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fn(sc.Bytes())
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("real data %s: %v", path, err)
	}
}

// Units built from real GPS receivers' reports encode exactly as the
// reference encoder does.
func TestUnitPayloadRealData(t *testing.T) {
	now := time.Date(2034, 1, 9, 8, 20, 0, 0, time.UTC)
	for _, u := range realUnits(t) {
		checkUnit(t, "tustin", &u, now)
	}
}
