//go:build faults

package main

// The fault suite: `make faults` (go test -tags faults -run Fault). Each test
// breaks one thing under the real binary, real mosquitto and real influxd,
// then checks that radiogw did not crash, that the other sources kept
// flowing, that the final state is right and that the counters explain every
// drop. Scale with the environment:
//
//	RADIOGW_FAULT_OUTAGE=2m      how long the broker / InfluxDB / the disk stay down (default 35s)
//	RADIOGW_FAULT_GARBAGE_MB=100 random bytes into every source (default 20)
//	RADIOGW_FAULT_FIXES=20000    fixes in the kill -9 burst (default 6000)
//	RADIOGW_FAULT_BINARY=bin/radiogw  run the flood test against another build
//	                             (e.g. without the race detector)

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"radiogw/gateway/publish/influx/influxtest"
	"radiogw/gateway/testsvc"
)

func outage() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("RADIOGW_FAULT_OUTAGE")); err == nil && d > 0 {
		return d
	}
	return 35 * time.Second
}

func TestFaultBrokerKilledDuringBurst(t *testing.T) {
	faultBrokerRestart(t, 20, 300, outage())
}

func TestFaultHalfFrame(t *testing.T) { faultHalfFrame(t, 300) }

func TestFaultRandomBytes(t *testing.T) {
	faultGarbage(t, envInt("RADIOGW_FAULT_GARBAGE_MB", 20)<<20)
}

