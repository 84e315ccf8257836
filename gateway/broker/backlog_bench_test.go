package broker

import (
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
)

// BenchmarkQueuedConnWrite is the cost of queueing one PUBLISH for a
// subscriber, as mochi writes it (one packet per Write): unit states that
// replace each other, and events queued in order.
func BenchmarkQueuedConnWrite(b *testing.B) {
	near, far := net.Pipe()
	go io.Copy(io.Discard, far)
	var superseded atomic.Int64
	cfg := queueConfig{superseded: &superseded,
		isState: func(topic string) bool { return strings.Contains(topic, "/units/") }}
	q := newQueuedConn(near, cfg, MaxClientBacklog, MaxClientStateBacklog, nil)
	defer q.Close()
	pks := make([][]byte, 1000)
	for i := range pks {
		topic := fmt.Sprintf("radiogw/units/U%03d", i%500)
		if i%10 == 0 {
			topic = "radiogw/events/status"
		}
		pks[i] = publishPacket(topic, 0, strings.Repeat("x", 300))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := q.Write(pks[i%len(pks)]); err != nil {
			b.Fatal(err)
		}
	}
}
