package calamp

import (
	"bytes"
	"testing"

	"radiogw/gateway/codec/codectest"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

// FuzzDecode seeds with every golden input and checks that decoding never
// panics, errors carry known reasons and nothing else, fixes name at most a
// bounded hex mobile ID, and an ack answers exactly the sender with the
// frame's own sequence number.
func FuzzDecode(f *testing.F) {
	for _, b := range codectest.Seeds(f, codectest.HexDatagrams) {
		f.Add(b)
	}
	dec, _ := New(decode.Options{})
	reasons := map[string]bool{"syntax": true, "invalid": true, "ignored": true}
	const peer = "10.0.0.9:20500"
	f.Fuzz(func(t *testing.T, data []byte) {
		obs, err := dec.Decode(frame.Frame{Peer: peer, Data: data})
		if err != nil {
			if !reasons[decode.Reason(err)] || !obs.Empty() {
				t.Fatalf("err %v (%q) with %+v", err, decode.Reason(err), obs)
			}
			return
		}
		if obs.Empty() {
			t.Fatal("no error and no observations")
		}
		for _, fx := range obs.Fixes {
			if len(fx.DeviceID) > 2*MaxMobileID || fx.Lat < -215 || fx.Lat > 215 {
				t.Fatalf("fix %+v", fx)
			}
		}
		for _, r := range obs.Replies {
			m, err := Parse(data)
			if r.Peer != peer || r.Via != "" || err != nil || !bytes.Equal(r.Data, Ack(m.Sequence, m.Type)) {
				t.Fatalf("reply %+v to %x", r, data)
			}
		}
	})
}
