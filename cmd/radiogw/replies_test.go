package main

import (
	"encoding/hex"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"radiogw/gateway/testsvc"
)

// arsReplySite has an ARS source open to all and an LRRP source whose allow
// list admits only the radio at 127.0.0.2.
func arsReplySite(t *testing.T) (s *site, arsPort int) {
	s = newSite(t)
	arsPort, lrrpPort := testsvc.FreeUDPPort(t), testsvc.FreeUDPPort(t)
	s.extra = fmt.Sprintf(`
source "udp" "ars" {
  listen = "127.0.0.1:%d"
  codec  = "ars"
}

source "udp" "lrrp" {
  listen = "127.0.0.1:%d"
  codec  = "lrrp"
  allow  = ["127.0.0.2/32"]
}
`, arsPort, lrrpPort)
	return s, arsPort
}

// counter counts the datagrams arriving at a UDP address until the test ends.
func countDatagrams(t *testing.T, addr string) *atomic.Int64 {
	t.Helper()
	c, err := net.ListenPacket("udp", addr)
	if err != nil {
		t.Fatalf("the test plays a radio at %s and needs it free: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	var n atomic.Int64
	go func() {
		buf := make([]byte, 1500)
		for {
			if _, _, err := c.ReadFrom(buf); err != nil {
				return
			}
			n.Add(1)
		}
	}()
	return &n
}

func udpFrom(t *testing.T, ip string) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(ip)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

var arsRegistration, _ = hex.DecodeString("0007F0200231310000") // radio "11"

// A registration that names an address the LRRP source's allow list does
// not admit (forged, or a radio that does not belong) gets no location
// request: the host at that address receives nothing, and the refusal is
// counted. The admitted radio is asked as before.
func TestRepliesOnlyToAllowedAddresses(t *testing.T) {
	s, arsPort := arsReplySite(t)
	radio := countDatagrams(t, "127.0.0.2:4001")
	victim := countDatagrams(t, "127.0.0.3:4001")
	s.write(t)
	s.start(t)
	ars := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: arsPort}
	for range 5 {
		udpFrom(t, "127.0.0.3").WriteToUDP(arsRegistration, ars)
	}
	udpFrom(t, "127.0.0.2").WriteToUDP(arsRegistration, ars)
	waitMetric(t, s.httpPort, 10*time.Second, "the admitted radio asked, the others refused", func(m metricSet) bool {
		return m.get("radiogw_replies_total", `source="lrrp"`, `result="sent"`) == 1 &&
			m.get("radiogw_replies_total", `source="lrrp"`, `result="denied"`) == 5
	})
	deadline := time.Now().Add(5 * time.Second)
	for radio.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	if radio.Load() != 1 || victim.Load() != 0 {
		t.Fatalf("location requests: %d at the admitted radio (want 1), %d at 127.0.0.3 (want 0)", radio.Load(), victim.Load())
	}
}

// A flood of registrations from one radio gets each of its ports a burst of
// replies and then the per-peer rate; a flood from many addresses is held
// to the overall rate. Both are counted.
func TestRepliesAreRateLimited(t *testing.T) {
	s, arsPort := arsReplySite(t)
	radio := countDatagrams(t, "127.0.0.2:4001")
	s.write(t)
	s.start(t)
	ars := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: arsPort}
	// A scrape gathers each counter family on its own, so a scrape that
	// shows every frame read may still miss the replies of the frames read
	// while it ran: each flood waits for its frames, then for their replies.

	// One radio, 2000 registrations: it is owed 2 replies each, an ack to
	// its ARS port and a location request to its port 4001: two peers.
	c := udpFrom(t, "127.0.0.2")
	start := time.Now()
	for range 2000 {
		c.WriteToUDP(arsRegistration, ars)
	}
	waitCount(t, s.httpPort, 60*time.Second, 2000, "radiogw_frames_total", `source="ars"`)
	m := waitCount(t, s.httpPort, 10*time.Second, 4000, "radiogw_replies_total")
	elapsed := time.Since(start).Seconds()
	sent := m.get("radiogw_replies_total", `result="sent"`)
	limited := m.get("radiogw_replies_total", `result="rate_limited_peer"`)
	if max := 2 * (40 + 20*elapsed); sent > max || limited == 0 || sent+limited != 4000 {
		t.Fatalf("one address in %.1fs: %v sent (at most %.0f), %v rate-limited, of 4000", elapsed, sent, max, limited)
	}
	t.Logf("one address, %.1fs: %v replies sent, %v rate-limited; %d location requests arrived", elapsed, sent, limited, radio.Load())

	// 250 addresses, 16 registrations each: 4000 acks owed, each address
	// within its own burst, and 4000 location requests to addresses outside
	// the LRRP source's allow list, refused before they spend any limit.
	// The overall limit holds the acks.
	senders := make([]*net.UDPConn, 250)
	for i := range senders {
		senders[i] = udpFrom(t, fmt.Sprintf("127.0.1.%d", i+1))
	}
	start = time.Now()
	for range 16 {
		for _, c := range senders {
			c.WriteToUDP(arsRegistration, ars)
		}
	}
	waitCount(t, s.httpPort, 60*time.Second, 2000+4000, "radiogw_frames_total", `source="ars"`)
	m2 := waitCount(t, s.httpPort, 10*time.Second, 4000+8000, "radiogw_replies_total")
	elapsed = time.Since(start).Seconds()
	// The overall bucket refilled while the first flood was read; at most a
	// full burst plus the rate since.
	sent = m2.get("radiogw_replies_total", `result="sent"`) - sent
	total := m2.get("radiogw_replies_total", `result="rate_limited_total"`)
	if denied := m2.get("radiogw_replies_total", `source="lrrp"`, `result="denied"`); denied != 4000 {
		t.Errorf("%v location requests refused by the allow list, want 4000", denied)
	}
	if max := 1000 + 500*elapsed; sent > max || total == 0 || sent+total != 4000 {
		t.Fatalf("250 addresses in %.1fs: %v replies passed the limits (at most %.0f), %v held by the overall limit", elapsed, sent, max, total)
	}
	t.Logf("250 addresses, %.1fs: %v replies passed, %v held by the overall limit", elapsed, sent, total)
}
