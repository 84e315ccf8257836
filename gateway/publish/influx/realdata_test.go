package influx

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/change"
	"radiogw/gateway/publish/influx/influxtest"
)

const dataDir = "../../../testdata/captures"

// gpsdFixes reads the TPV reports gpsd expects from its real receiver logs.
func gpsdFixes(t *testing.T) []map[string]any {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dataDir, "nmea/gpsd/*.chk"))
	if len(files) == 0 {
		t.Fatalf("no gpsd captures under %s", dataDir)
	}
	var out []map[string]any
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if !strings.Contains(line, `"class":"TPV"`) || !strings.Contains(line, `"lat"`) {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			out = append(out, m)
		}
	}
	return out
}

// trunkTags returns the unit and talkgroup alpha tags trunk-recorder sent.
func trunkTags(t *testing.T) (units, talkgroups []string) {
	t.Helper()
	f, err := os.Open(filepath.Join(dataDir, "trunk-recorder/messages.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && s != "" && !seen[k+s] {
					seen[k+s] = true
					switch k {
					case "unit_alpha_tag":
						units = append(units, s)
					case "talkgroup_alpha_tag":
						talkgroups = append(talkgroups, s)
					}
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		walk(m)
	}
	sort.Strings(units)
	sort.Strings(talkgroups)
	return units, talkgroups
}

func opt(m map[string]any, k string, scale float64) float64 {
	if v, ok := m[k].(float64); ok {
		return v * scale
	}
	return avl.Unknown
}

// Real receiver fixes under real trunk-recorder unit names ("State Port. 109")
// and talkgroup names ("Metro Police N") come back from InfluxDB exactly.
func TestRealDataRoundTrip(t *testing.T) {
	tpv := gpsdFixes(t)
	units, tgs := trunkTags(t)
	if len(tpv) < 10 || len(units) < 5 || len(tgs) < 3 {
		t.Fatalf("real data: %d fixes, %d units, %d talkgroups", len(tpv), len(units), len(tgs))
	}
	var b change.Batch
	want := map[string]avl.Fix{} // unit + time -> fix
	for i, m := range tpv {
		tm, err := time.Parse(time.RFC3339Nano, m["time"].(string))
		if err != nil {
			t.Fatal(err)
		}
		f := avl.Fix{Source: "gpsd", Time: tm, Lat: m["lat"].(float64), Lon: m["lon"].(float64),
			SpeedKmh: opt(m, "speed", 3.6), Heading: opt(m, "track", 1), HDOP: avl.Unknown,
			AltitudeM: opt(m, "altHAE", 1), AccuracyM: opt(m, "eph", 1)}
		u := units[i%len(units)]
		want[u+tm.Format(time.RFC3339Nano)] = f
		b.Units = append(b.Units, avl.Change{Kind: avl.FixAccepted, Time: tm, Unit: avl.Unit{ID: u}, Fix: f})
	}
	for i, tg := range tgs {
		b.Channels = append(b.Channels, channels.Change{Kind: channels.TransmissionEnd,
			Time: docT0.Add(time.Duration(i) * time.Minute), Duration: 2 * time.Second, RadioID: "1201",
			Channel: channels.ChannelState{Name: tg}})
	}

	srv := influxtest.Start(t, "radiogw")
	o := openOutbox(t, t.TempDir(), nil)
	defer o.Close()
	s := newSink(t, o, srv.URL)
	if err := s.Write(b); err != nil {
		t.Fatal(err)
	}
	stop := runSink(s)
	defer stop()
	waitDrained(t, o, 20*time.Second)

	r, err := srv.Query(`SELECT "lat", "lon", "speed_kmh", "heading", "altitude_m", "accuracy_m" FROM "unit_position" GROUP BY "unit"`)
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for _, se := range r.Series {
		for _, row := range se.Values {
			tm := time.Unix(0, int64(num(t, row[0]))).UTC()
			f, ok := want[se.Tags["unit"]+tm.Format(time.RFC3339Nano)]
			if !ok {
				t.Fatalf("unexpected point %s %v", se.Tags["unit"], row)
			}
			got++
			for i, w := range []float64{f.Lat, f.Lon, f.SpeedKmh, f.Heading, f.AltitudeM, f.AccuracyM} {
				v := row[i+1]
				if math.IsNaN(w) {
					if v != nil {
						t.Errorf("%s %v: column %s = %v, want absent", se.Tags["unit"], tm, r.Series[0].Columns[i+1], v)
					}
					continue
				}
				if v == nil || num(t, v) != w {
					t.Errorf("%s %v: column %s = %v, want %v", se.Tags["unit"], tm, r.Series[0].Columns[i+1], v, w)
				}
			}
		}
	}
	if got != len(tpv) {
		t.Fatalf("%d fixes came back, want %d", got, len(tpv))
	}
	r, err = srv.Query(`SELECT count("duration_s") FROM "transmission" GROUP BY "channel"`)
	if err != nil {
		t.Fatal(err)
	}
	var chans []string
	for _, se := range r.Series {
		chans = append(chans, se.Tags["channel"])
	}
	if strings.Join(chans, "|") != strings.Join(tgs, "|") {
		t.Fatalf("channels %q, want %q", chans, tgs)
	}
}
