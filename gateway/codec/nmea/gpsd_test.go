package nmea

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"radiogw/avl"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

const dataDir = "../../../testdata/captures"

// tpv is the part of gpsd's TPV report the decoder must agree with.
type tpv struct {
	Class string   `json:"class"`
	Mode  int      `json:"mode"` // 1: no fix
	Lat   *float64 `json:"lat"`
	Lon   *float64 `json:"lon"`
	Speed *float64 `json:"speed"` // m/s
	Track *float64 `json:"track"`
}

// TestGpsdLogs walks gpsd's expected output: every RMC/GGA/GNS/GLL sentence
// immediately followed by a TPV with a position must decode to a valid fix at
// that position (to 1e-6 degrees), with RMC speed and course matching too;
// one followed by a no-fix TPV (mode 1) must decode to an invalid fix.
// Dates in the .chk files are shifted by gpsd and are not compared.
func TestGpsdLogs(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(dataDir, "nmea/gpsd/*.log.chk"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no gpsd captures found under %s: %v", dataDir, err)
	}
	d, _ := New(decode.Options{Source: "gps"})
	received := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			fh, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			sc := bufio.NewScanner(fh)
			sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
			prev, checked := "", 0
			for n := 1; sc.Scan(); n++ {
				line := sc.Text()
				if strings.HasPrefix(line, "{") && positionSentence(prev) {
					var want tpv
					if err := json.Unmarshal([]byte(line), &want); err != nil {
						t.Fatalf("line %d: %v", n, err)
					}
					switch {
					case want.Class != "TPV":
					case want.Lat != nil && want.Lon != nil:
						checkTPV(t, d, n-1, prev, want, received)
						checked++
					case want.Mode == 1:
						checkNoFix(t, d, n-1, prev, received)
						checked++
					}
				}
				prev = line
			}
			if checked == 0 {
				t.Fatalf("no sentence/TPV pairs checked in %s", file)
			}
			t.Logf("%d sentences checked against gpsd", checked)
		})
	}
}

func positionSentence(s string) bool {
	if len(s) < 7 || s[0] != '$' {
		return false
	}
	switch s[3:6] {
	case "RMC", "GGA", "GNS", "GLL":
		return true
	}
	return false
}

func checkTPV(t *testing.T, d decode.Decoder, n int, sentence string, want tpv, received time.Time) {
	t.Helper()
	obs, err := d.Decode(frame.Frame{Source: "gps", Received: received, Data: []byte(sentence + "\r\n")})
	if err != nil {
		t.Errorf("line %d %q: %v", n, sentence, err)
		return
	}
	if len(obs.Fixes) != 1 {
		t.Errorf("line %d %q: %d fixes, want 1", n, sentence, len(obs.Fixes))
		return
	}
	fx := obs.Fixes[0]
	if !fx.Valid {
		t.Errorf("line %d %q: fix not valid, gpsd reported a position", n, sentence)
	}
	if math.Abs(fx.Lat-*want.Lat) > 1e-6 || math.Abs(fx.Lon-*want.Lon) > 1e-6 {
		t.Errorf("line %d %q: got %.9f,%.9f want %.9f,%.9f", n, sentence, fx.Lat, fx.Lon, *want.Lat, *want.Lon)
	}
	if sentence[3:6] != "RMC" {
		return
	}
	if want.Speed != nil {
		if !avl.Known(fx.SpeedKmh) || math.Abs(fx.SpeedKmh/3.6-*want.Speed) > 0.001 {
			t.Errorf("line %d %q: speed %.4f km/h, gpsd %.4f m/s", n, sentence, fx.SpeedKmh, *want.Speed)
		}
	}
	if want.Track != nil {
		if !avl.Known(fx.Heading) || math.Abs(fx.Heading-*want.Track) > 1e-3 {
			t.Errorf("line %d %q: heading %v, gpsd track %v", n, sentence, fx.Heading, *want.Track)
		}
	}
}

func checkNoFix(t *testing.T, d decode.Decoder, n int, sentence string, received time.Time) {
	t.Helper()
	obs, err := d.Decode(frame.Frame{Source: "gps", Received: received, Data: []byte(sentence)})
	if err != nil {
		t.Errorf("line %d %q: %v", n, sentence, err)
		return
	}
	if len(obs.Fixes) != 1 || obs.Fixes[0].Valid {
		t.Errorf("line %d %q: got %+v, want one invalid fix (gpsd: no fix)", n, sentence, obs.Fixes)
	}
}
