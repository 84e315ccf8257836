package nmea

import (
	"bufio"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"radiogw/avl"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

// fastVariants are the ways a real line reaches the decoder: as captured,
// with a line ending and padding, and behind each modem ID prefix form.
func fastVariants(line string) []string {
	return []string{
		line,
		line + "\r\n",
		" \t" + line + " \r",
		"B000123," + line,
		"660420156A0066AA" + line,
		"4711/022789000688081/" + line,
		"bad id!" + line,
	}
}

// realLines returns every line of every capture under testdata/captures
// directory; lines that are not NMEA are kept, the fast path must decline them.
func realLines(t testing.TB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(dataDir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		fh, err := os.Open(path)
		if err != nil {
			return err
		}
		defer fh.Close()
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
		for sc.Scan() {
			out[path] = append(out[path], sc.Text())
		}
		return sc.Err()
	})
	if err != nil || len(out) == 0 {
		t.Fatalf("no captures under %s: %v", dataDir, err)
	}
	return out
}

// checkFastAgrees decodes line both ways and fails if the fast path gave an
// answer that differs from go-nmea's. It reports whether the fast path answered.
func checkFastAgrees(t testing.TB, line string, strict bool) bool {
	t.Helper()
	d := &decoder{strict: strict, parser: newSentenceParser(strict)}
	f := frame.Frame{Source: "s", Peer: "10.0.0.7:5000", Received: received, Data: []byte(line)}
	fast, ok := d.decodeFast(f)
	if !ok {
		return false
	}
	ref, err := d.decodeGoNMEA(f)
	if err != nil {
		t.Fatalf("%q strict=%v: fast path decoded %+v, go-nmea says %v", line, strict, fast.Fixes, err)
	}
	if !sameObservations(fast, ref) {
		t.Fatalf("%q strict=%v:\nfast    %+v\ngo-nmea %+v", line, strict, fast, ref)
	}
	return true
}

func sameObservations(a, b decode.Observations) bool {
	if len(a.Fixes) != len(b.Fixes) || len(a.Events)+len(b.Events)+len(a.Identities)+len(b.Identities)+len(a.Replies)+len(b.Replies) != 0 {
		return false
	}
	for i := range a.Fixes {
		if !sameFix(a.Fixes[i], b.Fixes[i]) {
			return false
		}
	}
	return true
}

// sameFix compares every field, floats to the bit (NaN equals NaN, -0 does
// not equal 0) and times including their location.
func sameFix(a, b avl.Fix) bool {
	bits := func(x float64) uint64 { return math.Float64bits(x) }
	return a.Source == b.Source && a.Peer == b.Peer && a.DeviceID == b.DeviceID && a.IDKind == b.IDKind &&
		a.Time == b.Time && a.Received == b.Received && a.Valid == b.Valid &&
		bits(a.Lat) == bits(b.Lat) && bits(a.Lon) == bits(b.Lon) &&
		bits(a.SpeedKmh) == bits(b.SpeedKmh) && bits(a.Heading) == bits(b.Heading) &&
		bits(a.HDOP) == bits(b.HDOP) && bits(a.AltitudeM) == bits(b.AltitudeM) && bits(a.AccuracyM) == bits(b.AccuracyM)
}

// TestFastPathAgreesOnRealCaptures runs every line of every capture, in
// every framing variant, strict and not, through both paths. It also
// requires the fast path to take every RMC and GGA that go-nmea decodes to
// a fix, so a fast path that silently declines everything fails too.
func TestFastPathAgreesOnRealCaptures(t *testing.T) {
	d := &decoder{parser: newSentenceParser(false)}
	for path, lines := range realLines(t) {
		taken, positions := 0, 0
		for _, line := range lines {
			for _, v := range fastVariants(line) {
				for _, strict := range []bool{false, true} {
					if checkFastAgrees(t, v, strict) {
						taken++
					}
				}
			}
			if !fastType(line) {
				continue
			}
			obs, err := d.decodeGoNMEA(frame.Frame{Received: received, Data: []byte(line)})
			if err != nil || len(obs.Fixes) != 1 {
				continue
			}
			positions++
			if _, ok := d.decodeFast(frame.Frame{Received: received, Data: []byte(line)}); !ok {
				t.Errorf("%s: fast path declined a sentence go-nmea decodes: %q", filepath.Base(path), line)
			}
		}
		t.Logf("%s: %d lines, %d RMC/GGA fixes, fast path answered %d decodes", filepath.Base(path), len(lines), positions, taken)
	}
}

// fastType reports RMC and GGA sentences from GNSS talkers, with or
// without a modem ID prefix.
func fastType(line string) bool {
	i := strings.IndexByte(line, '$')
	if i < 0 || len(line) < i+6 || !gnssTalker(line[i+1:i+3]) {
		return false
	}
	return line[i+3:i+6] == "RMC" || line[i+3:i+6] == "GGA"
}

