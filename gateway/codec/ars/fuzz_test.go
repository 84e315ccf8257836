package ars

import (
	"testing"
	"time"

	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

// FuzzDecode seeds with every captured ARS message and the messages radiogw
// sends, and checks that decoding never panics, errors carry known reasons,
// and registrations always name a device.
func FuzzDecode(f *testing.F) {
	for _, b := range loadSamples(f) {
		f.Add(b)
	}
	f.Add(RegistrationAck(time.Hour))
	f.Add([]byte{0x00, 0x0A, 0xF0, 0x40, 0x05, '3', '6', '0', '2', '2', 0x00, 0x00})
	dec, _ := New(decode.Options{})
	reasons := map[string]bool{"syntax": true, "unsupported": true, "invalid": true, "ignored": true}
	f.Fuzz(func(t *testing.T, data []byte) {
		obs, err := dec.Decode(frame.Frame{Peer: "12.0.0.9:4005", Data: data})
		if err != nil {
			if !reasons[decode.Reason(err)] || !obs.Empty() {
				t.Fatalf("err %v (%q) with %+v", err, decode.Reason(err), obs)
			}
			return
		}
		if obs.Empty() {
			t.Fatal("no error and no observations")
		}
		for _, r := range obs.Replies {
			if r.Peer != "12.0.0.9:4005" || r.Kind != ReplyAck {
				t.Fatalf("reply %+v", r)
			}
		}
		for _, id := range obs.Identities {
			if id.DeviceID == "" || len(id.DeviceID) > maxIDLen {
				t.Fatalf("identity %+v", id)
			}
		}
	})
}

func BenchmarkDecodeRegistration(b *testing.B) {
	data := []byte{0x00, 0x0A, 0xF0, 0x40, 0x05, '3', '6', '0', '2', '2', 0x00, 0x00}
	dec, _ := New(decode.Options{})
	f := frame.Frame{Peer: "12.0.140.182:4005", Data: data}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dec.Decode(f); err != nil {
			b.Fatal(err)
		}
	}
}
