// Package codectest runs a codec's golden cases: every
// testdata/<case>/input is cut into frames the way the codec's source would
// cut it off the wire, decoded by one fresh decoder in order, and the
// observations (fixes, events, identities, times, replies, errors) are
// compared with testdata/<case>/expected.json. `go test -update` rewrites the
// expected files from the decoder; review the diff before committing.
//
// A case folder holds:
//
//	input          the bytes as they arrive (see Framing for each layout)
//	expected.json  what the decoder makes of them; its "source" field names
//	               the capture (file and line) or encoder the input comes
//	               from and is kept by -update; a case without one fails
//	case.json      optional: a different framing, peer, receive time or
//	               codec options for this case (see Case)
package codectest

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"radiogw/avl"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
	"radiogw/gateway/source"
)

var update = flag.Bool("update", false, "rewrite testdata/*/expected.json from the decoder")

// Framings of a case's input beyond the source package's stream framings
// (source.FramingLine, FramingSTXETX, FramingTAIP, FramingLength: the input
// is the raw byte stream, cut by the source's own splitter).
const (
	// Datagram: the whole input is one datagram (a text protocol over UDP).
	Datagram = source.FramingDatagram
	// HexDatagrams: one datagram per line, in hex (binary protocols over
	// UDP); blank lines and lines starting with '#' are skipped.
	HexDatagrams = "hex_datagrams"
	// HTTP: one or more raw HTTP/1.1 requests, one frame each, made by the
	// http source's own mapping (source.HTTPReport): the URL parameters and
	// a form body as one URL-encoded string without the token, or a JSON
	// body as it is.
	HTTP = "http"
	// MQTT: one message per line, "<topic> <payload>"; the topic becomes the
	// frame's Peer, as an mqtt source gives it.
	MQTT = "mqtt"
)

// Updating reports whether the test run rewrites golden files (-update), for
// a codec's own generated inputs.
func Updating() bool { return *update }

// Peer is the frame Peer of a case that names none (an IP source's sender).
const Peer = "10.20.30.40:20500"

// Received is when every golden frame was read, unless case.json says.
var Received = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// Config describes one codec's golden cases.
type Config struct {
	New     decode.Factory
	Source  string // decode.Options.Source and frame.Source
	Framing string // the default framing (see above); required
	Peer    string // default frame Peer; "" uses Peer (serial sources: set NoPeer)
	NoPeer  bool   // frames carry no Peer (a serial port)
	// DecodeOptions is the codec's options-block decoder (its catalog
	// entry's); every case's settings come from it, as at run time.
	DecodeOptions func(hcl.Body) (any, hcl.Diagnostics)
	// Options adjusts the decoder options of a case from its case.json
	// (codec settings, profiles); nil keeps the generic ones.
	Options func(c Case, o *decode.Options) error
	// Reports: a datagram may carry several text reports, and the runtime
	// decodes each as a frame of its own, cut by the codec's catalog
	// split (decode.SplitLines, taip.SplitDatagram).
	Reports func([]byte) [][]byte
	// Sources is decode.Options.SourceFor of every case that names none.
	Sources map[string]string
	// Detail, if set, adds a codec-specific reading of each frame (a parsed
	// message) to expected.json under "detail".
	Detail func(data []byte) any
	// MinCases fails the run with fewer cases (default 1).
	MinCases int
}

// Case is a case folder and its optional case.json.
type Case struct {
	Dir  string `json:"-"`
	Name string `json:"-"`

	Framing  string     `json:"framing,omitempty"`
	Peer     *string    `json:"peer,omitempty"`
	Received *time.Time `json:"received,omitempty"`
	Channel  string     `json:"channel,omitempty"`
	// Checksum is the source's checksum setting: "lenient" (the default,
	// as at run time) or "strict".
	Checksum string `json:"checksum,omitempty"`
	Profile  string `json:"profile,omitempty"` // for Config.Options
	// Options is the HCL body of the source's options block, for
	// Config.DecodeOptions ("ack = false").
	Options  string `json:"options,omitempty"`
	MaxFrame int    `json:"max_frame,omitempty"`
	// Sources names the running source of each other codec a reply may go
	// through (decode.Options.SourceFor): {"lrrp": "lrrp"}; nil keeps
	// Config.Sources, {} is none.
	Sources map[string]string `json:"sources,omitempty"`
}

