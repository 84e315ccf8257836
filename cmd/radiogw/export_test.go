package main

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// Without an influx block every accepted fix waits in the outbox, and export
// writes it as line protocol with the fix time.
func TestExportWithoutInflux(t *testing.T) {
	s := newSite(t)
	s.write(t)
	p := s.start(t)
	base := time.Now().Add(-time.Minute).Truncate(time.Second)
	for i := 0; i < 5; i++ {
		sendUDP(t, s.udpPort, rmc("4521", base.Add(time.Duration(i)*time.Second), 33.7+float64(i)*0.0001, -117.8))
	}
	time.Sleep(500 * time.Millisecond)
	stopClean(t, p, 20*time.Second)
	out := exportAll(t, s.config)
	var points []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "unit_position,") {
			points = append(points, l)
		}
	}
	if len(points) != 5 {
		t.Fatalf("exported %d positions, want 5:\n%s", len(points), out)
	}
	// A write that fails must fail the export, not report the points as
	// written (a full disk under -o).
	if out, code := runCLI(t, "export", "-config", s.config, "-o", "/dev/full"); code == 0 {
		t.Errorf("export to /dev/full exit 0, want failure: %s", out)
	}
	want := "unit=2A12"
	if !strings.Contains(points[0], want) || !strings.HasSuffix(points[0], " "+strconv.FormatInt(base.UnixNano(), 10)) {
		t.Errorf("first point %q: want %s and timestamp %d", points[0], want, base.UnixNano())
	}
}
