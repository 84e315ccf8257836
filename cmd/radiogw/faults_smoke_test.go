package main

// A short fault smoke that runs with every `make test`: the broker dying in
// the middle of a burst, a TCP peer that stops mid-frame next to one that
// keeps talking, and random bytes into every transport. The long versions,
// and the faults that need minutes or root, are in faults_test.go (build tag
// faults, `make faults`). The helpers here are shared by both and by
// security_test.go.

import (
	"bufio"
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"radiogw/gateway/testsvc"
)

// metricSet is one scrape of /metrics: every sample keyed as printed,
// `name{label="value",...}`.
type metricSet map[string]float64

func scrape(t *testing.T, httpPort int) metricSet {
	t.Helper()
	// with a timeout: a port that is not radiogw's HTTP must fail the
	// test, not hang it
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", httpPort))
	if err != nil {
		t.Fatalf("scrape /metrics: %v", err)
	}
	defer resp.Body.Close()
	m := metricSet{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		m[line[:i]] = v
	}
	return m
}

// get sums the samples of name whose labels include every want (`k="v"`).
func (m metricSet) get(name string, want ...string) float64 {
	var sum float64
	for k, v := range m {
		if k != name && !strings.HasPrefix(k, name+"{") {
			continue
		}
		ok := true
		for _, w := range want {
			if !strings.Contains(k, w) {
				ok = false
				break
			}
		}
		if ok {
			sum += v
		}
	}
	return sum
}

// nonZero lists the non-zero samples of the named families, for failure
// messages and the figures in docs/RELIABILITY.md.
func (m metricSet) nonZero(names ...string) string {
	var out []string
	for k, v := range m {
		for _, n := range names {
			if (k == n || strings.HasPrefix(k, n+"{")) && v != 0 {
				out = append(out, fmt.Sprintf("%s %g", k, v))
			}
		}
	}
	return strings.Join(out, "\n")
}

// dropFamilies are the counters that must explain every lost input.
var dropFamilies = []string{"radiogw_drops_total", "radiogw_outbox_dropped_total", "radiogw_decode_errors_total",
	"radiogw_source_events_total", "radiogw_fix_rejections_total", "radiogw_unsupported_frames_total"}

// fleetFix is the k-th fix of unit u: units sit 0.01° of longitude apart and
// drive north 0.0001° (11 m) per second of fix time from base, a speed every
// filter accepts.
func fleetFix(u, k int, base time.Time) (line string, lat, lon float64) {
	lat, lon = 33.70+0.0001*float64(k), -117.80-0.01*float64(u)
	return rmc(fleetID(u), base.Add(time.Duration(k)*time.Second), lat, lon), lat, lon
}

// fleetID is unit u's modem ID; it is not in the roster, so the unit is
// tracked unlisted under that ID.
func fleetID(u int) string { return fmt.Sprintf("M%03d", u) }

// dialTCP connects to a tcp_listen source, retrying for a moment: "radiogw
// running" is logged when the sources are started, not when every listener
// is bound.
func dialTCP(t *testing.T, port int) net.Conn {
	t.Helper()
	var c net.Conn
	var err error
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err = net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func writeLine(t *testing.T, c net.Conn, s string) {
	t.Helper()
	c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte(s + "\r\n")); err != nil {
		t.Fatalf("write to %s: %v", c.RemoteAddr(), err)
	}
}

// waitCount waits until the series of name matching labels add up to at
// least want (radiogw counts some outcomes just after a device or a
// subscriber sees them), then reports a count above want. It returns that
// scrape.
func waitCount(t *testing.T, httpPort int, within time.Duration, want float64, name string, labels ...string) metricSet {
	t.Helper()
	m := waitMetric(t, httpPort, within, fmt.Sprintf("%s%v reaching %g", name, labels, want), func(m metricSet) bool {
		return m.get(name, labels...) >= want
	})
	if got := m.get(name, labels...); got != want {
		t.Errorf("%s%v = %g, want %g", name, labels, got, want)
	}
	return m
}

