package traccar

import (
	"testing"
	"time"

	"radiogw/avl"
	"radiogw/gateway/codec/codectest"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

func decodeOne(data string) (decode.Observations, error) {
	d, _ := New(decode.Options{Source: "traccar"})
	return d.Decode(frame.Frame{Source: "traccar", Data: []byte(data), Received: time.Now()})
}

const forwarded = `{"position":{"id":1,"deviceId":7,"protocol":"gt06","serverTime":"2026-11-23T22:14:06.000+00:00",
"deviceTime":"2026-11-23T22:14:05.000+00:00","fixTime":"2026-11-23T22:14:05.000+00:00","outdated":false,"valid":true,
"latitude":33.74562,"longitude":-117.82311,"altitude":52.0,"speed":10.0,"course":270.0,"address":null,"accuracy":0.0,
"network":null,"attributes":{"hdop":0.9,"batteryLevel":87}},
"device":{"id":7,"name":"Engine 5","uniqueId":"862123045","status":"online","disabled":false}}`

func TestDecodeForwardedPosition(t *testing.T) {
	obs, err := decodeOne(forwarded)
	if err != nil || len(obs.Fixes) != 1 {
		t.Fatalf("%v %+v", err, obs)
	}
	f := obs.Fixes[0]
	if f.DeviceID != "862123045" || f.Lat != 33.74562 || f.Lon != -117.82311 || f.SpeedKmh != 18.52 || f.Heading != 270 ||
		f.AltitudeM != 52 || f.HDOP != 0.9 || avl.Known(f.AccuracyM) || !f.Valid ||
		!f.Time.Equal(time.Date(2026, 11, 23, 22, 14, 5, 0, time.UTC)) {
		t.Errorf("fix %+v", f)
	}
}

func TestDecodeRefuses(t *testing.T) {
	for data, reason := range map[string]string{
		`not json`: "syntax",
		`{"event":{"type":"deviceOnline"},"device":{"uniqueId":"1"}}`:                                            "ignored",
		`{"position":{"latitude":1,"longitude":2,"fixTime":"2026-11-23T22:14:05Z"}}`:                             "invalid",
		`{"position":{"latitude":1,"fixTime":"2026-11-23T22:14:05Z"},"device":{"uniqueId":"1"}}`:                 "invalid",
		`{"position":{"latitude":1,"longitude":2,"fixTime":"yesterday"},"device":{"uniqueId":"1"}}`:              "invalid",
		`{"position":{"latitude":1,"longitude":2,"fixTime":"2026-11-23T22:14:05Z"},"device":{"uniqueId":"a/#"}}`: "invalid",
	} {
		if _, err := decodeOne(data); decode.Reason(err) != reason {
			t.Errorf("%s: %v, want reason %s", data, err, reason)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, b := range codectest.Seeds(f, codectest.HTTP) {
		f.Add(string(b))
	}
	f.Add(forwarded)
	f.Fuzz(func(t *testing.T, data string) {
		obs, err := decodeOne(data)
		if err != nil && len(obs.Fixes) != 0 {
			t.Fatal("fixes with an error")
		}
	})
}
