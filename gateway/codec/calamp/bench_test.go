package calamp

import (
	"testing"
	"time"

	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

// BenchmarkDecodeEventReport decodes an acknowledged event report into a
// fix and its ack, as the UDP source does for every datagram.
func BenchmarkDecodeEventReport(b *testing.B) {
	m := encoderCases()["encoder-event-report-imei"]
	data, err := Encode(m)
	if err != nil {
		b.Fatal(err)
	}
	dec, _ := New(decode.Options{Source: "calamp"})
	f := frame.Frame{Source: "calamp", Peer: "10.64.1.2:20500", Received: time.Now(), Data: data}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		obs, err := dec.Decode(f)
		if err != nil || len(obs.Fixes) != 1 || len(obs.Replies) != 1 {
			b.Fatal(obs, err)
		}
	}
}