// waitMetric polls /metrics until ok holds.
func waitMetric(t *testing.T, httpPort int, within time.Duration, what string, ok func(metricSet) bool) metricSet {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		m := scrape(t, httpPort)
		if ok(m) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached within %s; counters:\n%s", what, within,
				m.nonZero(append(dropFamilies, "radiogw_observations_total", "radiogw_frames_total")...))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func tcpListenSource(name string, port int, extra string) string {
	return fmt.Sprintf("\nsource \"tcp_listen\" %q {\n  listen = \"127.0.0.1:%d\"\n  codec  = \"nmea\"\n%s}\n", name, port, extra)
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// faultBrokerRestart kills the external broker a third of the way through a
// burst of fixes over TCP and starts it again, empty, a moment later. Every
// fix must be applied (TCP loses nothing), and the final position of every
// unit must be retained on the new broker without any new input.
func faultBrokerRestart(t *testing.T, units, perUnit int, down time.Duration) {
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	s := newSite(t)
	tcpPort := testsvc.FreePort(t)
	s.mqttBlock = mqttBrokerBlock(m.Addr)
	s.extra = tcpListenSource("modems", tcpPort, "")
	s.write(t)
	p := s.start(t)
	c := dialTCP(t, tcpPort)
	base := time.Now().Add(-time.Duration(perUnit+10) * time.Second)
	last := make([][2]float64, units)
	var killedAt, restartedAt time.Time
	burst := time.Now()
	for k := 0; k < perUnit; k++ {
		if k == perUnit/3 {
			m.Stop()
			killedAt = time.Now()
		}
		if k == perUnit/3+perUnit/10 {
			time.Sleep(down)
			m.Restart()
			restartedAt = time.Now()
		}
		for u := 0; u < units; u++ {
			line, lat, lon := fleetFix(u, k, base)
			writeLine(t, c, line)
			last[u] = [2]float64{lat, lon}
		}
		time.Sleep(2 * time.Millisecond)
	}
	sent := float64(units * perUnit)
	met := waitMetric(t, s.httpPort, 30*time.Second, "every fix applied", func(m metricSet) bool {
		return m.get("radiogw_observations_total", `kind="fix"`) >= sent
	})
	if got := met.get("radiogw_fix_rejections_total"); got != 0 {
		t.Errorf("%g fixes rejected:\n%s", got, met.nonZero(dropFamilies...))
	}
	if got := met.get("radiogw_drops_total"); got != 0 {
		t.Errorf("drops during a broker outage:\n%s", met.nonZero(dropFamilies...))
	}

	// A subscriber that arrives after everything saw only what the new
	// broker retains: radiogw must have republished all of it.
	sub := subscribe(t, m.Addr, "radiogw/test/#")
	start := time.Now()
	for u := 0; u < units; u++ {
		sub.waitTopic(t, "radiogw/test/units/"+fleetID(u), 30*time.Second, positionAt(last[u][0], last[u][1]))
	}
	sub.waitTopic(t, "radiogw/test/status", 10*time.Second, func(b []byte) bool { return string(b) == "online" })
	// Events queued during the outage (source_up, ...) are delivered too.
	met = waitMetric(t, s.httpPort, 30*time.Second, "mqtt outbox drained", func(m metricSet) bool {
		return m.get("radiogw_outbox_depth", `sink="mqtt"`) == 0
	})
	if d := met.get("radiogw_outbox_dropped_total", `sink="mqtt"`); d != 0 {
		t.Errorf("mqtt outbox dropped %g events", d)
	}
	if n := met.get("radiogw_sink_reconnects_total", `sink="mqtt"`); n < 2 {
		t.Errorf("sink reconnects = %g, want at least 2 (start and after the restart)", n)
	}
	faultRow(t, fmt.Sprintf("mosquitto killed mid-burst, down %s: fixes", restartedAt.Sub(killedAt).Round(time.Second)), units*perUnit,
		int(met.get("radiogw_observations_total", `kind="fix"`)), "0", 0,
		fmt.Sprintf("all %d units retained on the new broker %s after the burst", units, time.Since(start).Round(time.Millisecond)))
	t.Logf("broker restart: %d fixes over TCP, broker down %s (killed %s after start of burst), all %d units retained on the new broker %s after the burst; reconnects %g, outbox depth mqtt %g",
		units*perUnit, restartedAt.Sub(killedAt).Round(time.Millisecond), killedAt.Sub(burst).Round(time.Millisecond),
		units, time.Since(start).Round(time.Millisecond), met.get("radiogw_sink_reconnects_total", `sink="mqtt"`),
		met.get("radiogw_outbox_depth", `sink="mqtt"`))
	if p.Exited() {
		t.Fatalf("radiogw exited")
	}
}

// faultHalfFrame: peer A sends half a sentence and goes silent while peer B
// keeps sending; B's fixes arrive, A's sentence completes when A resumes
// (TCP is a stream), and a frame beyond max_frame is dropped and counted
// without losing the valid sentence after it.
func faultHalfFrame(t *testing.T, fixes int) {
	s := newSite(t)
	tcpPort := testsvc.FreePort(t)
	s.extra = tcpListenSource("modems", tcpPort, "  max_frame = 512\n")
	s.write(t)
	p := s.start(t)
	sub := subscribe(t, fmt.Sprintf("127.0.0.1:%d", s.mqttPort), "radiogw/test/units/#")

	base := time.Now().Add(-time.Duration(fixes+10) * time.Second)
	a, b := dialTCP(t, tcpPort), dialTCP(t, tcpPort)
	lineA, latA, lonA := fleetFix(0, 0, base)
	half := len(lineA) / 2
	if _, err := a.Write([]byte(lineA[:half])); err != nil {
		t.Fatal(err)
	}
	var worst time.Duration
	for k := 0; k < fixes; k++ {
		line, lat, lon := fleetFix(1, k, base)
		sent := time.Now()
		writeLine(t, b, line)
		if k%(max(fixes/5, 1)) == 0 || k == fixes-1 {
			sub.waitTopic(t, "radiogw/test/units/"+fleetID(1), 10*time.Second, positionAt(lat, lon))
			worst = max(worst, time.Since(sent))
		}
	}
	if _, err := a.Write([]byte(lineA[half:] + "\r\n")); err != nil {
		t.Fatal(err)
	}
	sub.waitTopic(t, "radiogw/test/units/"+fleetID(0), 10*time.Second, positionAt(latA, lonA))

	// An oversized frame, then a valid sentence on the same connection.
	junk := strings.Repeat("X", 4096)
	if _, err := a.Write([]byte(junk)); err != nil {
		t.Fatal(err)
	}
	lineA, latA, lonA = fleetFix(0, 5, base)
	writeLine(t, a, "")
	writeLine(t, a, lineA)
	sub.waitTopic(t, "radiogw/test/units/"+fleetID(0), 10*time.Second, positionAt(latA, lonA))
	m := waitMetric(t, s.httpPort, 5*time.Second, "oversize counted", func(m metricSet) bool {
		return m.get("radiogw_source_events_total", `source="modems"`, `event="oversize"`) >= 1
	})
	if got := m.get("radiogw_observations_total", `kind="fix"`); got != float64(fixes+2) {
		t.Errorf("fixes applied = %g, want %d:\n%s", got, fixes+2, m.nonZero(dropFamilies...))
	}
	t.Logf("half frame: %d fixes from the other peer, slowest sampled arrival %s; oversize events %g",
		fixes, worst.Round(time.Millisecond), m.get("radiogw_source_events_total", `event="oversize"`))
	if p.Exited() {
		t.Fatalf("radiogw exited")
	}
}

// faultGarbage sends size random bytes into every transport (UDP in
// datagrams, two TCP listeners in one stream each) while a third TCP peer
// keeps sending valid fixes. Every valid fix must be applied and the
// garbage must be accounted for by the drop counters.
func faultGarbage(t *testing.T, size int) {
	s := newSite(t)
	junkPort, goodPort := testsvc.FreePort(t), testsvc.FreePort(t)
	s.extra = tcpListenSource("junk", junkPort, "") + tcpListenSource("good", goodPort, "")
	s.write(t)
	p := s.start(t)
	sub := subscribe(t, fmt.Sprintf("127.0.0.1:%d", s.mqttPort), "radiogw/test/units/#")

	junk := randomBytes(t, size)
	done := make(chan error, 2)
	go func() { // TCP: the whole blob in one stream
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", junkPort))
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		_, err = c.Write(junk)
		done <- err
	}()
	go func() { // UDP: in datagrams, paced so the socket buffer is not the limit
		c, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", s.udpPort))
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		for off := 0; off < len(junk); off += 1400 {
			c.Write(junk[off:min(off+1400, len(junk))])
			if off%(64*1400) == 0 {
				time.Sleep(time.Millisecond)
			}
		}
		done <- nil
	}()

	good := dialTCP(t, goodPort)
	base := time.Now().Add(-10 * time.Minute)
	start := time.Now()
	k := 0
	for ; ; k++ {
		line, lat, lon := fleetFix(7, k, base)
		writeLine(t, good, line)
		if k%20 == 0 {
			sub.waitTopic(t, "radiogw/test/units/"+fleetID(7), 15*time.Second, positionAt(lat, lon))
		}
		if len(done) == 2 || time.Since(start) > 3*time.Minute {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for i := 0; i < 2; i++ {
		if err := <-done; err != nil {
			t.Fatalf("sending garbage: %v", err)
		}
	}
	line, lat, lon := fleetFix(7, k+1, base)
	writeLine(t, good, line)
	sub.waitTopic(t, "radiogw/test/units/"+fleetID(7), 15*time.Second, positionAt(lat, lon))
	// The junk stream is read to its end when the frame count stops moving.
	prev := -1.0
	m := waitMetric(t, s.httpPort, 60*time.Second, "junk read to the end", func(m metricSet) bool {
		frames := m.get("radiogw_frames_total")
		settled := frames == prev && m.get("radiogw_observations_total", `kind="fix"`) >= float64(k+2)
		prev = frames
		if !settled {
			time.Sleep(300 * time.Millisecond)
		}
		return settled
	})
	// Every frame the junk sources produced either failed to decode or was
	// discarded by the framer; none became an observation.
	// A junk line of 3+ letters and digits is, by design, a modem naming
	// itself (a bare device ID): those count as identities.
	junkFrames := m.get("radiogw_frames_total", `source="junk"`) + m.get("radiogw_frames_total", `source="avl"`)
	// Well-formed sentences of kinds radiogw does not decode are counted by
	// name, not as errors.
	explained := m.get("radiogw_decode_errors_total", `source="junk"`) + m.get("radiogw_decode_errors_total", `source="avl"`) +
		m.get("radiogw_frames_ignored_total", `source="junk"`) + m.get("radiogw_frames_ignored_total", `source="avl"`) +
		m.get("radiogw_observations_total", `kind="identity"`) + m.get("radiogw_unsupported_frames_total", `source="junk"`) +
		m.get("radiogw_unsupported_frames_total", `source="avl"`)
	if junkFrames != explained {
		t.Errorf("junk frames %g, decode errors %g: some garbage frames are unexplained:\n%s", junkFrames, explained,
			m.nonZero(dropFamilies...))
	}
	if got := m.get("radiogw_observations_total", `kind="fix"`); got != float64(k+2) {
		t.Errorf("fixes applied = %g, want exactly the %d valid ones:\n%s", got, k+2, m.nonZero(dropFamilies...))
	}
	t.Logf("garbage: %d random bytes into udp and tcp_listen in %s; %d valid fixes on another peer all applied; junk frames %g, %s",
		size, time.Since(start).Round(time.Millisecond), k+2, junkFrames,
		strings.ReplaceAll(m.nonZero("radiogw_decode_errors_total", "radiogw_source_events_total", "radiogw_observations_total"), "\n", "; "))
	if p.Exited() {
		t.Fatalf("radiogw exited")
	}
}

func TestFaultSmokeBrokerRestart(t *testing.T) { faultBrokerRestart(t, 5, 60, 500*time.Millisecond) }

func TestFaultSmokeHalfFrame(t *testing.T) { faultHalfFrame(t, 30) }

func TestFaultSmokeGarbage(t *testing.T) { faultGarbage(t, 1<<20) }

// envInt reads a scale knob for the fault suite.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