// Golden is expected.json.
type Golden struct {
	Source    string         `json:"source"`
	Frames    []Frame        `json:"frames"`
	Discarded map[string]int `json:"discarded,omitempty"` // what the framing dropped, by reason
}

// Frame is one frame's input and what the decoder made of it.
type Frame struct {
	Peer       string       `json:"peer,omitempty"`
	Input      string       `json:"input,omitempty"`
	InputHex   string       `json:"input_hex,omitempty"`
	Detail     any          `json:"detail,omitempty"`
	Fixes      []Fix        `json:"fixes,omitempty"`
	Events     []Event      `json:"events,omitempty"`
	Identities []Identity   `json:"identities,omitempty"`
	Times      []DeviceTime `json:"times,omitempty"`
	Replies    []Reply      `json:"replies,omitempty"`
	Error      string       `json:"error,omitempty"` // the metrics reason
	ErrorText  string       `json:"error_text,omitempty"`
}

// Fix is an avl.Fix; unknown values are null.
type Fix struct {
	DeviceID  string    `json:"device_id"`
	IDKind    string    `json:"id_kind"`
	Peer      string    `json:"peer,omitempty"` // only where it differs from the frame's
	Time      time.Time `json:"time"`
	NoDate    bool      `json:"no_date,omitempty"`
	Lat       *float64  `json:"lat"` // null: the sentence left it empty
	Lon       *float64  `json:"lon"`
	Valid     bool      `json:"valid"`
	SpeedKmh  *float64  `json:"speed_kmh"`
	Heading   *float64  `json:"heading"`
	HDOP      *float64  `json:"hdop"`
	AltitudeM *float64  `json:"altitude_m"`
	AccuracyM *float64  `json:"accuracy_m"`
}

// Event is a channels.Event.
type Event struct {
	Kind     string    `json:"kind"`
	Channel  string    `json:"channel,omitempty"`
	RadioID  string    `json:"radio_id,omitempty"`
	System   string    `json:"system,omitempty"`
	Status   string    `json:"status,omitempty"`
	By       string    `json:"by,omitempty"`
	Time     time.Time `json:"time"`
	Duration string    `json:"duration,omitempty"`
	// TalkgroupSystem and RadioAlias as the decoder passed them on, before
	// the runtime maps and cleans them (trunk-recorder).
	TalkgroupSystem string `json:"talkgroup_system,omitempty"`
	RadioAlias      string `json:"radio_alias,omitempty"`
}

// Identity is a decode.Identity.
type Identity struct {
	Peer     string `json:"peer"`
	DeviceID string `json:"device_id"`
	Kind     string `json:"kind"`
}

// DeviceTime is a decode.DeviceTime.
type DeviceTime struct {
	DeviceID string    `json:"device_id,omitempty"`
	Time     time.Time `json:"time"`
}

// Reply is a decode.Reply; Data in hex.
type Reply struct {
	Via  string `json:"via,omitempty"`
	Peer string `json:"peer"`
	Hex  string `json:"hex"`
	Kind string `json:"kind"`
}

// IDKind names an avl.IDKind in expected.json.
func IDKind(k avl.IDKind) string {
	switch k {
	case avl.AVLID:
		return "avl_id"
	case avl.RadioID:
		return "radio_id"
	case avl.CallSign:
		return "call_sign"
	}
	return fmt.Sprintf("kind_%d", k)
}

func known(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	v = math.Round(v*1e6) / 1e6
	return &v
}

// degrees rounds a coordinate to 1e-7° (about 1 cm); NaN is null.
func degrees(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	v = math.Round(v*1e7) / 1e7
	return &v
}

