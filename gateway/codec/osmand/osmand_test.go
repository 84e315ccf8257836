package osmand

import (
	"testing"
	"time"

	"radiogw/avl"
	"radiogw/gateway/codec/codectest"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

var received = time.Date(2026, 11, 23, 22, 14, 10, 0, time.UTC)

func decodeOne(t testing.TB, data string) (decode.Observations, error) {
	d, _ := New(decode.Options{Source: "phones"})
	return d.Decode(frame.Frame{Source: "phones", Peer: "10.1.2.3", Received: received, Data: []byte(data)})
}

func TestDecodeTraccarClientReport(t *testing.T) {
	obs, err := decodeOne(t, "id=862123045&timestamp=1763935445&lat=33.74562&lon=-117.82311&speed=10.0&bearing=270.0&altitude=52.0&accuracy=8.0&batt=87.0")
	if err != nil || len(obs.Fixes) != 1 {
		t.Fatalf("%v %+v", err, obs)
	}
	f := obs.Fixes[0]
	if f.DeviceID != "862123045" || f.IDKind != avl.AVLID || f.Lat != 33.74562 || f.Lon != -117.82311 ||
		!f.Time.Equal(time.Unix(1763935445, 0)) || f.SpeedKmh != 18.52 || f.Heading != 270 || f.AltitudeM != 52 ||
		f.AccuracyM != 8 || avl.Known(f.HDOP) || !f.Valid || f.Source != "phones" {
		t.Errorf("fix %+v", f)
	}
}

func TestDecodeVariants(t *testing.T) {
	for data, want := range map[string]time.Time{
		"deviceid=a1&location=1.5,2.5":                                 received,
		"id=a1&lat=1&lon=2&timestamp=1763935445123":                    time.UnixMilli(1763935445123),
		"id=a1&lat=1&lon=2&timestamp=2026-11-23T22:14:05Z":             time.Date(2026, 11, 23, 22, 14, 5, 0, time.UTC),
		"id=a1&lat=1&lon=2&timestamp=2026-11-23+22%3A14%3A05":          time.Date(2026, 11, 23, 22, 14, 5, 0, time.UTC),
		"id=a1&lat=1&lon=2&timestamp=1763935445.5&hdop=1.2&valid=true": time.Unix(1763935445, 5e8),
	} {
		obs, err := decodeOne(t, data)
		if err != nil || len(obs.Fixes) != 1 || !obs.Fixes[0].Time.Equal(want) {
			t.Errorf("%s: %v %+v, want time %v", data, err, obs.Fixes, want)
		}
	}
	obs, _ := decodeOne(t, "id=a1&lat=1&lon=2&valid=false")
	if obs.Fixes[0].Valid {
		t.Error("valid=false not honoured")
	}
}

func TestDecodeRefuses(t *testing.T) {
	for _, data := range []string{
		"lat=1&lon=2", "id=a1&lat=1", "id=a1&lat=x&lon=2", "id=a1&lat=NaN&lon=2", "id=a1&lat=1&lon=Inf",
		"id=radiogw/%23&lat=1&lon=2", "id=%20a1&lat=1&lon=2", "id=a1&lat=1&lon=2&speed=fast",
		"id=a1&lat=1&lon=2&timestamp=yesterday", "%zz", "id=" + string(make([]byte, 65)) + "&lat=1&lon=2",
	} {
		if obs, err := decodeOne(t, data); err == nil || decode.Reason(err) == "other" || len(obs.Fixes) != 0 {
			t.Errorf("%q: %v %+v, want a typed refusal", data, err, obs)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, b := range codectest.Seeds(f, codectest.HTTP) {
		f.Add(string(b))
	}
	f.Add("id=862123045&timestamp=1763935445&lat=33.74562&lon=-117.82311&speed=10.0&bearing=270.0")
	f.Add("deviceid=a&location=1,2&timestamp=2026-11-23T22:14:05Z")
	f.Add(`{"device_id":"a1","location":{"timestamp":"2026-11-23T22:14:05Z","coords":{"latitude":1,"longitude":2,"speed":-1,"heading":90}}}`)
	f.Fuzz(func(t *testing.T, data string) {
		obs, err := decodeOne(t, data)
		if err != nil && len(obs.Fixes) != 0 {
			t.Fatal("fixes with an error")
		}
		for _, fx := range obs.Fixes {
			if fx.DeviceID == "" || fx.Lat != fx.Lat || fx.Lon != fx.Lon {
				t.Fatalf("bad fix %+v", fx)
			}
		}
	})
}

// The JSON body of Traccar Client 9+, shaped as Traccar's OsmAnd decoder
// reads it: speed in m/s, negative speed and heading unknown, battery and
// motion under "location".
func TestDecodeTraccarClientJSON(t *testing.T) {
	obs, err := decodeOne(t, `{"device_id":"862123045","location":{"timestamp":"2026-11-23T22:14:05.250Z",
"coords":{"latitude":33.74562,"longitude":-117.82311,"accuracy":8.5,"speed":5,"heading":270,"altitude":52},
"is_moving":true,"odometer":1200,"event":"motionchange","battery":{"level":0.87,"is_charging":false},
"activity":{"type":"in_vehicle"},"extras":{}}}`)
	if err != nil || len(obs.Fixes) != 1 {
		t.Fatalf("%v %+v", err, obs)
	}
	f := obs.Fixes[0]
	if f.DeviceID != "862123045" || f.IDKind != avl.AVLID || f.Lat != 33.74562 || f.Lon != -117.82311 ||
		!f.Time.Equal(time.Date(2026, 11, 23, 22, 14, 5, 25e7, time.UTC)) || f.SpeedKmh != 18 || f.Heading != 270 ||
		f.AltitudeM != 52 || f.AccuracyM != 8.5 || !f.Valid || f.Source != "phones" || f.Peer != "10.1.2.3" {
		t.Errorf("fix %+v", f)
	}
	obs, err = decodeOne(t, `{"device_id":"a1","location":{"timestamp":"2026-11-23T22:14:05Z","coords":{"latitude":1,"longitude":2,"speed":-1,"heading":-1,"accuracy":5}}}`)
	if err != nil || avl.Known(obs.Fixes[0].SpeedKmh) || avl.Known(obs.Fixes[0].Heading) {
		t.Errorf("negative speed and heading must be unknown: %v %+v", err, obs.Fixes)
	}
	obs, _ = decodeOne(t, `{"device_id":"a1","location":{"timestamp":"2026-11-23T22:14:05Z","mock":true,"coords":{"latitude":1,"longitude":2}}}`)
	if len(obs.Fixes) != 1 || obs.Fixes[0].Valid {
		t.Errorf("a mock location must not be valid: %+v", obs.Fixes)
	}
	if _, err := decodeOne(t, `{"device_id":"a1","location":{"timestamp":"2026-11-23T22:14:05Z","battery":{"level":0.5}}}`); decode.Reason(err) != "invalid" {
		t.Errorf("a report without coords: %v, want invalid", err)
	}
	for _, data := range []string{
		`{"location":{"coords":{"latitude":1,"longitude":2}}}`,
		`{"device_id":"","location":{"coords":{"latitude":1,"longitude":2}}}`,
		`{"device_id":"a/b","location":{"coords":{"latitude":1,"longitude":2}}}`,
		`{"device_id":7,"location":{"coords":{"latitude":1,"longitude":2}}}`,
		`{"device_id":"a1"}`,
		`{"device_id":"a1","location":{"coords":{"latitude":1}}}`,
		`{"device_id":"a1","location":{"coords":{"latitude":"1","longitude":2}}}`,
		`{"device_id":"a1","location":{"timestamp":"soon","coords":{"latitude":1,"longitude":2}}}`,
		`{"device_id":"a1",`,
	} {
		if obs, err := decodeOne(t, data); err == nil || decode.Reason(err) == "other" || len(obs.Fixes) != 0 {
			t.Errorf("%s: %v %+v, want a typed refusal", data, err, obs)
		}
	}
}
