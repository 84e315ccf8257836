package codectest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"radiogw/avl"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

func TestSplitFramings(t *testing.T) {
	for _, c := range []struct {
		framing, input string
		want           []string // frame data (peer after a tab for mqtt and http)
		discarded      map[string]int
	}{
		{"line", "a\r\nb\n\nc", []string{"a", "b"}, map[string]int{"truncated": 1}},
		{"taip", "x>RPV1<>RPV2\r\n>RP", []string{"RPV1", "RPV2"}, map[string]int{"garbage": 1, "truncated": 1}},
		{Datagram, "$GPRMC\r\n$GPGGA\r\n", []string{"$GPRMC\r\n$GPGGA\r\n"}, nil},
		{HexDatagrams, "# comment\n0a0b\n\n0c\n", []string{"\x0a\x0b", "\x0c"}, nil},
		{MQTT, "a/b {\"x\":1}\nc/d {}\n", []string{"{\"x\":1}\ta/b", "{}\tc/d"}, nil},
		{HTTP, "GET /?id=1&token=s&lat=2 HTTP/1.1\r\nHost: h\r\n\r\n" +
			"POST /?token=s HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}" +
			"POST / HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 4\r\n\r\nid=2",
			[]string{"id=1&lat=2\t10.20.30.40", "{}\t10.20.30.40", "id=2\t10.20.30.40"}, nil},
	} {
		frames, disc, err := Split(c.framing, []byte(c.input), Peer, 64)
		if err != nil {
			t.Errorf("%s: %v", c.framing, err)
			continue
		}
		var got []string
		for _, f := range frames {
			s := string(f.Data)
			if c.framing == MQTT || c.framing == HTTP {
				s += "\t" + f.Peer
			}
			got = append(got, s)
		}
		if strings.Join(got, "|") != strings.Join(c.want, "|") || len(disc) != len(c.discarded) {
			t.Errorf("%s: frames %q discarded %v, want %q %v", c.framing, got, disc, c.want, c.discarded)
		}
		for k, v := range c.discarded {
			if disc[k] != v {
				t.Errorf("%s: discarded %v, want %v", c.framing, disc, c.discarded)
			}
		}
	}
}

// echo decodes "lat,lon" into a fix and anything else into an error.
type echo struct{}

func (echo) Decode(f frame.Frame) (decode.Observations, error) {
	if string(f.Data) == "bad" {
		return decode.Observations{}, decode.Errorf("syntax", "bad frame")
	}
	return decode.Observations{Fixes: []avl.Fix{{Peer: f.Peer, DeviceID: "7", Time: f.Received, Lat: 1.5, Lon: avl.Unknown,
		Valid: true, SpeedKmh: avl.Unknown, Heading: 90, HDOP: avl.Unknown, AltitudeM: avl.Unknown, AccuracyM: avl.Unknown}},
		Replies: []decode.Reply{{Peer: f.Peer, Data: []byte{1, 2}, Kind: "ack"}}}, nil
}

func TestDecodeReading(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "case")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "input"), []byte("ok\nbad\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "case.json"), []byte(`{"peer":"10.1.1.1:9","checksum":"strict"}`), 0o644)
	c, err := LoadCase(dir)
	if err != nil {
		t.Fatal(err)
	}
	var opts decode.Options
	cfg := Config{Source: "s", Framing: "line", New: func(o decode.Options) (decode.Decoder, error) { opts = o; return echo{}, nil }}
	g, err := Decode(cfg, c)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Lenient || opts.Source != "s" {
		t.Errorf("options %+v: checksum strict must clear Lenient", opts)
	}
	out, _ := Marshal(g)
	var back struct {
		Frames []map[string]any `json:"frames"`
	}
	json.Unmarshal(out, &back)
	if len(back.Frames) != 2 || back.Frames[1]["error"] != "syntax" || back.Frames[0]["fixes"] == nil ||
		!strings.Contains(string(out), `"lon": null`) || !strings.Contains(string(out), `"hex": "0102"`) ||
		!strings.Contains(string(out), `"peer": "10.1.1.1:9"`) {
		t.Errorf("reading:\n%s", out)
	}
	os.WriteFile(filepath.Join(dir, "case.json"), []byte(`{"pear":"x"}`), 0o644)
	if _, err := LoadCase(dir); err == nil {
		t.Error("a misspelt case.json field is accepted")
	}
}
