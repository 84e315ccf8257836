package main

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// A serial NMEA source without device_id or unit fails `radiogw check`
// with a diagnostic that says what to add.
func TestCheckSerialNeedsDeviceID(t *testing.T) {
	s := newSite(t)
	s.extra = "\nsource \"serial\" \"gps\" {\n  device = \"/dev/ttyUSB0\"\n  codec  = \"nmea\"\n}\n"
	s.write(t)
	out, code := runCLI(t, "check", "-config", s.config)
	if code == 0 || !strings.Contains(out, "Missing device identity") || !strings.Contains(out, `device_id = "<avl id>"`) {
		t.Fatalf("check exit %d, want a missing device identity diagnostic:\n%s", code, out)
	}
	s.extra = "\nsource \"serial\" \"gps\" {\n  device = \"/dev/ttyUSB0\"\n  codec  = \"nmea\"\n  unit   = \"2A12\"\n}\n"
	s.write(t)
	if out, code := runCLI(t, "check", "-config", s.config); code != 0 {
		t.Fatalf("with unit = \"2A12\": exit %d:\n%s", code, out)
	}
}

// Field behaviour through the binary: a serial receiver named by its
// source's unit; a modem that changes source port stays one unit; a
// position announced before its $GPFID goes to that ID; a GGA takes the
// date of its receiver's last RMC; a receiver a GPS week rollover behind
// is corrected, counted and logged once; rejections are counted by source
// and reason (present at zero), logged with device and fix time, and
// `radiogw status` shows the top reasons.
func TestFieldFixesThroughBinary(t *testing.T) {
	master, link := goldenPTY(t, "ttyGPS")
	s := newSite(t)
	strictPort := freeUDP(t)
	s.extra = fmt.Sprintf(`
source "serial" "gps" {
  device = %q
  codec  = "nmea"
  unit   = "2A12"
}

source "udp" "strict" {
  listen   = "127.0.0.1:%d"
  codec    = "nmea"
  checksum = "strict"
}
`, link, strictPort)
	s.write(t)
	p := s.start(t)
	p.WaitOutput(t, `source up" source=gps`, 10*time.Second)
	m := scrape(t, s.httpPort)
	for _, src := range []string{"avl", "gps"} {
		for _, reason := range []string{"invalid", "before_2000", "future", "duplicate", "no_id"} {
			if _, ok := m[fmt.Sprintf(`radiogw_fix_rejections_total{reason=%q,source=%q}`, reason, src)]; !ok {
				t.Errorf("rejection counter %s/%s not present at zero", src, reason)
			}
		}
	}

	now := time.Now().UTC()
	// Serial: an RMC from 2014, then a GGA one second later with no date.
	writeSerial(t, master, []string{
		nmeaSentence("GPRMC,235959.000,A,5541.1955,N,03737.2872,E,0.60,301.29,260514,,,A"),
		nmeaSentence("GPGGA,000001.000,5541.1956,N,03737.2877,E,1,5,4.87,66.2,M,14.5,M,,"),
	})
	// The same serial receiver, now: it moves unit 2A12 on the wall.
	writeSerial(t, master, []string{rmc("", now.Add(-2*time.Second), 33.70001, -117.80001)[1:]})

	// A modem without an ID, from two source ports of one address.
	sendFromPort(t, "127.0.0.7", s.udpPort, rmc("", now.Add(-10*time.Second), 33.6, -117.6)[1:])
	time.Sleep(2500 * time.Millisecond) // the first bare fix waits up to 2 s for a $GPFID
	sendFromPort(t, "127.0.0.7", s.udpPort, rmc("", now.Add(-5*time.Second), 33.6001, -117.6001)[1:])
	// A position first, then the $GPFID that names its modem.
	c := dialFrom(t, "127.0.0.8", s.udpPort)
	c.Write([]byte(rmc("", now.Add(-3*time.Second), 33.5, -117.5)[1:]))
	c.Write([]byte(nmeaSentence("GPFID,FLEET77")))
	c.Close()
	// A receiver 1024 weeks behind, twice; and one dated 1996 (beyond the horizon).
	rolled := now.Add(-1024 * 7 * 24 * time.Hour)
	sendUDP(t, s.udpPort, rmc("ROLL1", rolled.Add(-4*time.Second), 33.4, -117.4), rmc("ROLL1", rolled.Add(-3*time.Second), 33.4001, -117.4001))
	sendUDP(t, s.udpPort, "OLD96,"+nmeaSentence("GPRMC,120000,A,3330.000,N,11730.000,W,0,0,011196,,"))
	// A wrong checksum on sentences whose fields parse: used and counted
	// under the default lenient policy, rejected under strict.
	bad := rmc("CSUM1", now.Add(-time.Second), 33.2, -117.2)
	bad = bad[:len(bad)-2] + "00"
	sendUDP(t, s.udpPort, bad)
	sendUDP(t, strictPort, bad)
	// A modem back in coverage empties its store-and-forward buffer: three
	// hours of fixes, oldest first, several to a datagram.
	burstBase := now.Add(-3 * time.Hour).Truncate(time.Second)
	var burst []string
	for i := 0; i < 6; i++ {
		burst = append(burst, rmc("BURST1", burstBase.Add(time.Duration(i)*30*time.Minute), 33.3+float64(i)*0.01, -117.3))
	}
	sendUDP(t, s.udpPort, strings.Join(burst[:3], "\r\n")+"\r\n", strings.Join(burst[3:], "\r\n"))

	waitMetric(t, s.httpPort, 10*time.Second, "every fix applied", func(m metricSet) bool {
		return m.get("radiogw_observations_total", `kind="fix"`) >= 16 &&
			m.get("radiogw_decode_errors_total", `source="strict"`, `reason="checksum"`) == 1
	})
	time.Sleep(2500 * time.Millisecond)
	units := getUnits(t, s.httpPort)
	if u := units["2A12"]; u.Position == nil || !near(u.Position.Lat, 33.70001) {
		t.Errorf("unit 2A12 (the serial source's unit) at %+v, want 33.70001", u.Position)
	}
	if u := units["127.0.0.7"]; u.Position == nil || !near(u.Position.Lat, 33.6001) {
		t.Errorf("modem by address: %+v; units %v", u.Position, keys(units))
	}
	if u := units["FLEET77"]; u.Position == nil || !near(u.Position.Lat, 33.5) {
		t.Errorf("position before $GPFID: unit FLEET77 %+v; units %v", u.Position, keys(units))
	}
	if _, ok := units["127.0.0.8"]; ok {
		t.Errorf("the $GPFID modem also became unit 127.0.0.8")
	}
	// Within max_fix_age each buffered fix is newer than the last: the unit
	// ends on the newest, shown by its age on the stale ladder.
	if u := units["BURST1"]; u.Position == nil || !near(u.Position.Lat, 33.35) || u.Stale != "lost" {
		t.Errorf("after the burst BURST1 is %+v %q, want the newest fix 33.35, lost", u.Position, u.Stale)
	}
	if u := units["CSUM1"]; u.Position == nil || !near(u.Position.Lat, 33.2) {
		t.Errorf("a wrong checksum under lenient: CSUM1 %+v", u.Position)
	}
	if got := scrape(t, s.httpPort).get("radiogw_decode_errors_total", `source="avl"`, `reason="checksum_mismatch"`); got != 1 {
		t.Errorf("checksum_mismatch counted %g, want 1", got)
	}
	if u := units["ROLL1"]; u.Position == nil || now.Sub(u.Position.FixTime) > time.Minute {
		t.Errorf("rollover not undone: %+v", u.Position)
	}
	m = scrape(t, s.httpPort)
	if got := m.get("radiogw_fix_time_corrections_total", `kind="gps_week_rollover"`, `source="avl"`); got != 2 {
		t.Errorf("rollover corrections %g, want 2", got)
	}
	if got := m.get("radiogw_fix_time_corrections_total", `kind="date_from_device"`, `source="gps"`); got != 1 {
		t.Errorf("GGA dated from its receiver's RMC: %g, want 1", got)
	}
	if got := m.get("radiogw_fix_rejections_total", `reason="before_2000"`, `source="avl"`); got != 1 {
		t.Errorf("1996 fix: %s", m.nonZero("radiogw_fix_rejections_total"))
	}
	if n := strings.Count(p.Output(), "GPS week rollover"); n != 1 {
		t.Errorf("rollover logged %d times, want once per device", n)
	}
	if !strings.Contains(p.Output(), `msg="fix rejected" source=avl reason=before_2000 device=OLD96`) ||
		!strings.Contains(p.Output(), "fix_time=1996-11-01T12:00:00") {
		t.Errorf("the rejection log does not name device and fix time:\n%s", p.Output())
	}
	out, code := runCLI(t, "status", "-addr", fmt.Sprintf("http://127.0.0.1:%d", s.httpPort))
	if code != 0 || !strings.Contains(out, "REJECTED FIXES") || !strings.Contains(out, "before_2000") {
		t.Errorf("status exit %d, want the top rejection reasons:\n%s", code, out)
	}

	stopClean(t, p, 20*time.Second)
	exp := exportAll(t, s.config)
	pts := parsePoints(t, exp)
	var burstAt []int64
	for _, pt := range pts {
		if pt.tags["unit"] == "BURST1" {
			burstAt = append(burstAt, pt.time)
		}
	}
	if len(burstAt) != 6 {
		t.Errorf("store-and-forward burst: %d of 6 fixes in history", len(burstAt))
	}
	for i := 1; i < len(burstAt); i++ {
		if burstAt[i] <= burstAt[i-1] {
			t.Errorf("store-and-forward burst out of order in history: %v", burstAt)
		}
	}
	want := map[string]int64{
		"2014 RMC": time.Date(2014, 5, 26, 23, 59, 59, 0, time.UTC).UnixNano(),
		"its GGA":  time.Date(2014, 5, 27, 0, 0, 1, 0, time.UTC).UnixNano(),
	}
	for what, at := range want {
		found := false
		for _, pt := range pts {
			if pt.tags["unit"] == "2A12" && pt.time == at {
				found = true
				if pt.tags["late"] != "true" {
					t.Errorf("%s: not tagged late: %v", what, pt.tags)
				}
			}
		}
		if !found {
			t.Errorf("%s: no point at %v", what, time.Unix(0, at).UTC())
		}
	}
}