// Cases lists the case folders under dir ("testdata"), skipping Go's fuzz
// corpus folder.
func Cases(dir string) ([]string, error) {
	ins, err := filepath.Glob(filepath.Join(dir, "*", "input"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, in := range ins {
		if d := filepath.Dir(in); filepath.Base(d) != "fuzz" {
			out = append(out, d)
		}
	}
	return out, nil
}

// Run decodes every case under testdata/ and compares it with its
// expected.json (or rewrites that with -update).
func Run(t *testing.T, cfg Config) {
	t.Helper()
	dirs, err := Cases("testdata")
	if err != nil {
		t.Fatal(err)
	}
	if min := max(cfg.MinCases, 1); len(dirs) < min {
		t.Fatalf("%d golden cases under testdata/, want at least %d", len(dirs), min)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) { runCase(t, cfg, dir) })
	}
}

func runCase(t *testing.T, cfg Config, dir string) {
	c, err := LoadCase(dir)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "expected.json")
	raw, err := os.ReadFile(path)
	var want Golden
	if err == nil {
		err = json.Unmarshal(raw, &want)
	}
	if err != nil && !*update {
		t.Fatalf("%s: %v", path, err)
	}
	if strings.TrimSpace(want.Source) == "" {
		t.Fatalf("%s: no \"source\": name the capture (file and line) or the encoder the input comes from", path)
	}
	got, err := Decode(cfg, c)
	if err != nil {
		t.Fatal(err)
	}
	got.Source = want.Source
	out, err := Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(out, raw) {
		t.Errorf("%s differs from the decoder's reading (go test -update rewrites it):\n%s", path, out)
	}
}

// Marshal is expected.json's stable form.
func Marshal(g Golden) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(g); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// LoadCase reads a case folder's case.json, if any.
func LoadCase(dir string) (Case, error) {
	c := Case{Dir: dir, Name: filepath.Base(dir)}
	raw, err := os.ReadFile(filepath.Join(dir, "case.json"))
	if os.IsNotExist(err) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(&c); err != nil {
		return c, fmt.Errorf("%s/case.json: %w", dir, err)
	}
	return c, nil
}

// Decode cuts the case's input into frames and decodes them in order with
// one decoder.
func Decode(cfg Config, c Case) (Golden, error) {
	var g Golden
	if c.Checksum != "" && c.Checksum != "lenient" && c.Checksum != "strict" {
		return g, fmt.Errorf("%s: checksum %q: want lenient or strict", c.Dir, c.Checksum)
	}
	opts := decode.Options{Source: cfg.Source, Channel: c.Channel, Lenient: c.Checksum != "strict"}
	sources := cfg.Sources
	if c.Sources != nil {
		sources = c.Sources
	}
	opts.SourceFor = func(codec string) string { return sources[codec] }
	switch {
	case cfg.DecodeOptions != nil:
		var body hcl.Body
		if c.Options != "" {
			f, ds := hclsyntax.ParseConfig([]byte(c.Options), c.Dir+"/case.json options", hcl.InitialPos)
			if ds.HasErrors() {
				return g, ds
			}
			body = f.Body
		}
		s, ds := cfg.DecodeOptions(body)
		if ds.HasErrors() {
			return g, fmt.Errorf("%s: options: %w", c.Dir, ds)
		}
		opts.Settings = s
	case c.Options != "":
		return g, fmt.Errorf("%s: case.json sets options, the codec has none", c.Dir)
	}
	if cfg.Options != nil {
		if err := cfg.Options(c, &opts); err != nil {
			return g, fmt.Errorf("%s: options: %w", c.Dir, err)
		}
	} else if c.Profile != "" {
		return g, fmt.Errorf("%s: case.json sets a profile, the codec's Config.Options reads none", c.Dir)
	}
	dec, err := cfg.New(opts)
	if err != nil {
		return g, fmt.Errorf("%s: new decoder: %w", c.Dir, err)
	}
	input, err := os.ReadFile(filepath.Join(c.Dir, "input"))
	if err != nil {
		return g, err
	}
	framing := cmp.Or(c.Framing, cfg.Framing)
	peer := cmp.Or(cfg.Peer, Peer)
	if cfg.NoPeer {
		peer = ""
	}
	if c.Peer != nil {
		peer = *c.Peer
	}
	received := Received
	if c.Received != nil {
		received = c.Received.UTC()
	}
	maxFrame := c.MaxFrame
	if maxFrame == 0 {
		maxFrame = source.DefaultMaxFrame
	}
	frames, discarded, err := Split(framing, input, peer, maxFrame)
	if framing == Datagram && cfg.Reports != nil {
		var parts []frame.Frame
		for _, f := range frames {
			for _, p := range cfg.Reports(f.Data) {
				parts = append(parts, frame.Frame{Peer: f.Peer, Data: p})
			}
		}
		frames = parts
	}
	if err != nil {
		return g, fmt.Errorf("%s: %w", c.Dir, err)
	}
	if len(frames) == 0 && len(discarded) == 0 {
		return g, fmt.Errorf("%s: input holds no frame", c.Dir)
	}
	g.Discarded = discarded
	for i, f := range frames {
		f.Source, f.Seq, f.Received = cfg.Source, uint64(i+1), received
		g.Frames = append(g.Frames, reading(cfg, f, dec, framing))
	}
	return g, nil
}

