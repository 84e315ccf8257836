package taip

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
// and coordinates always on the globe.
func FuzzDecode(f *testing.F) {
	fh, err := os.Open(filepath.Join(dataDir, "taip/traccar-tests.txt"))
	if err != nil {
		f.Fatal(err)
	}
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		f.Add(sc.Text(), false)
	}
	fh.Close()
	f.Add(withSum("RLN43200250+337885218-0857685155+00075394"+"0000"+"+0000"+"0000"+"00"+"0000000000"+"12"), true)

	reasons := map[string]bool{"checksum": true, "syntax": true, "unsupported": true, "invalid": true, "ignored": true}
	f.Fuzz(func(t *testing.T, line string, strict bool) {
		d, _ := New(decode.Options{Strict: strict})
		obs, err := d.Decode(frame.Frame{Source: "fuzz", Peer: "peer", Received: received, Data: []byte(line)})
		if err != nil {
			if !reasons[decode.Reason(err)] || !obs.Empty() {
				t.Fatalf("%q: %v (reason %q), obs %+v", line, err, decode.Reason(err), obs)
			}
			return
		}
		for _, fx := range obs.Fixes {
			if fx.Source != "fuzz" || fx.Peer != "peer" || !fx.Received.Equal(received) || fx.Time.IsZero() {
				t.Fatalf("%q: metadata lost: %+v", line, fx)
			}
			if !avl.Known(fx.Lat) || !avl.Known(fx.Lon) || fx.Lat < -90 || fx.Lat > 90 || fx.Lon < -180 || fx.Lon > 180 {
				t.Fatalf("%q: fix off the globe: %+v", line, fx)
			}
		}
		for _, id := range obs.Identities {
			if id.DeviceID == "" || id.Peer != "peer" {
				t.Fatalf("%q: bad identity %+v", line, id)
			}
		}
	})
}
