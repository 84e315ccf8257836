package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"radiogw/gateway/codec/nmea"
	"radiogw/gateway/codec/taip"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

const captures = "../../testdata/captures"

// goldenTol is how close a position in history must be to its reference:
// 1e-6 degrees, about 11 cm.
const goldenTol = 1e-6

// A reference position a capture says must reach history.
type refPos struct {
	set      string // capture set, for the report
	what     string // where it comes from, for failures
	lat, lon float64
	id       string        // device ID, when the frame names it
	time     time.Time     // fix time, when the frame dates it fully
	tod      time.Duration // time of day, when that is all the frame has
}

// point is one exported unit_position.
type point struct {
	tags     map[string]string
	lat, lon float64
	time     int64
}

// Every capture in testdata/captures goes through the real binary with the
// default configuration, over UDP and over a pseudo-terminal serial source,
// at its recorded times. From `radiogw export` the test asserts that every
// reference position is in history: gpsd's TPVs (.chk) within 1e-6°, every
// position the Traccar-derived TAIP and modem captures decode to, every
// LRRP sample's annotated position; and that each unit's live position is
// its newest fix that went live. Then a -live replay moves a unit on the
// wall to the capture's last fix.
func TestGoldenCaptures(t *testing.T) {
	t.Run("udp", func(t *testing.T) { goldenRun(t, false) })
	t.Run("serial", func(t *testing.T) { goldenRun(t, true) })
}

