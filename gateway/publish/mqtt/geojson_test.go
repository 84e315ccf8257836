package mqtt

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"radiogw/avl"
)

// referenceMap is the map payload built the obvious way, with orb's geojson
// and encoding/json: mapPayload must decode to the same value.
func referenceMap(t *testing.T, site string, units []*avl.Unit, now time.Time) any {
	t.Helper()
	fc := geojson.NewFeatureCollection()
	for _, u := range units {
		if u.Position == nil {
			continue
		}
		f := geojson.NewFeature(orb.Point{u.Position.Lon, u.Position.Lat})
		f.ID = u.ID
		f.Properties["unit"] = u.ID
		f.Properties["fix_time"] = u.Position.FixTime.UTC().Format(time.RFC3339)
		f.Properties["fix_age_s"] = int64(now.Sub(u.Position.FixTime) / time.Second)
		f.Properties["stale"] = u.Stale.String()
		f.Properties["talking"] = u.Talking
		f.Properties["emergency"] = u.Emergency != nil
		for k, v := range map[string]string{"unit_alpha_tag": u.AlphaTag, "type": u.Type,
			"status": u.Status, "beat": u.Beat, "channel": u.Channel, "motion": u.Motion.String()} {
			if v != "" {
				f.Properties[k] = v
			}
		}
		if avl.Known(u.Position.SpeedKmh) {
			f.Properties["speed_kmh"] = u.Position.SpeedKmh
		}
		if avl.Known(u.Position.Heading) {
			f.Properties["heading"] = u.Position.Heading
		}
		fc.Append(f)
	}
	fc.ExtraMembers = geojson.Properties{"class": "map", "v": SchemaVersion, "site": site}
	b, err := json.Marshal(fc)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	json.Unmarshal(b, &v)
	return v
}

func TestMapPayloadMatchesGeoJSONEncoding(t *testing.T) {
	now := t0.Add(time.Minute)
	a := unitAt("2A12", 3)
	a.Beat, a.Status, a.Channel, a.Talking, a.Type = "B3", "enroute", "tac2", true, "patrol"
	a.Emergency = &avl.Emergency{ID: "e-1", Since: t0}
	b := unitAt("2A13", 4)
	b.AlphaTag = "Ünit \"13\" <tag> \\ \x01\u2028 \xff"
	b.Position.SpeedKmh, b.Position.Heading = avl.Unknown, 0
	b.Position.Lat, b.Position.Lon = -0.0000001, 1e-7
	c := avl.Unit{ID: "9999", Unlisted: true} // no position: not on the map
	d := unitAt("2A14", 5)
	d.Position.SpeedKmh, d.Position.Heading = 123456789.125, 359.99999
	d.Stale, d.Motion = avl.Lost, avl.Stopped
	for _, units := range [][]*avl.Unit{nil, {&c}, {&a, &b, &c, &d}} {
		got, err := mapPayload("tustin", units, now, MaxMapBytes)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(got, &v); err != nil {
			t.Fatalf("mapPayload is not JSON: %v\n%s", err, got)
		}
		if want := referenceMap(t, "tustin", units, now); !reflect.DeepEqual(v, want) {
			t.Errorf("mapPayload decodes to\n%v\nwant\n%v", v, want)
		}
	}
}

func TestAppendFloatLikeEncodingJSON(t *testing.T) {
	for _, f := range []float64{0, -0.5, 1e-7, -1e-7, 1e-6, 33.74562, -117.82311, 1e20, 1e21, 123456789.125, 5e-324, math.MaxFloat64} {
		want, _ := json.Marshal(f)
		if got := appendFloat(nil, f); string(got) != string(want) {
			t.Errorf("appendFloat(%v) = %s, want %s", f, got, want)
		}
	}
}

// FuzzAppendString: any string round-trips through appendString as
// encoding/json would decode it.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "2A12 Patrol", "Ünit \"13\"", "\x00\x1f\\", "\xff\xfe", "\u2028\u2029", "<b>&</b>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var got, want string
		if err := json.Unmarshal(appendString(nil, s), &got); err != nil {
			t.Fatalf("appendString(%q) is not a JSON string: %v", s, err)
		}
		ref, _ := json.Marshal(s)
		json.Unmarshal(ref, &want)
		if got != want {
			t.Fatalf("appendString(%q) decodes to %q, want %q", s, got, want)
		}
	})
}

func TestOwnTracksTID(t *testing.T) {
	for id, want := range map[string]string{"2A12": "12", "7": "7", "Zürich-Süd": "üd", "": ""} {
		if got := tid(id); got != want {
			t.Errorf("tid(%q) = %q, want %q", id, got, want)
		}
	}
}