// TestFastPathAgreesOnTestInputs covers the hand-written cases of the other
// tests (including the ones go-nmea rejects) and edge forms of each field.
func TestFastPathAgreesOnTestInputs(t *testing.T) {
	var lines []string
	for line := range ipModems {
		lines = append(lines, line)
	}
	for line := range kenwoodLines {
		lines = append(lines, line)
	}
	for _, body := range fastEdgeBodies {
		lines = append(lines, sentence(body), "$"+body, sentence(body)+" trailing", strings.Replace(sentence(body), "*", " * ", 1))
	}
	lines = append(lines, benchRMC, benchGGA, "$GPRMC*00", "$", "$GPGGA", "$GPRMC,")
	taken := 0
	for _, line := range lines {
		for _, v := range fastVariants(line) {
			for _, strict := range []bool{false, true} {
				if checkFastAgrees(t, v, strict) {
					taken++
				}
			}
		}
	}
	if taken == 0 {
		t.Fatal("the fast path answered none of the test inputs")
	}
}

// fastEdgeBodies are RMC and GGA bodies with each field at an edge the fast
// path must either read exactly like go-nmea or decline.
var fastEdgeBodies = []string{
	"GPRMC,225446.25,A,4916.45,N,12311.12,W,000.5,054.7,191194,020.3,E",
	"GPRMC,225446,A,4916.45,N,12311.12,W,,,191126,,",
	"GPRMC,120000,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W,N",
	"GNRMC,120000,A,4807.038,N,01131.000,E,,,230394,,,A,V",
	"GPRMC,001902.00,V,,,,,,,020211,,,N",
	"GPRMC,001902.00,A,,,,,,,020211,,,A",
	"GPRMC,250000,A,4807.038,N,01131.000,E,0,0,230394,,",
	"GPRMC,120000,A,4807.038,N,01131.000,E,0,0,321394,,",
	"GPRMC,120000,A,4807.038,E,01131.000,N,0,0,230394,,",
	"GPRMC,120000,A,abc,N,01131.000,E,0,0,230394,,",
	"GPRMC,120000,A,9100.000,N,01131.000,E,0,0,230394,,",
	"GPRMC,120000,A,-0,N,-0.0,E,-0,+0,230394,,",
	"GPRMC,120000,A,+4807.038,N,.5,E,5.,1e3,230394,,",
	"GPRMC,120000,A,4807.0381234567891,N,01131.000,E,0,0,230394,,",
	"GPRMC,120000,A,4807.038,N,01131.000,E,0,0,2303-4,,",
	"GPRMC,120000,A,4807.038,N,01131.000,E,0,0,23039,,",
	"GPRMC,120000,X,4807.038,N,01131.000,E,0,0,230394,,",
	"GPRMC,120000,A,4807.038,N,01131.000,E,0,0,230394,1.5,X",
	"GPRMC,12000,A,4807.038,N,01131.000,E,0,0,230394,,",
	"GPRMC,120000.,A,4807.038,N,01131.000,E,0,0,230394,,",
	"GPRMC,120000.123456,A,4807.038,N,01131.000,E,0,0,230394,,",
	"GPRMC,120000,A,4807.038,N,01131.000,E,0,0,230394,",
	"GPRMC,,A,4807.038,N,01131.000,E,0,0,,,",
	"GPRMC,120000,A,4807.038,,01131.000,E,0,0,230394,,",
	"GPRMC,120000,A,,N,01131.000,E,0,0,230394,,",
	"IIRMC,120000,A,4807.038,N,01131.000,E,0,0,230394,,",
	"GPGGA,120000,4807.038,N,01131.000,E,0,00,99.9,,,,,,",
	"GPGGA,120000,4807.038,N,01131.000,E,2,08,0.9,545.4,M,46.9,M,,",
	"GPGGA,120000,4807.038,N,01131.000,E,6,00,,,,,,,",
	"GPGGA,120000,4807.038,N,01131.000,E,8,00,,,,,,,",
	"GPGGA,120000,4807.038,N,01131.000,E,9,00,,,,,,,",
	"GPGGA,120000,4807.038,N,01131.000,E,1,-1,,,,,,,",
	"GPGGA,120000,4807.038,N,01131.000,E,1,08,0.9,-46.0,M,0.0,M,0.0,0000",
	"GPGGA,120000,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,,extra",
	"GPGGA,120000,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,",
	"GPGGA,001901.00,,,,,0,00,99.99,,,,,,",
	"GPGGA,235959,4807.038,S,01131.000,W,1,08,0.9,545.4,M,46.9,M,,",
}

func FuzzFastPath(f *testing.F) {
	for _, lines := range realLines(f) {
		for _, line := range lines {
			if fastType(line) {
				f.Add(line, false)
				f.Add("B000123,"+line, true)
			}
		}
	}
	for _, body := range fastEdgeBodies {
		f.Add(sentence(body), false)
	}
	f.Fuzz(func(t *testing.T, line string, strict bool) {
		checkFastAgrees(t, line, strict)
	})
}
