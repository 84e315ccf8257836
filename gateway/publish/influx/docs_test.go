package influx

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/change"
	"radiogw/gateway/publish/influx/influxtest"
)

// docQueries returns the queries marked <!-- query: name --> in docs/influx.md.
func docQueries(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("../../../docs/influx.md")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)<!-- query: ([a-z-]+) -->\n```[a-z]+\n(.*?)```")
	qs := map[string]string{}
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		qs[m[1]] = strings.TrimSpace(m[2])
	}
	return qs
}

var docT0 = time.Date(2026, 11, 23, 22, 0, 0, 0, time.UTC)

// docTrack: 2A12 every 30 s from 22:00:00 to 22:10:00; 2A14 in the same
// window; four transmissions.
func docBatch() change.Batch {
	var b change.Batch
	for k := 0; k <= 20; k++ {
		for _, u := range []string{"2A12", "2A14"} {
			t := docT0.Add(time.Duration(k) * 30 * time.Second)
			lat, lon := docLatLon(u, k)
			b.Units = append(b.Units, avl.Change{Kind: avl.FixAccepted, Time: t, Live: true,
				Unit: avl.Unit{ID: u, Type: "patrol"},
				Fix: avl.Fix{Source: "avl-udp", Time: t, Lat: lat, Lon: lon, SpeedKmh: float64(k), Heading: 90,
					HDOP: avl.Unknown, AltitudeM: avl.Unknown, AccuracyM: avl.Unknown}})
		}
	}
	for i, tx := range []struct {
		ch  string
		at  time.Duration
		dur time.Duration
	}{{"tac2", 1 * time.Minute, 2 * time.Second}, {"tac2", 5 * time.Minute, 3500 * time.Millisecond},
		{"tac1", 7 * time.Minute, 1 * time.Second}, {"tac2", 30 * time.Minute, 4 * time.Second}} {
		b.Channels = append(b.Channels, channels.Change{Kind: channels.TransmissionEnd,
			Time: docT0.Add(tx.at + tx.dur), Duration: tx.dur, RadioID: strconv.Itoa(1200 + i),
			Channel: channels.ChannelState{Name: tx.ch}})
	}
	return b
}

func docLatLon(unit string, k int) (float64, float64) {
	if unit == "2A12" {
		return 33.74 + float64(k)/1000, -117.82 - float64(k)/2000
	}
	return 33.70 - float64(k)/1000, -117.80
}

func num(t *testing.T, v any) float64 {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("not a number: %#v", v)
	}
	f, err := n.Float64()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestDocQueries(t *testing.T) {
	qs := docQueries(t)
	for _, name := range []string{"track-influxql", "track-flux", "airtime-influxql", "last-influxql"} {
		if qs[name] == "" {
			t.Fatalf("docs/influx.md lost query %q", name)
		}
	}
	srv := influxtest.Start(t, "radiogw", influxtest.Flux())
	o := openOutbox(t, t.TempDir(), nil)
	defer o.Close()
	s := newSink(t, o, srv.URL)
	if err := s.Write(docBatch()); err != nil {
		t.Fatal(err)
	}
	stop := runSink(s)
	defer stop()
	waitDrained(t, o, 20*time.Second)

	t.Run("track-influxql", func(t *testing.T) {
		r, err := srv.Query(qs["track-influxql"])
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Series) != 1 || len(r.Series[0].Values) != 5 {
			t.Fatalf("want 5 rows: %+v", r)
		}
		if got := strings.Join(r.Series[0].Columns, ","); got != "time,lat,lon,speed_kmh,heading" {
			t.Fatalf("columns %s", got)
		}
		for i, row := range r.Series[0].Values {
			k := 4 + i // 22:02:00 is the fifth fix
			lat, lon := docLatLon("2A12", k)
			tm := int64(num(t, row[0]))
			if tm != docT0.Add(time.Duration(k)*30*time.Second).UnixNano() ||
				num(t, row[1]) != lat || num(t, row[2]) != lon || num(t, row[3]) != float64(k) {
				t.Errorf("row %d = %v, want fix %d (%v, %v)", i, row, k, lat, lon)
			}
		}
	})
	t.Run("track-flux", func(t *testing.T) {
		out, err := srv.Flux(qs["track-flux"])
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimSpace(out))).ReadAll()
		if err != nil {
			t.Fatalf("flux csv: %v\n%s", err, out)
		}
		// header + 5 rows: ,result,table,_time,lat,lon
		if len(recs) != 6 {
			t.Fatalf("want 5 rows:\n%s", out)
		}
		col := map[string]int{}
		for i, c := range recs[0] {
			col[c] = i
		}
		for i, rec := range recs[1:] {
			k := 4 + i
			lat, lon := docLatLon("2A12", k)
			want := docT0.Add(time.Duration(k) * 30 * time.Second).Format(time.RFC3339)
			if rec[col["_time"]] != want || rec[col["lat"]] != fmt.Sprint(lat) || rec[col["lon"]] != fmt.Sprint(lon) {
				t.Errorf("row %d = %v, want %s %v %v", i, rec, want, lat, lon)
			}
		}
	})
	t.Run("airtime-influxql", func(t *testing.T) {
		r, err := srv.Query(qs["airtime-influxql"])
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, se := range r.Series {
			v := se.Values[0]
			got[se.Tags["channel"]] = fmt.Sprintf("%v/%v", num(t, v[1]), num(t, v[2]))
		}
		if want := map[string]string{"tac1": "1/1", "tac2": "3/9.5"}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("airtime %v, want %v", got, want)
		}
	})
	t.Run("last-influxql", func(t *testing.T) {
		r, err := srv.Query(qs["last-influxql"])
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Series) != 2 {
			t.Fatalf("want one series per unit: %+v", r)
		}
		for _, se := range r.Series {
			lat, lon := docLatLon(se.Tags["unit"], 20)
			if v := se.Values[0]; num(t, v[1]) != lat || num(t, v[2]) != lon {
				t.Errorf("%s last = %v, want %v %v", se.Tags["unit"], v, lat, lon)
			}
		}
	})
}