// influxTimes returns the distinct timestamps of unit_position per unit.
// InfluxDB overwrites a point with the same series and time, so this is
// the de-duplicated content.
func influxTimes(t *testing.T, srv *influxtest.Server) map[string]map[int64]bool {
	t.Helper()
	r, err := srv.Query(`SELECT lat FROM unit_position GROUP BY unit`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[int64]bool{}
	for _, s := range r.Series {
		u := s.Tags["unit"]
		if out[u] == nil {
			out[u] = map[int64]bool{}
		}
		for _, v := range s.Values {
			n, _ := v[0].(json.Number).Int64()
			if out[u][n] {
				t.Errorf("unit %s: two points at %d in one series", u, n)
			}
			out[u][n] = true
		}
	}
	return out
}

func countTimes(m map[string]map[int64]bool) int {
	n := 0
	for _, ts := range m {
		n += len(ts)
	}
	return n
}

// InfluxDB is stopped for a while during steady traffic: the points wait in
// the outbox and all of them arrive once it is back.
func TestFaultInfluxOutage(t *testing.T) {
	srv := influxtest.Start(t, "radiogw")
	s := newSite(t)
	tcpPort := testsvc.FreePort(t)
	s.extra = tcpListenSource("modems", tcpPort, "") + influxBlock(srv)
	s.write(t)
	p := s.startEnv(t, influxEnv)
	c := dialTCP(t, tcpPort)
	const units = 10
	down := outage()
	steps := int(down/(100*time.Millisecond)) + 40
	base := time.Now().Add(-time.Duration(steps+30) * time.Second)
	var stoppedAt, backAt time.Time
	caughtUp := make(chan time.Duration, 1)
	maxDepth := 0.0
	for k := 0; k < steps; k++ {
		if k == 20 {
			srv.Stop()
			stoppedAt = time.Now()
		}
		if k == steps-20 {
			m := scrape(t, s.httpPort)
			maxDepth = m.get("radiogw_outbox_depth", `sink="influx"`)
			srv.Start()
			backAt = time.Now()
			go func() { // how long until the backlog is in InfluxDB
				for time.Since(backAt) < time.Minute {
					if m, err := srv.Count("unit_position", "lat"); err == nil && m >= int64(units*k) {
						caughtUp <- time.Since(backAt)
						return
					}
					time.Sleep(50 * time.Millisecond)
				}
				caughtUp <- -1
			}()
		}
		for u := 0; u < units; u++ {
			line, _, _ := fleetFix(u, k, base)
			writeLine(t, c, line)
		}
		time.Sleep(100 * time.Millisecond)
	}
	want := units * steps
	var got map[string]map[int64]bool
	deadline := time.Now().Add(2*time.Minute + down)
	for {
		got = influxTimes(t, srv)
		if countTimes(got) >= want || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	recovered := <-caughtUp
	if n := countTimes(got); n != want {
		m := scrape(t, s.httpPort)
		t.Fatalf("InfluxDB holds %d distinct points, want %d:\n%s", n, want, m.nonZero(dropFamilies...))
	}
	m := waitMetric(t, s.httpPort, 10*time.Second, "outbox drained", func(m metricSet) bool {
		return m.get("radiogw_outbox_depth", `sink="influx"`) == 0
	})
	if d := m.get("radiogw_outbox_dropped_total", `sink="influx"`); d != 0 {
		t.Errorf("outbox dropped %g points during a %s outage", d, down)
	}
	if maxDepth == 0 {
		t.Errorf("the outbox never held anything while InfluxDB was down")
	}
	faultRow(t, fmt.Sprintf("InfluxDB down %s: fixes", backAt.Sub(stoppedAt).Round(time.Second)), want, countTimes(got),
		fmt.Sprintf("%g", m.get("radiogw_outbox_dropped_total", `sink="influx"`)), 0,
		fmt.Sprintf("backlog in InfluxDB %s after its return", recovered.Round(time.Millisecond)))
	t.Logf("influx outage: down %s, outbox depth %g before restart, %d points all in InfluxDB; the backlog was in %s after its restart; retries %g",
		backAt.Sub(stoppedAt).Round(time.Millisecond), maxDepth, want, recovered.Round(time.Millisecond),
		m.get("radiogw_sink_retries_total", `sink="influx"`))
	if p.Exited() {
		t.Fatal("radiogw exited")
	}
}

// exportTimes runs `radiogw export` on a stopped daemon's outbox and returns
// the position timestamps still waiting, per unit.
func exportTimes(t *testing.T, config string) map[string]map[int64]bool {
	t.Helper()
	cmd := exec.Command(binary, "export", "-config", config)
	cmd.Env = append(os.Environ(), influxEnv...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("radiogw export: %v: %s", err, stderr.String())
	}
	res := map[string]map[int64]bool{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "unit_position,") {
			continue
		}
		_, tags, _ := strings.Cut(line[:strings.IndexByte(line, ' ')], ",")
		unit := ""
		for _, kv := range strings.Split(tags, ",") {
			if v, ok := strings.CutPrefix(kv, "unit="); ok {
				unit = v
			}
		}
		ts, err := strconv.ParseInt(line[strings.LastIndexByte(line, ' ')+1:], 10, 64)
		if err != nil {
			t.Fatalf("export line %q: %v", line, err)
		}
		if res[unit] == nil {
			res[unit] = map[int64]bool{}
		}
		res[unit][ts] = true
	}
	return res
}

// kill -9 during heavy writes, then a restart: every fix that was accepted
// before the kill (in InfluxDB already, or waiting in the outbox) ends in
// InfluxDB exactly once, and nothing that was never sent appears.
func TestFaultKill9DuringWrites(t *testing.T) {
	srv := influxtest.Start(t, "radiogw")
	s := newSite(t)
	tcpPort := testsvc.FreePort(t)
	s.extra = tcpListenSource("modems", tcpPort, "") + influxBlock(srv)
	s.write(t)
	p := s.startEnv(t, influxEnv)

	total := envInt("RADIOGW_FAULT_FIXES", 6000)
	const units = 20
	perUnit := total / units
	base := time.Now().Truncate(time.Second).Add(-time.Duration(perUnit+60) * time.Second)
	sent := map[string]map[int64]bool{}
	c := dialTCP(t, tcpPort)
	started := time.Now()
	for k := 0; k < perUnit; k++ {
		// Kill in the middle of the stream, once a snapshot was written
		// and InfluxDB has a good part of what was sent.
		if k == perUnit-1 || k >= perUnit/2 && time.Since(started) > 2500*time.Millisecond &&
			scrape(t, s.httpPort).get("radiogw_sink_published_total", `sink="influx"`) >= float64(units*k/3) {
			p.Cmd.Process.Signal(syscall.SIGKILL)
			p.Wait(t, 10*time.Second)
			break
		}
		var buf []byte
		for u := 0; u < units; u++ {
			line, _, _ := fleetFix(u, k, base)
			buf = append(buf, line+"\r\n"...)
			if sent[fleetID(u)] == nil {
				sent[fleetID(u)] = map[int64]bool{}
			}
			sent[fleetID(u)][base.Add(time.Duration(k)*time.Second).UnixNano()] = true
		}
		c.Write(buf)
		time.Sleep(15 * time.Millisecond)
	}
	before := influxTimes(t, srv)
	pending := exportTimes(t, s.config)
	accepted := map[string]map[int64]bool{}
	for _, m := range []map[string]map[int64]bool{before, pending} {
		for u, ts := range m {
			if accepted[u] == nil {
				accepted[u] = map[int64]bool{}
			}
			for x := range ts {
				accepted[u][x] = true
			}
		}
	}
	overlap := 0
	for u, ts := range pending {
		for x := range ts {
			if before[u][x] {
				overlap++
			}
		}
	}

	restart := time.Now()
	s.startEnv(t, influxEnv)
	waitMetric(t, s.httpPort, 2*time.Minute, "outbox drained after restart", func(m metricSet) bool {
		return m.get("radiogw_outbox_depth", `sink="influx"`) == 0 && m.get("radiogw_sink_published_total", `sink="influx"`) > 0 ||
			countTimes(pending) == 0
	})
	drained := time.Since(restart)
	after := influxTimes(t, srv)
	lost, phantom := 0, 0
	for u, ts := range accepted {
		for x := range ts {
			if !after[u][x] {
				lost++
			}
		}
	}
	for u, ts := range after {
		for x := range ts {
			if !sent[u][x] {
				phantom++
			}
		}
	}
	if lost != 0 || phantom != 0 {
		t.Errorf("after kill -9 and restart: %d accepted fixes missing from InfluxDB, %d points never sent", lost, phantom)
	}
	m := scrape(t, s.httpPort)
	faultRow(t, "kill -9 during heavy writes (InfluxDB up): fixes accepted before the kill", countTimes(accepted),
		countTimes(accepted)-lost, fmt.Sprintf("%d (%g torn)", lost, m.get("radiogw_outbox_dropped_total", `reason="torn"`)), overlap,
		fmt.Sprintf("outbox drained %s after the restart", drained.Round(time.Millisecond)))
	t.Logf("kill -9: %d fixes sent before the kill, %d in InfluxDB at the kill, %d waiting in the outbox (%d of them already in InfluxDB, resent and de-duplicated), %d in InfluxDB after restart, outbox drained %s after restart; torn records %g",
		countTimes(sent), countTimes(before), countTimes(pending), overlap, countTimes(after), drained.Round(time.Millisecond),
		m.get("radiogw_outbox_dropped_total", `reason="torn"`))
	// The map survived too: the snapshot restored every unit that had a fix.
	var restored []json.RawMessage
	json.Unmarshal([]byte(httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/api/v1/units", s.httpPort))), &restored)
	if len(restored) < 1 {
		t.Errorf("no unit restored after kill -9")
	}
}

// openPTY makes a pseudo-terminal and points link at its slave side, as a
// USB adapter's /dev/serial/by-id link would.
func openPTY(t *testing.T, link string) (master, slave *os.File) {
	t.Helper()
	m, s, err := pty.Open()
	if err != nil {
		t.Fatalf("open pty: %v", err)
	}
	os.Remove(link)
	if err := os.Symlink(s.Name(), link); err != nil {
		t.Fatal(err)
	}
	return m, s
}

func serialSource(name, device string) string {
	return fmt.Sprintf("\nsource \"serial\" %q {\n  device    = %q\n  codec     = \"nmea\"\n  device_id = \"gps-%s\"\n}\n", name, device, name)
}

// The serial adapter disappears (pty closed, link removed) and comes back
// as another tty behind the same link, while a TCP source keeps flowing.
func TestFaultSerialUnplug(t *testing.T) { faultSerialUnplug(t, 1500*time.Millisecond) }

// The adapter stays away two minutes: it is still opened within 1 s of its
// return (the source watches for the device instead of backing off).
func TestFaultSerialUnplug120s(t *testing.T) {
	gone := 120 * time.Second
	if d := outage(); d > gone {
		gone = d
	}
	faultSerialUnplug(t, gone)
}

func faultSerialUnplug(t *testing.T, gone time.Duration) {
	s := newSite(t)
	link := filepath.Join(s.dir, "ttyGPS")
	master, slave := openPTY(t, link)
	tcpPort := testsvc.FreePort(t)
	s.extra = serialSource("gps", link) + tcpListenSource("modems", tcpPort, "")
	s.write(t)
	p := s.start(t)
	sub := subscribe(t, fmt.Sprintf("127.0.0.1:%d", s.mqttPort), "radiogw/test/units/#")
	tcp := dialTCP(t, tcpPort)
	base := time.Now().Add(-10*time.Minute - 25*gone) // the TCP peer sends a fix second every 50 ms

	line, lat, lon := fleetFix(1, 0, base)
	p.WaitOutput(t, "source=gps", 10*time.Second)
	master.Write([]byte(line + "\r\n"))
	sub.waitTopic(t, "radiogw/test/units/"+fleetID(1), 10*time.Second, positionAt(lat, lon))

	master.Close()
	slave.Close()
	os.Remove(link)
	unplugged := time.Now()
	for k := 0; time.Since(unplugged) < gone; k++ { // the TCP source flows while the adapter is gone
		line, lat, lon := fleetFix(2, k, base)
		writeLine(t, tcp, line)
		if k%10 == 9 {
			sub.waitTopic(t, "radiogw/test/units/"+fleetID(2), 5*time.Second, positionAt(lat, lon))
		}
		time.Sleep(50 * time.Millisecond)
	}
	master, slave = openPTY(t, link)
	defer master.Close()
	defer slave.Close()
	replugged := time.Now()
	line, lat, lon = fleetFix(1, 5, base)
	var recovered time.Duration
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); {
		master.Write([]byte(line + "\r\n"))
		if sub.arrives("radiogw/test/units/"+fleetID(1), 100*time.Millisecond, positionAt(lat, lon)) {
			recovered = time.Since(replugged)
			break
		}
	}
	if recovered == 0 {
		t.Fatalf("no fix from the replugged serial adapter within 60 s")
	}
	if recovered > time.Second+200*time.Millisecond {
		t.Errorf("the replugged adapter's first fix reached the wall %s after its return, want about 1 s at most", recovered.Round(time.Millisecond))
	}
	faultRow(t, fmt.Sprintf("serial adapter unplugged %s (pty)", gone.Round(time.Second)), 1, 1, "0", 0,
		recovered.Round(time.Millisecond).String()+" to first fresh state")
	m := scrape(t, s.httpPort)
	if m.get("radiogw_source_events_total", `source="gps"`, `event="read_error"`) < 1 {
		t.Errorf("the unplug was not counted:\n%s", m.nonZero("radiogw_source_events_total"))
	}
	t.Logf("serial unplug: adapter gone %s, fixes from the replugged one within %s; %s", replugged.Sub(unplugged).Round(time.Millisecond),
		recovered.Round(time.Millisecond), strings.ReplaceAll(m.nonZero("radiogw_source_events_total"), "\n", "; "))
	if p.Exited() {
		t.Fatal("radiogw exited")
	}
}

// SIGHUP with a broken config, then one that removes the serial source,
// then one that adds it back; the TCP source flows throughout and unit
// state survives.
func TestFaultReloadSerial(t *testing.T) {
	s := newSite(t)
	link := filepath.Join(s.dir, "ttyGPS")
	master, slave := openPTY(t, link)
	defer master.Close()
	defer slave.Close()
	tcpPort := testsvc.FreePort(t)
	withSerial := serialSource("gps", link) + tcpListenSource("modems", tcpPort, "")
	s.extra = withSerial
	s.write(t)
	p := s.start(t)
	sub := subscribe(t, fmt.Sprintf("127.0.0.1:%d", s.mqttPort), "radiogw/test/units/#")
	tcp := dialTCP(t, tcpPort)
	base := time.Now().Add(-10 * time.Minute)
	k := 0
	flowTCP := func() {
		line, lat, lon := fleetFix(2, k, base)
		k++
		writeLine(t, tcp, line)
		sub.waitTopic(t, "radiogw/test/units/"+fleetID(2), 10*time.Second, positionAt(lat, lon))
	}
	serialFix := func(n int, within time.Duration) bool {
		line, lat, lon := fleetFix(1, n, base)
		for deadline := time.Now().Add(within); time.Now().Before(deadline); {
			master.Write([]byte(line + "\r\n"))
			if sub.arrives("radiogw/test/units/"+fleetID(1), time.Second, positionAt(lat, lon)) {
				return true
			}
		}
		return false
	}
	p.WaitOutput(t, "source=gps", 10*time.Second)
	if !serialFix(0, 30*time.Second) {
		t.Fatal("no fix from the serial source")
	}
	flowTCP()

	good := mustRead(t, s.config)
	os.WriteFile(s.config, []byte(good+"\nsource \"serial\" \"gps2\" {\n  device = 7\n}\n"), 0o644)
	p.Cmd.Process.Signal(syscall.SIGHUP)
	p.WaitOutput(t, "new configuration rejected", 10*time.Second)
	flowTCP()

	s.extra = tcpListenSource("modems", tcpPort, "")
	s.write(t)
	p.Cmd.Process.Signal(syscall.SIGHUP)
	p.WaitOutput(t, "source stopped for reload", 10*time.Second)
	flowTCP()
	if serialFix(1, 3*time.Second) {
		t.Errorf("a removed serial source still delivers")
	}

	s.extra = withSerial
	s.write(t)
	p.Cmd.Process.Signal(syscall.SIGHUP)
	p.WaitOutput(t, "source started by reload", 10*time.Second)
	if !serialFix(2, 30*time.Second) {
		t.Fatal("the re-added serial source delivers nothing")
	}
	flowTCP()
	m := scrape(t, s.httpPort)
	if m.get("radiogw_reloads_total", `result="applied"`) != 2 || m.get("radiogw_reloads_total", `result="rejected"`) != 1 {
		t.Errorf("reloads: %s", m.nonZero("radiogw_reloads_total"))
	}
	if strings.Count(p.Output(), "source stopped for reload") != 1 {
		t.Errorf("the TCP source was restarted by a reload that did not change it")
	}
}

// Fixes from the future and the past interleaved with good ones: the
// filter rejects what is beyond max_future and counts it; fixes older than
// max_fix_age, and late fixes within the window, go to history without
// moving the unit, counted; the live position is the newest good fix.
func TestFaultClockJumps(t *testing.T) {
	s := newSite(t)
	tcpPort := testsvc.FreePort(t)
	s.extra = tcpListenSource("modems", tcpPort, "")
	s.write(t)
	p := s.start(t)
	sub := subscribe(t, fmt.Sprintf("127.0.0.1:%d", s.mqttPort), "radiogw/test/units/#")
	c := dialTCP(t, tcpPort)
	now := time.Now()
	base := now.Add(-5 * time.Minute)
	var lat, lon float64
	future, past, late := 0, 0, 0
	for k := 0; k < 60; k++ {
		var line string
		line, lat, lon = fleetFix(0, k*4, base) // good: 4 s apart, up to now
		writeLine(t, c, line)
		switch k % 4 {
		case 0: // an hour ahead (a receiver with a wrong date)
			writeLine(t, c, rmc(fleetID(0), now.Add(time.Hour+time.Duration(k)*time.Second), 34.5, -118.5))
			future++
		case 1: // two days behind
			writeLine(t, c, rmc(fleetID(0), now.Add(-48*time.Hour+time.Duration(k)*time.Second), 34.5, -118.5))
			past++
		case 2: // late but plausible: between earlier good fixes
			l, _, _ := fleetFix(0, k*4-6, base)
			writeLine(t, c, l)
			late++
		}
	}
	sub.waitTopic(t, "radiogw/test/units/"+fleetID(0), 10*time.Second, positionAt(lat, lon))
	m := waitMetric(t, s.httpPort, 10*time.Second, "every fix applied", func(m metricSet) bool {
		return m.get("radiogw_observations_total", `kind="fix"`) >= float64(60+future+past+late)
	})
	time.Sleep(500 * time.Millisecond)
	sub.waitTopic(t, "radiogw/test/units/"+fleetID(0), 5*time.Second, positionAt(lat, lon))
	if got := m.get("radiogw_fix_rejections_total", `reason="future"`); got != float64(future) {
		t.Errorf("future rejections %g, want %d", got, future)
	}
	if got := m.get("radiogw_fix_late_total", `reason="too_old"`, `source="modems"`); got != float64(past) {
		t.Errorf("too_old history-only fixes %g, want %d", got, past)
	}
	if got := m.get("radiogw_fix_late_total", `reason="older_than_live"`); got != float64(late) {
		t.Errorf("older_than_live history-only fixes %g, want %d", got, late)
	}
	if got := m.get("radiogw_fix_rejections_total"); got != float64(future) {
		t.Errorf("rejections %s, want only future", m.nonZero("radiogw_fix_rejections_total"))
	}
	track := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/api/v1/units/%s/track", s.httpPort, fleetID(0)))
	if strings.Contains(track, "34.5") {
		t.Errorf("a rejected fix is in the track: %.300s", track)
	}
	t.Logf("clock jumps: 60 good, %d future (+1 h), %d past (-48 h), %d late fixes; %s; %s", future, past, late,
		strings.ReplaceAll(m.nonZero("radiogw_fix_rejections_total"), "\n", "; "),
		strings.ReplaceAll(m.nonZero("radiogw_fix_late_total"), "\n", "; "))
	if p.Exited() {
		t.Fatal("radiogw exited")
	}
}

// Frames beyond max_frame on every transport are dropped and counted one
// by one; the valid frame after each is decoded.
func TestFaultOversizedFrames(t *testing.T) {
	s := newSite(t)
	tcpPort := testsvc.FreePort(t)
	s.extra = tcpListenSource("modems", tcpPort, "  max_frame = 512\n")
	s.write(t)
	injectHCL(t, s.config, "source \"udp\" \"avl\" {\n", "  max_frame = 512\n")
	p := s.start(t)
	sub := subscribe(t, fmt.Sprintf("127.0.0.1:%d", s.mqttPort), "radiogw/test/units/#")
	base := time.Now().Add(-10 * time.Minute)
	c := dialTCP(t, tcpPort)
	sizes := []int{513, 4096, 65000, 1 << 20, 8 << 20}
	for i, n := range sizes {
		c.SetWriteDeadline(time.Now().Add(30 * time.Second))
		if _, err := c.Write(append([]byte(strings.Repeat("$", n)), "\r\n"...)); err != nil {
			t.Fatal(err)
		}
		line, lat, lon := fleetFix(0, i, base)
		writeLine(t, c, line)
		sub.waitTopic(t, "radiogw/test/units/"+fleetID(0), 20*time.Second, positionAt(lat, lon))
	}
	udp, _ := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", s.udpPort))
	defer udp.Close()
	for i, n := range []int{513, 1400, 9000, 65000} {
		udp.Write([]byte(strings.Repeat("$", n)))
		line, lat, lon := fleetFix(1, i, base)
		udp.Write([]byte(line))
		sub.waitTopic(t, "radiogw/test/units/"+fleetID(1), 10*time.Second, positionAt(lat, lon))
	}
	m := scrape(t, s.httpPort)
	if got := m.get("radiogw_source_events_total", `source="modems"`, `event="oversize"`); got != float64(len(sizes)) {
		t.Errorf("tcp oversize events %g, want %d", got, len(sizes))
	}
	if got := m.get("radiogw_source_events_total", `source="avl"`, `event="oversize"`); got != 4 {
		t.Errorf("udp oversize events %g, want 4:\n%s", got, m.nonZero(dropFamilies...))
	}
	t.Logf("oversize: %s", strings.ReplaceAll(m.nonZero("radiogw_source_events_total", "radiogw_decode_errors_total"), "\n", "; "))
	if p.Exited() {
		t.Fatal("radiogw exited")
	}
}

// One peer floods valid fixes of many units as fast as TCP allows; a quiet
// peer's fixes must still reach the broker within 5 s.
func TestFaultValidFloodLatency(t *testing.T) {
	if b := os.Getenv("RADIOGW_FAULT_BINARY"); b != "" {
		saved := binary
		binary, _ = filepath.Abs(b)
		t.Cleanup(func() { binary = saved })
	}
	f := startFloodSite(t, 1<<30)
	fbase := time.Now().Add(-20 * time.Minute)
	stop := make(chan struct{})
	total := f.flood(t, stop, func(k int) []byte {
		var b []byte
		for u := 1; u <= 100; u++ {
			l, _, _ := fleetFix(u, k%1200, fbase)
			b = append(b, l+"\r\n"...)
		}
		return b
	})
	// /readyz is sampled alongside: it turns 503 when the tracker loop has
	// not turned for 5 s, which is also what stops the systemd watchdog.
	var notReady atomic.Int32
	readyDone := make(chan struct{})
	defer func() {
		close(stop)
		<-total
		<-readyDone
		if n := notReady.Load(); n > 0 {
			t.Errorf("/readyz answered not ready %d times during the flood", n)
		}
	}()
	go func() {
		defer close(readyDone)
		url := fmt.Sprintf("http://127.0.0.1:%d/readyz", f.httpPort)
		for {
			select {
			case <-stop:
				return
			case <-time.After(500 * time.Millisecond):
			}
			if resp, err := http.Get(url); err == nil {
				if resp.StatusCode != http.StatusOK {
					notReady.Add(1)
					body, _ := io.ReadAll(resp.Body)
					if i := strings.Index(string(body), `"not_ready"`); i >= 0 {
						body = body[i:min(len(body), i+120)]
					}
					t.Logf("/readyz %d: %s", resp.StatusCode, body)
				}
				resp.Body.Close()
			}
		}
	}()
	for i := 0; i < 20; i++ {
		f.quietFix(t, 5*time.Second)
		time.Sleep(200 * time.Millisecond)
	}
	m := scrape(t, f.httpPort)
	t.Logf("valid flood: slowest quiet fix %s; inbox %g; /readyz not ready %d times; %s", f.maxSeen.Round(time.Millisecond),
		m.get("radiogw_queue_depth", `queue="inbox"`), notReady.Load(), strings.ReplaceAll(m.nonZero(dropFamilies...), "\n", "; "))
}

// udpDrops reads the kernel's drop count for the UDP socket bound to port
// (the last column of /proc/net/udp).
func udpDrops(t *testing.T, port int) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/net/udp")
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(":%04X ", port)
	var n int64
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) >= 13 && strings.HasSuffix(f[1]+" ", want) {
			d, _ := strconv.ParseInt(f[len(f)-1], 10, 64)
			n += d
		}
	}
	return n
}

