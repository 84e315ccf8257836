//go:build faults

package main

import (
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"
)

// The wall faults at full length (wall_faults_test.go has the helpers and
// the short versions make test runs).

func TestFaultDiskFull8MiB(t *testing.T) { faultDiskFull(t, outage(), 200) }

func TestFaultBrokerReturnEmpty(t *testing.T) { faultBrokerReturn(t, outage(), 100) }

func TestFaultCrashRestartNoRollback(t *testing.T) { faultCrashRestart(t, 1000) }

// SIGTERM while the UDP socket holds datagrams radiogw has not read yet
// (the process is stopped while a burst arrives, then told to stop): every
// datagram the kernel took is read and applied before the socket closes,
// none is lost uncounted.
func TestFaultSigtermDrainsUDP(t *testing.T) {
	s := newSite(t)
	s.write(t)
	p := s.start(t)
	// One fix first: the source is reading.
	base := time.Now().Add(-time.Hour)
	line, _, _ := fleetFix(0, 0, base)
	sendUDP(t, s.udpPort, line)
	waitMetric(t, s.httpPort, 5*time.Second, "first fix", func(m metricSet) bool {
		return m.get("radiogw_observations_total", `kind="fix"`) >= 1
	})
	p.Cmd.Process.Signal(syscall.SIGSTOP)
	const units, rounds = 50, 30
	c, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", s.udpPort))
	if err != nil {
		t.Fatal(err)
	}
	for k := 1; k <= rounds; k++ {
		for u := 0; u < units; u++ {
			l, _, _ := fleetFix(u, k, base)
			c.Write([]byte(l))
		}
	}
	c.Close()
	kernelDrops := udpDrops(t, s.udpPort)
	p.Cmd.Process.Signal(syscall.SIGTERM)
	p.Cmd.Process.Signal(syscall.SIGCONT)
	if code := p.Wait(t, 30*time.Second); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	got := exportTimes(t, s.config)
	n := countTimes(got)
	sent := units*rounds + 1
	if int64(n)+kernelDrops != int64(sent) {
		t.Errorf("%d fixes sent, %d in the outbox after SIGTERM, %d dropped by the kernel: %d lost uncounted",
			sent, n, kernelDrops, int64(sent)-int64(n)-kernelDrops)
	}
	faultRow(t, "SIGTERM with a full UDP socket buffer", sent, n, fmt.Sprintf("%d (kernel)", kernelDrops), 0, "-")
}