func reading(cfg Config, f frame.Frame, dec decode.Decoder, framing string) Frame {
	var r Frame
	if framing == MQTT {
		r.Peer = f.Peer // the topic
	}
	if utf8.Valid(f.Data) && framing != HexDatagrams && !bytes.ContainsFunc(f.Data, func(c rune) bool { return c < 0x20 && c != '\t' && c != '\n' && c != '\r' }) {
		r.Input = string(f.Data)
	} else {
		r.InputHex = hex.EncodeToString(f.Data)
	}
	if cfg.Detail != nil {
		r.Detail = cfg.Detail(bytes.Clone(f.Data))
	}
	obs, err := dec.Decode(f)
	if err != nil {
		r.Error, r.ErrorText = decode.Reason(err), err.Error()
	}
	for _, x := range obs.Fixes {
		fx := Fix{DeviceID: x.DeviceID, IDKind: IDKind(x.IDKind), Time: x.Time.UTC(), NoDate: x.NoDate,
			Lat: degrees(x.Lat), Lon: degrees(x.Lon), Valid: x.Valid,
			SpeedKmh: known(x.SpeedKmh), Heading: known(x.Heading), HDOP: known(x.HDOP),
			AltitudeM: known(x.AltitudeM), AccuracyM: known(x.AccuracyM)}
		if x.Peer != f.Peer {
			fx.Peer = x.Peer
		}
		r.Fixes = append(r.Fixes, fx)
	}
	for _, e := range obs.Events {
		ev := Event{Kind: e.Kind.String(), Channel: e.Channel, RadioID: e.RadioID, System: e.System,
			Status: e.Status, By: e.By, Time: e.Time.UTC(), TalkgroupSystem: e.TalkgroupSystem, RadioAlias: e.RadioAlias}
		if e.Duration != 0 {
			ev.Duration = e.Duration.String()
		}
		r.Events = append(r.Events, ev)
	}
	for _, id := range obs.Identities {
		r.Identities = append(r.Identities, Identity{Peer: id.Peer, DeviceID: id.DeviceID, Kind: IDKind(id.Kind)})
	}
	for _, dt := range obs.Times {
		r.Times = append(r.Times, DeviceTime{DeviceID: dt.DeviceID, Time: dt.Time.UTC()})
	}
	for _, rp := range obs.Replies {
		r.Replies = append(r.Replies, Reply{Via: rp.Via, Peer: rp.Peer, Hex: hex.EncodeToString(rp.Data), Kind: rp.Kind})
	}
	return r
}

