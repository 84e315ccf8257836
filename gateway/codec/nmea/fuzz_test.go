package nmea

import (
	"bufio"
	"os"
	"path/filepath"
	"testing"

	"radiogw/avl"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

// FuzzDecode checks that no input panics and that every answer keeps the
// decoder's contract: a known reason on error, frame metadata on every fix,
// and a valid fix always on the globe.
func FuzzDecode(f *testing.F) {
	for _, pattern := range []string{"nmea/gpsd/*.log", "nmea/ip-modems.txt", "misc/kenwood-pknds.txt"} {
		files, _ := filepath.Glob(filepath.Join(dataDir, pattern))
		for _, file := range files {
			fh, err := os.Open(file)
			if err != nil {
				f.Fatal(err)
			}
			sc := bufio.NewScanner(fh)
			for sc.Scan() {
				f.Add(sc.Text(), false)
			}
			fh.Close()
		}
	}
	f.Add(sentence("PKLDS,220516,A,5133.82,N,00042.24,W,173.8,231.8,130694,004.2,W00,100,2000,25,00"), true)
	f.Add(sentence("GNGNS,014035.00,4332.69262,S,17235.48549,E,RR,13,0.9,25.63,11.24,,"), true)

	reasons := map[string]bool{"checksum": true, "syntax": true, "unsupported": true, "invalid": true, "ignored": true}
	f.Fuzz(func(t *testing.T, line string, strict bool) {
		d, _ := New(decode.Options{Strict: strict})
		fr := frame.Frame{Source: "fuzz", Peer: "peer", Received: received, Data: []byte(line)}
		obs, err := d.Decode(fr)
		if err != nil {
			if !reasons[decode.Reason(err)] {
				t.Fatalf("%q: untyped error %v", line, err)
			}
			if !obs.Empty() {
				t.Fatalf("%q: observations with an error: %+v", line, obs)
			}
			return
		}
		for _, fx := range obs.Fixes {
			if fx.Source != "fuzz" || fx.Peer != "peer" || !fx.Received.Equal(received) {
				t.Fatalf("%q: metadata lost: %+v", line, fx)
			}
			if fx.Valid && (!avl.Known(fx.Lat) || !avl.Known(fx.Lon) || fx.Lat < -90 || fx.Lat > 90 || fx.Lon < -180 || fx.Lon > 180) {
				t.Fatalf("%q: valid fix off the globe: %+v", line, fx)
			}
		}
		for _, id := range obs.Identities {
			if id.DeviceID == "" || id.Peer != "peer" {
				t.Fatalf("%q: bad identity %+v", line, id)
			}
		}
	})
}