func keys(m map[string]unitState) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func dialFrom(t *testing.T, from string, port int) *net.UDPConn {
	t.Helper()
	c, err := net.DialUDP("udp", &net.UDPAddr{IP: net.ParseIP(from)}, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sendFromPort sends one datagram from a new ephemeral port of from.
func sendFromPort(t *testing.T, from string, port int, line string) {
	t.Helper()
	c := dialFrom(t, from, port)
	defer c.Close()
	if _, err := c.Write([]byte(line)); err != nil {
		t.Fatal(err)
	}
}

// Older trunk-recorder plugin builds send every value as a string; a unit's
// call on a talkgroup no channel is configured for still updates the unit
// and emits its events, stamped with the message's own time.
func TestTrunkRecorderStringsAndUnconfiguredTalkgroup(t *testing.T) {
	s, m := trunkRecorderSite(t, "")
	s.write(t)
	p := s.start(t)
	p.WaitOutput(t, `source up" source=tr`, 10*time.Second)
	sub := subscribe(t, m.Addr, "radiogw/test/#")
	pub := mqttPublisher(t, m.Addr, "tr-old")
	start := time.Now().Add(-90 * time.Second).Truncate(time.Second)
	msgs := []struct{ topic, body string }{
		{"trunk-recorder/units/east/call", fmt.Sprintf(`{"type":"call","call":{"unit":"1201","talkgroup":"7777","emergency":"false","start_time":"%d"},"timestamp":"%d"}`, start.Unix(), start.Unix())},
		{"trunk-recorder/units/east/end", fmt.Sprintf(`{"type":"end","end":{"unit":"1201","talkgroup":"7777","emergency":"false","start_time":"%d","length":"4.5"},"timestamp":"%d"}`, start.Unix(), start.Unix()+5)},
		{"trunk-recorder/units/east/off", fmt.Sprintf(`{"type":"off","off":{"unit":"1201","talkgroup":"0"},"timestamp":"%d"}`, start.Unix()+30)},
	}
	for _, msg := range msgs[:2] {
		pub.Publish(msg.topic, 0, false, msg.body).WaitTimeout(5 * time.Second)
	}
	b := sub.waitAny(t, "radiogw/test/events/ptt_end", 10*time.Second, func(b []byte) bool {
		return strings.Contains(string(b), `"channel":"7777"`) && strings.Contains(string(b), `"unit":"2A12"`)
	})
	if !strings.Contains(string(b), `"time":"`+start.Add(4500*time.Millisecond).UTC().Format(time.RFC3339Nano)) {
		t.Errorf("ptt_end not at the message's own time %v: %s", start.Add(4500*time.Millisecond), b)
	}
	sub.waitTopic(t, "radiogw/test/units/2A12", 10*time.Second, func(b []byte) bool {
		return strings.Contains(string(b), `"channel":"7777"`) &&
			strings.Contains(string(b), `"last_heard":"`+start.Add(4500*time.Millisecond).UTC().Format(time.RFC3339Nano))
	})
	pub.Publish(msgs[2].topic, 0, false, msgs[2].body).WaitTimeout(5 * time.Second)
	sub.waitAny(t, "radiogw/test/events/radio_off", 10*time.Second, func(b []byte) bool {
		return strings.Contains(string(b), `"radio_id":"1201"`)
	})
	sub.waitTopic(t, "radiogw/test/units/2A12", 10*time.Second, func(b []byte) bool {
		return strings.Contains(string(b), `"last_heard":"`+start.Add(30*time.Second).UTC().Format(time.RFC3339))
	})
	stopClean(t, p, 20*time.Second)
	exp, _ := runCLI(t, "export", "-config", s.config)
	want := fmt.Sprintf("transmission,channel=7777,site=test duration_s=4.5,radio_id=\"1201\",unit=\"2A12\" %d", start.UnixNano())
	if !strings.Contains(exp, want) {
		t.Errorf("export lacks %q:\n%s", want, exp)
	}
}

// waitAny waits for any message on topic (not only the last) that ok accepts:
// event topics carry many messages.
func (s *subscriber) waitAny(t *testing.T, topic string, within time.Duration, ok func([]byte) bool) []byte {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		for _, m := range s.msgs {
			if m.Topic() == topic && ok(m.Payload()) {
				b := m.Payload()
				s.mu.Unlock()
				return b
			}
		}
		s.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no acceptable message on %s within %s", topic, within)
	return nil
}