// Valid datagrams faster than radiogw reads them: the kernel drops what
// does not fit in the socket buffer. Every datagram sent must be either
// read (radiogw_frames_total) or counted as dropped by radiogw.
func TestFaultUDPOverrunCounted(t *testing.T) {
	s := newSite(t)
	s.write(t)
	p := s.start(t)
	c, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", s.udpPort))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	base := time.Now().Add(-20 * time.Minute)
	const n = 60000
	for k := 0; k < n; k++ {
		line, _, _ := fleetFix(k%200, k/200, base)
		c.Write([]byte(line))
	}
	time.Sleep(2 * time.Second)
	// The kernel reports a socket's drops with the next datagram it
	// delivers: one more, after the buffer has drained, carries the total.
	line, _, _ := fleetFix(0, n, base)
	c.Write([]byte(line))
	m := waitMetric(t, s.httpPort, 30*time.Second, "reading settled", func(m metricSet) bool {
		a := m.get("radiogw_frames_total", `source="avl"`)
		time.Sleep(300 * time.Millisecond)
		return scrape(t, s.httpPort).get("radiogw_frames_total", `source="avl"`) == a
	})
	read := m.get("radiogw_frames_total", `source="avl"`)
	kernel := udpDrops(t, s.udpPort)
	counted := m.get("radiogw_source_events_total", `source="avl"`) + m.get("radiogw_drops_total")
	t.Logf("udp overrun: %d datagrams sent, %g read, kernel dropped %d, radiogw counted %g", n+1, read, kernel, counted)
	if float64(n+1)-read > counted {
		t.Errorf("%g datagrams lost in the socket buffer (kernel says %d) and no radiogw counter shows it:\n%s",
			float64(n+1)-read, kernel, m.nonZero(dropFamilies...))
	}
	if p.Exited() {
		t.Fatal("radiogw exited")
	}
}

