package lrrp

import (
	"encoding/hex"
	"testing"
	"time"

	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

// BenchmarkDecodeReport decodes a real triggered report (circle-2d, speed,
// direction) from a MOTOTRBO radio address.
func BenchmarkDecodeReport(b *testing.B) {
	data, _ := hex.DecodeString("0d162204c00000005148610c340ad0ecf70c126c003656a2")
	dec, _ := New(decode.Options{Source: "lrrp"})
	f := frame.Frame{Source: "lrrp", Peer: "12.0.4.210:4001", Received: time.Now(), Data: data}
	b.ReportAllocs()
	for b.Loop() {
		obs, err := dec.Decode(f)
		if err != nil || len(obs.Fixes) != 1 {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeUnsolicited decodes a report with info-time and point-2d.
func BenchmarkDecodeUnsolicited(b *testing.B) {
	data, _ := hex.DecodeString("1313232F341F99B20E87664728A1C70A38D29F561A")
	dec, _ := New(decode.Options{Source: "lrrp"})
	f := frame.Frame{Source: "lrrp", Peer: "12.0.0.139:4001", Received: time.Now(), Data: data}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dec.Decode(f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTriggeredLocationRequest(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = TriggeredLocationRequest(0x2468ACE0, time.Minute)
	}
}