// goldenRun replays every capture into one daemon over UDP, or over
// pseudo-terminal serial sources (the captures that come from serial
// devices: receivers and TAIP terminals), and checks history and live state.
func goldenRun(t *testing.T, serial bool) {
	s := newSite(t)
	taipPort, lrrpPort := freeUDP(t), freeUDP(t)
	var gpsMaster, taipMaster *os.File
	if serial {
		var gpsLink, taipLink string
		gpsMaster, gpsLink = goldenPTY(t, "ttyGPS")
		taipMaster, taipLink = goldenPTY(t, "ttyTAIP")
		s.extra = fmt.Sprintf(`
source "serial" "gps-serial" {
  device    = %q
  codec     = "nmea"
  device_id = "serial-gps"
}

source "serial" "taip-serial" {
  device    = %q
  codec     = "taip"
  device_id = "serial-taip"
}
`, gpsLink, taipLink)
	} else {
		s.extra = fmt.Sprintf(`
source "udp" "taip" {
  listen = "127.0.0.1:%d"
  codec  = "taip"
}

source "udp" "lrrp" {
  listen = "0.0.0.0:%d"
  codec  = "lrrp"
}
`, taipPort, lrrpPort)
	}
	s.write(t)
	if out, code := runCLI(t, "check", "-config", s.config); code != 0 {
		t.Fatalf("check: %s", out)
	}
	p := s.start(t)
	nmeaSrc, taipSrc := "avl", "taip"
	if serial {
		nmeaSrc, taipSrc = "gps-serial", "taip-serial"
		p.WaitOutput(t, `source up" source=gps-serial`, 10*time.Second)
		p.WaitOutput(t, `source up" source=taip-serial`, 10*time.Second)
	}
	var refs []refPos
	frames := map[string]int{}
	sendNMEA := func(from string, lines []string) {
		if serial {
			frames[nmeaSrc] += writeSerial(t, gpsMaster, lines)
		} else {
			frames[nmeaSrc] += sendFrom(t, from, s.udpPort, lines)
		}
	}

	// gpsd logs: each receiver from its own address over UDP, or one after
	// the other down the serial line.
	for i, name := range []string{"mtk-3329", "bu353-glonass", "ublox-lea-5q"} {
		path := filepath.Join(captures, "nmea/gpsd", name+".log")
		sendNMEA(fmt.Sprintf("127.0.2.%d", i+1), captureLines(t, path, false))
		refs = append(refs, gpsdTPVs(t, path+".chk")...)
	}
	// Modem and Kenwood captures: one modem per line over UDP, as in the
	// Traccar tests they come from. Reference: every valid position the
	// NMEA decoder reads from them (its own tests pin each value by hand).
	for i, file := range []string{"nmea/ip-modems.txt", "misc/kenwood-pknds.txt"} {
		for j, l := range captureLines(t, filepath.Join(captures, file), false) {
			sendNMEA(fmt.Sprintf("127.0.%d.%d", 10+i, j+1), []string{l})
			refs = append(refs, decodedRefs(t, "nmea", file, l)...)
		}
	}
	// TAIP terminals.
	taipLines := captureLines(t, filepath.Join(captures, "taip/traccar-tests.txt"), false)
	if serial {
		frames[taipSrc] += writeSerial(t, taipMaster, taipLines)
	} else {
		frames[taipSrc] += sendFrom(t, "127.0.20.1", taipPort, taipLines)
	}
	for _, l := range taipLines {
		refs = append(refs, decodedRefs(t, "taip", "taip/traccar-tests.txt", l)...)
	}
	// LRRP is UDP only: radios on the radio network, one address each
	// (loopback stands in for 12.x).
	if !serial {
		lrrpRefs, lrrpFrames := lrrpSamples(t)
		for i, b := range lrrpFrames {
			frames["lrrp"] += sendFrom(t, fmt.Sprintf("127.0.30.%d", i+1), lrrpPort, []string{string(b)})
		}
		refs = append(refs, lrrpRefs...)
	}

	waitFrames(t, s.httpPort, frames)
	time.Sleep(2 * time.Second) // the tracker loop, and a bare fix held for its sender's ID

	units := getUnits(t, s.httpPort)
	m := scrape(t, s.httpPort)
	t.Logf("late fixes: %s", m.nonZero("radiogw_fix_late_total"))
	t.Logf("rejections: %s", m.nonZero("radiogw_fix_rejections_total"))

	if !serial {
		// A -live replay re-times a recorded drive to now: it moves its unit.
		mtk := filepath.Join(captures, "nmea/gpsd/mtk-3329.log")
		if out, code := runCLI(t, "replay", "-live", "-rate", "100", "-to", fmt.Sprintf("127.0.0.1:%d", s.udpPort), mtk); code != 0 {
			t.Fatalf("replay -live: %s", out)
		}
		mtkTPV := gpsdTPVs(t, mtk+".chk")
		last := mtkTPV[len(mtkTPV)-1]
		deadline := time.Now().Add(10 * time.Second)
		for {
			u, ok := getUnits(t, s.httpPort)["127.0.0.1"]
			if ok && u.Position != nil && math.Abs(u.Position.Lat-last.lat) < goldenTol && math.Abs(u.Position.Lon-last.lon) < goldenTol &&
				time.Since(u.Position.FixTime) < time.Minute {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after replay -live the unit is %+v, want the capture's last fix %.6f,%.6f now", u.Position, last.lat, last.lon)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	stopClean(t, p, 20*time.Second)
	out := exportAll(t, s.config)
	points := parsePoints(t, out)

	leg := map[string]string{"gpsd": nmeaSrc, "nmea/ip-modems.txt": nmeaSrc, "misc/kenwood-pknds.txt": nmeaSrc,
		"taip/traccar-tests.txt": taipSrc, "lrrp": "lrrp"}
	by := map[string][3]int{}
	for _, r := range refs {
		c := by[r.set]
		c[1]++
		switch how := findPoint(points, leg[r.set], r); how {
		case "":
			t.Errorf("%s over %s: %s (%.7f,%.7f) is not in history", r.set, leg[r.set], r.what, r.lat, r.lon)
		case "same fix":
			c[2]++
			fallthrough
		default:
			c[0]++
		}
		by[r.set] = c
	}
	for k, v := range by {
		t.Logf("%-6s %-24s %d/%d reference positions in history (%d as the same fix in another format)",
			map[bool]string{false: "UDP", true: "serial"}[serial], k, v[0], v[1], v[2])
	}

	// Live state is the newest fix that went live: history points not
	// tagged late are exactly the live moves.
	for id, u := range units {
		if u.Position == nil {
			continue
		}
		var newest *point
		for i := range points {
			pt := &points[i]
			if pt.tags["unit"] == id && pt.tags["late"] == "" && pt.time <= u.Position.FixTime.UnixNano() && (newest == nil || pt.time > newest.time) {
				newest = pt
			}
		}
		if newest == nil {
			t.Errorf("unit %s has a live position but no live point in history", id)
			continue
		}
		if newest.time != u.Position.FixTime.UnixNano() || math.Abs(newest.lat-u.Position.Lat) > goldenTol {
			t.Errorf("unit %s live at %v %.6f, newest live fix in history %v %.6f", id, u.Position.FixTime,
				u.Position.Lat, time.Unix(0, newest.time).UTC(), newest.lat)
		}
		for i := range points {
			if pt := &points[i]; pt.tags["unit"] == id && pt.tags["late"] == "" && pt.time > u.Position.FixTime.UnixNano() {
				t.Errorf("unit %s: a newer live fix %v than its live position %v", id, time.Unix(0, pt.time).UTC(), u.Position.FixTime)
			}
		}
	}
	// Captures years old are history: they never reached the wall.
	for _, pt := range points {
		if pt.time < time.Now().Add(-48*time.Hour).UnixNano() && pt.tags["late"] != "true" {
			t.Errorf("a fix from %v moved its unit: %v", time.Unix(0, pt.time).UTC(), pt.tags)
		}
	}
}

// findPoint says how a reference position is in history: "exact" within
// 1e-6°, or "same fix" when the device reported the same fix (same time) in
// a coarser format first (TAIP PV, CP and LN of one second): history keeps
// one point per unit and time, and the two agree to the coarser format's
// 1e-4°. "" when it is not there.
func findPoint(points []point, source string, r refPos) string {
	for _, p := range points {
		if p.tags["source"] == source && math.Abs(p.lat-r.lat) <= goldenTol && math.Abs(p.lon-r.lon) <= goldenTol {
			return "exact"
		}
	}
	if r.id == "" {
		return ""
	}
	for _, p := range points {
		at := time.Unix(0, p.time).UTC()
		sameTime := p.time == r.time.UnixNano() || r.time.IsZero() && at.Sub(at.Truncate(24*time.Hour)) == r.tod
		if p.tags["source"] == source && p.tags["unit"] == r.id && sameTime &&
			math.Abs(p.lat-r.lat) <= 1e-4 && math.Abs(p.lon-r.lon) <= 1e-4 {
			return "same fix"
		}
	}
	return ""
}

func filterSet(refs []refPos, sets ...string) []refPos {
	var out []refPos
	for _, r := range refs {
		for _, s := range sets {
			if r.set == s {
				out = append(out, r)
			}
		}
	}
	return out
}

func goldenPTY(t *testing.T, name string) (*os.File, string) {
	t.Helper()
	m, s, err := pty.Open()
	if err != nil {
		t.Fatalf("open pty: %v", err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	link := filepath.Join(t.TempDir(), name)
	if err := os.Symlink(s.Name(), link); err != nil {
		t.Fatal(err)
	}
	return m, link
}

func freeUDP(t *testing.T) int {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// captureLines reads a capture's frames ('#' lines are comments).
func captureLines(t *testing.T, path string, keepComments bool) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimRight(l, "\r")
		if l == "" || (!keepComments && l[0] == '#') {
			continue
		}
		out = append(out, l)
	}
	return out
}

// sendFrom sends each line as a datagram from a loopback address of its own,
// as a modem in the field has one, a little apart.
func sendFrom(t *testing.T, from string, port int, lines []string) int {
	t.Helper()
	c, err := net.DialUDP("udp", &net.UDPAddr{IP: net.ParseIP(from)}, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		t.Fatalf("udp from %s: %v", from, err)
	}
	defer c.Close()
	for _, l := range lines {
		if _, err := c.Write([]byte(l)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	return len(lines)
}

func writeSerial(t *testing.T, master *os.File, lines []string) int {
	t.Helper()
	for _, l := range lines {
		if _, err := master.Write([]byte(l + "\r\n")); err != nil {
			t.Fatal(err)
		}
	}
	return len(lines)
}

// gpsdTPVs are the positions gpsd reported for a log: every TPV with lat/lon.
func gpsdTPVs(t *testing.T, chk string) []refPos {
	t.Helper()
	var out []refPos
	for i, l := range captureLines(t, chk, false) {
		if !strings.HasPrefix(l, "{") {
			continue
		}
		var v struct {
			Class    string
			Lat, Lon *float64
		}
		if json.Unmarshal([]byte(l), &v) != nil || v.Class != "TPV" || v.Lat == nil || v.Lon == nil {
			continue
		}
		out = append(out, refPos{set: "gpsd", what: fmt.Sprintf("%s TPV line %d", filepath.Base(chk), i+1), lat: *v.Lat, lon: *v.Lon})
	}
	return out
}

// decodedRefs are the valid positions a decoder reads from one frame.
func decodedRefs(t *testing.T, codecName, set, line string) []refPos {
	t.Helper()
	var dec decode.Decoder
	opts := decode.Options{Lenient: true} // the default of every source
	if codecName == "nmea" {
		dec, _ = nmea.New(opts)
	} else {
		dec, _ = taip.New(opts)
	}
	obs, _ := dec.Decode(frame.Frame{Source: "ref", Peer: "192.0.2.1:1", Received: time.Now(), Data: []byte(line)})
	var out []refPos
	for _, f := range obs.Fixes {
		if !f.Valid || math.IsNaN(f.Lat) || math.IsNaN(f.Lon) || f.Time.Year() < 2000 || (f.Lat == 0 && f.Lon == 0) {
			continue // the device said it has no fix, or it is beyond the horizon: rejected by design
		}
		r := refPos{set: set, what: line, lat: f.Lat, lon: f.Lon, id: f.DeviceID}
		if f.NoDate {
			r.tod = f.Time.Sub(f.Time.Truncate(24 * time.Hour))
		} else {
			r.time = f.Time
		}
		out = append(out, r)
	}
	return out
}

var lrrpLatLon = regexp.MustCompile(`lat=(-?[\d.]+) lon=(-?[\d.]+)`)

// lrrpSamples are the LRRP documents and the positions annotated beside them.
func lrrpSamples(t *testing.T) ([]refPos, [][]byte) {
	t.Helper()
	var refs []refPos
	var frames [][]byte
	for _, l := range captureLines(t, filepath.Join(captures, "lrrp/samples.tsv"), false) {
		cols := strings.Split(l, "\t")
		b, err := hex.DecodeString(cols[0])
		if err != nil || len(cols) < 4 {
			continue // the header
		}
		frames = append(frames, b)
		if m := lrrpLatLon.FindStringSubmatch(cols[3]); m != nil && strings.Contains(cols[3], "Report") {
			lat, _ := strconv.ParseFloat(m[1], 64)
			lon, _ := strconv.ParseFloat(m[2], 64)
			refs = append(refs, refPos{set: "lrrp", what: cols[0], lat: lat, lon: lon})
		}
	}
	return refs, frames
}

// waitFrames waits until every source has read what was sent to it.
func waitFrames(t *testing.T, httpPort int, want map[string]int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		m := scrape(t, httpPort)
		done := true
		for src, n := range want {
			if m.get("radiogw_frames_total", fmt.Sprintf(`source=%q`, src)) < float64(n) {
				done = false
			}
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("frames read %s, want %v", m.nonZero("radiogw_frames_total"), want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func getUnits(t *testing.T, httpPort int) map[string]unitState {
	t.Helper()
	body := httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/api/v1/units", httpPort))
	var list []unitState
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatalf("units: %v: %s", err, body)
	}
	out := map[string]unitState{}
	for _, u := range list {
		out[u.Unit] = u
	}
	return out
}

// parsePoints reads the unit_position lines of an export.
func parsePoints(t *testing.T, out string) []point {
	t.Helper()
	var pts []point
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if !strings.HasPrefix(l, "unit_position,") {
			continue
		}
		parts := splitUnescaped(l, ' ')
		if len(parts) != 3 {
			t.Fatalf("unparsable point %q", l)
		}
		p := point{tags: map[string]string{}, lat: math.NaN(), lon: math.NaN()}
		for _, kv := range splitUnescaped(parts[0], ',')[1:] {
			k, v, _ := strings.Cut(kv, "=")
			p.tags[k] = strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(v, `\ `, " "), `\,`, ","), `\=`, "=")
		}
		for _, kv := range splitUnescaped(parts[1], ',') {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "lat":
				p.lat, _ = strconv.ParseFloat(v, 64)
			case "lon":
				p.lon, _ = strconv.ParseFloat(v, 64)
			}
		}
		p.time, _ = strconv.ParseInt(parts[2], 10, 64)
		pts = append(pts, p)
	}
	return pts
}

// splitUnescaped splits line protocol at sep outside backslash escapes and
// double-quoted strings.
func splitUnescaped(s string, sep byte) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case c == sep && !quoted:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
