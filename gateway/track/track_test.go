package track

import (
	"strconv"
	"testing"
	"time"

	"radiogw/gateway/publish/outbox"
)

func TestParsePosition(t *testing.T) {
	line := []byte(`unit_position,site=s,source=avl\ udp,type=patrol,unit=2A\,12 accuracy_m=7,altitude_m=45,hdop=0.9,lat=33.7,lon=-117.8,speed_kmh=12 1763935445000000000`)
	unit, p, ok := parsePosition(line)
	if !ok || unit != "2A,12" || p.Source != "avl udp" || p.Lat != 33.7 || p.Lon != -117.8 || p.AltitudeM != 45 ||
		p.HDOP != 0.9 || p.AccuracyM != 7 || !p.Time.Equal(time.Unix(1763935445, 0)) || known(p.Heading) {
		t.Fatalf("parsePosition = %q %+v %v", unit, p, ok)
	}
	for _, bad := range []string{
		`unit_status,site=s,unit=2A12 status="x" 1`,
		`unit_position,site=s,unit=2A12 lat=91,lon=0 1`,
		`unit_position,site=s,unit=2A12 lat=1 1`,
		`unit_position,site=s lat=1,lon=2 1`,
		`unit_position,site=s,unit=2A12 lat=1,lon=2 notatime`,
		`unit_position,site=s,unit=2A12`,
	} {
		if _, _, ok := parsePosition([]byte(bad)); ok {
			t.Errorf("parsePosition accepts %s", bad)
		}
	}
}

func TestFromLineProtocolFiltersAndDeduplicates(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 22, 0, 0, 0, time.UTC)
	mk := func(unit string, s int, lat string) outbox.Entry {
		ts := t0.Add(time.Duration(s) * time.Second).UnixNano()
		return outbox.Entry{Class: outbox.ClassPosition, Data: []byte("unit_position,site=s,unit=" + unit + " lat=" + lat + ",lon=1 " + itoa(ts))}
	}
	entries := []outbox.Entry{mk("2A12", 2, "2"), mk("2B7", 1, "9"), mk("2A12", 1, "1"), mk("2A12", 2, "2"),
		{Class: outbox.ClassEvent, Data: []byte("transmission,channel=tac2,site=s duration_s=1 1")}, mk("2A12", 99, "5")}
	for i := range entries {
		entries[i].Index = uint64(i + 1)
	}
	scan := func(after uint64, max int) ([]outbox.Entry, error) {
		var out []outbox.Entry
		for _, e := range entries {
			if e.Index > after && len(out) < max {
				out = append(out, e)
			}
		}
		return out, nil
	}
	pts, err := FromLineProtocol(scan, Query{Unit: "2A12", From: t0, To: t0.Add(time.Minute)})
	if err != nil || len(pts) != 2 || pts[0].Lat != 1 || pts[1].Lat != 2 {
		t.Fatalf("points %+v, %v; want lat 1 then 2, once each, 2B7 and the fix after To left out", pts, err)
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func TestQuoteString(t *testing.T) {
	for in, want := range map[string]string{`2A12`: `'2A12'`, `x' OR '1'='1`: `'x\' OR \'1\'=\'1'`, `a\`: `'a\\'`} {
		if got := quoteString(in); got != want {
			t.Errorf("quoteString(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestQueryCheck(t *testing.T) {
	t0 := time.Now()
	for _, q := range []Query{{Unit: "", From: t0, To: t0.Add(time.Hour)}, {Unit: "a\x00b", From: t0, To: t0.Add(time.Hour)},
		{Unit: "2A12", From: t0, To: t0}, {Unit: "2A12", From: t0, To: t0.Add(MaxSpan + time.Second)}} {
		if q.Check() == nil {
			t.Errorf("%+v accepted", q)
		}
	}
	if err := (Query{Unit: "2A12", From: t0, To: t0.Add(time.Hour)}).Check(); err != nil {
		t.Error(err)
	}
}