// Twenty SIGHUPs in quick succession, alternating between a config with
// and without a second TCP listener on the same port, while the first
// listener flows: no crash, the port is rebound every time, and the final
// configuration is the one running.
func TestFaultReloadStorm(t *testing.T) {
	s := newSite(t)
	keepPort, flipPort := testsvc.FreePort(t), testsvc.FreePort(t)
	with := tcpListenSource("modems", keepPort, "") + tcpListenSource("flip", flipPort, "")
	without := tcpListenSource("modems", keepPort, "")
	s.extra = with
	s.write(t)
	p := s.start(t)
	sub := subscribe(t, fmt.Sprintf("127.0.0.1:%d", s.mqttPort), "radiogw/test/units/#")
	c := dialTCP(t, keepPort)
	base := time.Now().Add(-10 * time.Minute)
	k := 0
	for i := 0; i < 20; i++ {
		if i%2 == 0 {
			s.extra = without
		} else {
			s.extra = with
		}
		s.write(t)
		p.Cmd.Process.Signal(syscall.SIGHUP)
		line, _, _ := fleetFix(0, k, base)
		k++
		writeLine(t, c, line)
		time.Sleep(50 * time.Millisecond)
	}
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(p.Output(), "configuration reloaded")+strings.Count(p.Output(), "rejected") < 20 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	line, lat, lon := fleetFix(0, k, base)
	writeLine(t, c, line)
	sub.waitTopic(t, "radiogw/test/units/"+fleetID(0), 10*time.Second, positionAt(lat, lon))
	// The last config has the flip listener: it accepts and decodes.
	f := dialTCP(t, flipPort)
	line, lat, lon = fleetFix(1, 0, base)
	writeLine(t, f, line)
	sub.waitTopic(t, "radiogw/test/units/"+fleetID(1), 10*time.Second, positionAt(lat, lon))
	m := scrape(t, s.httpPort)
	t.Logf("reload storm: %s; errors in the log: %d", strings.ReplaceAll(m.nonZero("radiogw_reloads_total"), "\n", "; "),
		strings.Count(p.Output(), "level=ERROR"))
	if strings.Contains(p.Output(), "level=ERROR") {
		t.Errorf("errors during the reload storm:\n%s", grepLines(p.Output(), "level=ERROR"))
	}
	if got := m.get("radiogw_observations_total", `kind="fix"`); got != float64(k+2) {
		t.Errorf("fixes applied %g, want %d: the kept listener lost data across reloads", got, k+2)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
