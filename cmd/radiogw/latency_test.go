package main

import (
	"fmt"
	"testing"
	"time"

	"radiogw/gateway/testsvc"
)

// radiogw_publish_latency_seconds runs from the moment radiogw read the frame
// to the broker's PUBACK, not from the device's fix time: TAIP carries whole
// seconds and modems report late, and a fix time ten seconds old must not
// read as ten seconds of radiogw's latency. The bounds leave room for a
// loaded machine and -race (tens to hundreds of milliseconds); measured from
// the fix time every sample would be over 10 s.
func TestPublishLatencyFromReceipt(t *testing.T) {
	s := newSite(t)
	taipPort := testsvc.FreeUDPPort(t)
	s.extra = udpSource("taip", "taip", taipPort)
	s.write(t)
	s.start(t)

	const units = 20
	mqtt := map[string]string{"sink": "mqtt"}
	// samples returns the histogram's count and sum, and the count at or
	// below 5 s.
	samples := func() (n uint64, sum float64, fast uint64) {
		h := opsSample(opsScrape(t, s.httpPort), "radiogw_publish_latency_seconds", mqtt)
		if h == nil || h.Histogram == nil {
			return 0, 0, 0
		}
		for _, b := range h.Histogram.GetBucket() {
			if b.GetUpperBound() == 5 {
				fast = b.GetCumulativeCount()
			}
		}
		return h.Histogram.GetSampleCount(), h.Histogram.GetSampleSum(), fast
	}
	waitFor := func(want uint64) {
		deadline := time.Now().Add(15 * time.Second)
		for {
			if n, _, _ := samples(); n >= want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("radiogw_publish_latency_seconds{sink=mqtt} never reached %d samples", want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// A first report connects the path (the first round after connecting
	// waits for the broker's retained state); it is not what is measured.
	sendUDP(t, taipPort, taipReport("W000", time.Now(), 33.6, -117.8))
	waitFor(1)
	n0, sum0, fast0 := samples()

	fix := time.Now().Truncate(time.Second).Add(-10 * time.Second) // 10–11 s before receipt
	for i := range units {
		sendUDP(t, taipPort, taipReport(fmt.Sprintf("L%03d", i), fix, 33.7+float64(i)*1e-3, -117.8))
	}
	waitFor(n0 + units)
	n, sum, fast := samples()
	mean := (sum - sum0) / float64(n-n0)
	t.Logf("publish latency: %d samples, mean %.1f ms", n-n0, mean*1000)
	if mean >= 2 {
		t.Errorf("mean publish latency %.3f s: measured from the fix time (10–11 s old), not from receipt", mean)
	}
	if slow := (n - n0) - (fast - fast0); slow > 0 {
		t.Errorf("%d of %d samples above 5 s", slow, n-n0)
	}
}