// Split cuts input into frames as the framing's source would, and counts
// what the framing discarded.
func Split(framing string, input []byte, peer string, maxFrame int) ([]frame.Frame, map[string]int, error) {
	var out []frame.Frame
	add := func(p string, data []byte) { out = append(out, frame.Frame{Peer: p, Data: data}) }
	switch framing {
	case Datagram:
		if len(input) > 0 {
			add(peer, input)
		}
		return out, nil, nil
	case HexDatagrams:
		for i, line := range strings.Split(string(input), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			b, err := hex.DecodeString(strings.ReplaceAll(line, " ", ""))
			if err != nil {
				return nil, nil, fmt.Errorf("input line %d: %w", i+1, err)
			}
			add(peer, b)
		}
		return out, nil, nil
	case MQTT:
		for i, line := range strings.Split(string(input), "\n") {
			line = strings.TrimSuffix(line, "\r")
			if line == "" {
				continue
			}
			topic, payload, ok := strings.Cut(line, " ")
			if !ok || topic == "" {
				return nil, nil, fmt.Errorf("input line %d: want \"<topic> <payload>\"", i+1)
			}
			add(topic, []byte(payload))
		}
		return out, nil, nil
	case HTTP:
		return splitHTTP(input, peer, maxFrame)
	}
	discarded := map[string]int{}
	split, err := source.Splitter(framing, maxFrame, func(reason string) { discarded[reason]++ })
	if err != nil {
		return nil, nil, err
	}
	// ReadFrames, as a serial or TCP source reads: the stream ends at the
	// end of the input, and a frame cut short there is counted.
	err = source.ReadFrames(bytes.NewReader(input), split, maxFrame, func(data []byte, _ time.Time) {
		add(peer, bytes.Clone(data))
	}, nil)
	if err != nil && err != io.EOF {
		return nil, nil, err
	}
	if len(discarded) == 0 {
		discarded = nil
	}
	return out, discarded, nil
}

// splitHTTP reads raw requests and makes each a frame with the http
// source's own mapping (source.HTTPReport), so the two cannot drift apart.
// A recorded request's token is not checked, only left out of the frame
// as the source leaves it out.
func splitHTTP(input []byte, peer string, maxFrame int) ([]frame.Frame, map[string]int, error) {
	host := peer
	if h, _, ok := strings.Cut(peer, ":"); ok {
		host = h
	}
	var out []frame.Frame
	discarded := map[string]int{}
	br := bufio.NewReader(bytes.NewReader(input))
	for {
		if _, err := br.Peek(1); err == io.EOF {
			break
		}
		req, err := http.ReadRequest(br)
		if err != nil {
			return nil, nil, fmt.Errorf("request %d: %w", len(out)+1, err)
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, nil, fmt.Errorf("request %d body: %w", len(out)+1, err)
		}
		data, _, discard := source.HTTPReport(req.Method, req.Header.Get("Content-Type"), req.URL.RawQuery, body, maxFrame)
		if discard != "" {
			discarded[discard]++
			continue
		}
		out = append(out, frame.Frame{Peer: host, Data: data})
	}
	if len(discarded) == 0 {
		discarded = nil
	}
	return out, discarded, nil
}

// HexLines is the HexDatagrams input of datagrams: one hex line each.
func HexLines(datagrams ...[]byte) []byte {
	var b []byte
	for _, d := range datagrams {
		b = hex.AppendEncode(b, d)
		b = append(b, '\n')
	}
	return b
}

// KeepInput keeps a case's input what a codec's encoder writes: with
// -update it writes dir/input (and an expected.json naming source, if there
// is none yet; run -update again to fill it); otherwise it fails when the
// encoder and the stored input differ.
func KeepInput(t *testing.T, dir string, input []byte, source string) {
	t.Helper()
	path := filepath.Join(dir, "input")
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, input, 0o644); err != nil {
			t.Fatal(err)
		}
		exp := filepath.Join(dir, "expected.json")
		if _, err := os.Stat(exp); err != nil {
			out, _ := Marshal(Golden{Source: source})
			if err := os.WriteFile(exp, out, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, input) {
		t.Errorf("%s is not what the encoder writes (go test -update rewrites it):\n%s", path, input)
	}
}

// Seeds returns the frames of every golden case under testdata/, cut with
// the framing given (a case.json's own framing wins), to seed a fuzz target.
func Seeds(tb testing.TB, framing string) [][]byte {
	tb.Helper()
	dirs, err := Cases("testdata")
	if err != nil {
		tb.Fatal(err)
	}
	var out [][]byte
	for _, dir := range dirs {
		c, err := LoadCase(dir)
		if err != nil {
			tb.Fatal(err)
		}
		input, err := os.ReadFile(filepath.Join(dir, "input"))
		if err != nil {
			tb.Fatal(err)
		}
		frames, _, err := Split(cmp.Or(c.Framing, framing), input, Peer, source.DefaultMaxFrame)
		if err != nil {
			tb.Fatalf("%s: %v", dir, err)
		}
		for _, f := range frames {
			out = append(out, f.Data)
		}
	}
	return out
}
