package main

import (
	"fmt"
	"testing"
	"time"

	"radiogw/gateway/testsvc"
)

// radiogw_publish_latency_seconds runs from the moment radiogw read the frame
// to the broker's PUBACK, not from the device's fix time: TAIP carries whole
// seconds, and a fix time one to two seconds old must not read as one to two
// seconds of radiogw's latency.
func TestPublishLatencyFromReceipt(t *testing.T) {
	s := newSite(t)
	taipPort := testsvc.FreeUDPPort(t)
	s.extra = fmt.Sprintf(`
source "udp" "taip" {
  listen = "127.0.0.1:%d"
  codec  = "taip"
}
`, taipPort)
	s.write(t)
	s.start(t)

	const units = 20
	fix := time.Now().Truncate(time.Second).Add(-time.Second) // 1–2 s before receipt
	for i := range units {
		sendUDP(t, taipPort, taipReport(fmt.Sprintf("L%03d", i), fix, 33.7+float64(i)*1e-3, -117.8))
	}
	mqtt := map[string]string{"sink": "mqtt"}
	fams := opsWaitMetric(t, s.httpPort, "radiogw_units", map[string]string{"stale": "fresh"}, 10*time.Second,
		func(v float64) bool { return v >= units })
	deadline := time.Now().Add(10 * time.Second)
	for {
		h := opsSample(fams, "radiogw_publish_latency_seconds", mqtt)
		if h != nil && h.Histogram != nil && h.Histogram.GetSampleCount() >= units {
			n, sum := h.Histogram.GetSampleCount(), h.Histogram.GetSampleSum()
			mean := sum / float64(n)
			t.Logf("publish latency: %d samples, mean %.1f ms", n, mean*1000)
			if mean >= 0.25 {
				t.Errorf("mean publish latency %.3f s: measured from the fix time (1–2 s old), not from receipt", mean)
			}
			for _, b := range h.Histogram.GetBucket() {
				if b.GetUpperBound() == 0.5 && b.GetCumulativeCount() != n {
					t.Errorf("%d of %d samples above 0.5 s", n-b.GetCumulativeCount(), n)
				}
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("radiogw_publish_latency_seconds{sink=mqtt} never reached %d samples", units)
		}
		time.Sleep(100 * time.Millisecond)
		fams = opsScrape(t, s.httpPort)
	}
}
