package lrrp

import (
	"math"
	"testing"
	"time"

	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

// FuzzDecode feeds arbitrary datagrams to the decoder, seeded with every
// captured sample (raw and stripped) and the requests radiogw sends. It checks
// that decoding never panics, that every error carries a known reason, and
// that fixes are plausible.
func FuzzDecode(f *testing.F) {
	for _, s := range loadSamples(f) {
		f.Add(s.raw)
		f.Add(s.data)
	}
	f.Add(TriggeredLocationRequest(1, time.Minute))
	f.Add(ImmediateLocationRequest(2))
	f.Add(TriggeredLocationStopRequest(3))
	dec, _ := New(decode.Options{Source: "fuzz"})
	reasons := map[string]bool{"syntax": true, "unsupported": true, "invalid": true, "result_code": true, "ignored": true}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr := frame.Frame{Source: "fuzz", Peer: "12.0.0.1:4001", Received: time.Unix(0, 0).UTC(), Data: data}
		obs, err := dec.Decode(fr)
		if err != nil {
			if !reasons[decode.Reason(err)] {
				t.Fatalf("unexpected error reason %q: %v", decode.Reason(err), err)
			}
			if !obs.Empty() {
				t.Fatalf("observations alongside error %v", err)
			}
			return
		}
		if len(obs.Fixes) != 1 {
			t.Fatalf("%d fixes without error", len(obs.Fixes))
		}
		fx := obs.Fixes[0]
		if math.Abs(fx.Lat) > 90 || fx.Lon < -180 || fx.Lon >= 180 || math.IsNaN(fx.Lat) || math.IsNaN(fx.Lon) {
			t.Fatalf("position out of range: %v,%v", fx.Lat, fx.Lon)
		}
		if !math.IsNaN(fx.Heading) && (fx.Heading < 0 || fx.Heading >= 360) {
			t.Fatalf("heading %v", fx.Heading)
		}
		if fx.DeviceID != "1" || fx.Time.IsZero() {
			t.Fatalf("identity/time %q %v", fx.DeviceID, fx.Time)
		}
	})
}
