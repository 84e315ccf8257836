package lines

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"radiogw/channels"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

var rx = time.Date(2026, 11, 23, 22, 14, 5, 0, time.UTC)

type golden struct {
	line string
	want []string
	at   string // file:line
}

// readGolden reads testdata/<profile>.txt: "> input" lines, each followed by
// one "= kind id [status=..] [channel=..] [by=..]" per expected event, or
// "= ignored", or "= error <reason>".
func readGolden(t *testing.T, profile string) []golden {
	t.Helper()
	path := filepath.Join("testdata", profile+".txt")
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("golden file: %v", err)
	}
	defer f.Close()
	var out []golden
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, ">"):
			out = append(out, golden{line: strings.TrimPrefix(strings.TrimPrefix(l, ">"), " "), at: fmt.Sprintf("%s:%d", path, n)})
		case strings.HasPrefix(l, "= "):
			if len(out) == 0 {
				t.Fatalf("%s:%d: expectation before input", path, n)
			}
			out[len(out)-1].want = append(out[len(out)-1].want, strings.TrimPrefix(l, "= "))
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no cases", path)
	}
	return out
}

func describe(ev channels.Event) string {
	s := ev.Kind.String() + " " + ev.RadioID
	if ev.Status != "" {
		s += " status=" + ev.Status
	}
	if ev.Channel != "" && ev.Channel != "chan" {
		s += " channel=" + ev.Channel
	}
	if ev.By != "" {
		s += " by=" + ev.By
	}
	return s
}

func decodeLine(t *testing.T, d decode.Decoder, line string) []string {
	t.Helper()
	obs, err := d.Decode(frame.Frame{Source: "src", Seq: 1, Received: rx, Data: []byte(line)})
	switch {
	case errors.Is(err, decode.Ignored):
		if !obs.Empty() {
			t.Errorf("%q: ignored with observations", line)
		}
		return []string{"ignored"}
	case err != nil:
		return []string{"error " + decode.Reason(err)}
	}
	var got []string
	for _, ev := range obs.Events {
		if ev.Source != "src" || !ev.Time.Equal(rx) || !ev.Received.Equal(rx) || ev.Channel == "" || ev.System == "" {
			t.Errorf("%q: event not stamped: %+v", line, ev)
		}
		got = append(got, describe(ev))
	}
	return got
}

func TestGoldenProfiles(t *testing.T) {
	for _, name := range BuiltinNames() {
		t.Run(name, func(t *testing.T) {
			d, err := New(decode.Options{Source: "opt", Channel: "chan", Profile: decode.Profile{Name: name}})
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range readGolden(t, name) {
				got := decodeLine(t, d, g.line)
				if strings.Join(got, " | ") != strings.Join(g.want, " | ") {
					t.Errorf("%s: %q\n got  %v\n want %v", g.at, g.line, got, g.want)
				}
			}
		})
	}
}

// The trunk-recorder signalling lines in the captures (testdata/captures) decode as
// documented (they are built from trunk-recorder's format strings).
func TestTrunkRecorderCaptures(t *testing.T) {
	path := filepath.Join("..", "..", "..", "testdata", "captures", "trunk-recorder", "messages.jsonl")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("capture missing (%v): testdata/captures is part of the repository", err)
	}
	want := map[string][]string{
		"MDC1200":   {"ptt_start 1234"},
		"FLEETSYNC": {"ptt_start 100-1001"},
		"STAR":      {"ptt_start 1234", "status 1234 status=1"},
	}
	d, err := New(decode.Options{Channel: "chan", Profile: decode.Profile{Name: ProfileTrunkRecorder}})
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var rec struct {
			Payload json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatal(err)
		}
		var head struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(rec.Payload, &head)
		got := decodeLine(t, d, string(rec.Payload))
		w, ok := want[head.Type]
		if !ok {
			w = []string{"ignored"} // MQTT status messages are not decoder lines
		} else {
			seen++
		}
		if strings.Join(got, " | ") != strings.Join(w, " | ") {
			t.Errorf("%s: got %v want %v", head.Type, got, w)
		}
	}
	if seen != 3 {
		t.Fatalf("found %d signalling lines in the capture, want 3", seen)
	}
}

func TestCustomProfileGroups(t *testing.T) {
	p := decode.Profile{Name: "console", System: "mdc1200", Patterns: []decode.Pattern{
		{Regex: `^(?P<kind>[a-z_]+) (?P<id>[0-9a-f]+) on (?P<channel>\w+)(?: by (?P<by>\w+))?$`},
		{Kind: "carrier_up", Regex: `^COR (?P<channel>\w+) ON$`},
	}}
	d, err := New(decode.Options{Channel: "fallback", Profile: p})
	if err != nil {
		t.Fatal(err)
	}
	for line, want := range map[string]string{
		"emergency_ack 12f on tac2 by disp4": "emergency_ack 012F channel=tac2 by=disp4",
		"ptt_start 1201 on disp":             "ptt_start 1201 channel=disp",
		"COR tac3 ON":                        "carrier_up  channel=tac3",
		"bogus 1201 on disp":                 "error kind",
		"ptt_start 12345 on disp":            "error id",
	} {
		if got := strings.Join(decodeLine(t, d, line), " | "); got != want {
			t.Errorf("%q: got %q want %q", line, got, want)
		}
	}
}

func TestNewRejects(t *testing.T) {
	for name, p := range map[string]decode.Profile{
		"unknown builtin": {Name: "nope"},
		"bad regex":       {Name: "x", Patterns: []decode.Pattern{{Kind: "ptt_start", Regex: `(`}}},
		"bad kind":        {Name: "x", Patterns: []decode.Pattern{{Kind: "keyup", Regex: `x`}}},
		"no kind":         {Name: "x", Patterns: []decode.Pattern{{Regex: `(?P<id>\d+)`}}},
	} {
		if _, err := New(decode.Options{Profile: p}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestDecodeLimits(t *testing.T) {
	d, err := New(decode.Options{Channel: "chan", Profile: decode.Profile{Name: ProfileAppRpt}})
	if err != nil {
		t.Fatal(err)
	}
	long := "I1201 " + strings.Repeat("x", maxLine)
	if got := decodeLine(t, d, long); got[0] != "error length" {
		t.Errorf("long line: %v", got)
	}
	if got := decodeLine(t, d, "I1201 \xff"); got[0] != "error syntax" {
		t.Errorf("binary line: %v", got)
	}
	// Carriage returns from serial decoders are framing, not content.
	if got := decodeLine(t, d, "I1201\r"); got[0] != "ptt_start 1201" {
		t.Errorf("CRLF line: %v", got)
	}
}

func TestBuiltinsAreCopies(t *testing.T) {
	a := BuiltinProfiles()
	a[ProfileStar].Patterns[0].Regex = "changed"
	if BuiltinProfiles()[ProfileStar].Patterns[0].Regex == "changed" {
		t.Fatal("built-in profiles share state")
	}
	names := BuiltinNames()
	if len(names) != 5 || names[0] != ProfileAppRpt {
		t.Fatalf("names %v", names)
	}
}

func FuzzDecode(f *testing.F) {
	var decs []decode.Decoder
	for _, name := range BuiltinNames() {
		d, err := New(decode.Options{Channel: "c", Profile: decode.Profile{Name: name}})
		if err != nil {
			f.Fatal(err)
		}
		decs = append(decs, d)
		raw, err := os.ReadFile(filepath.Join("testdata", name+".txt"))
		if err != nil {
			f.Fatal(err)
		}
		for _, l := range strings.Split(string(raw), "\n") {
			if strings.HasPrefix(l, "> ") {
				f.Add(strings.TrimPrefix(l, "> "))
			}
		}
	}
	f.Fuzz(func(t *testing.T, line string) {
		for _, d := range decs {
			obs, err := d.Decode(frame.Frame{Source: "s", Received: rx, Data: []byte(line)})
			if err != nil {
				if !obs.Empty() {
					t.Fatalf("error %v with observations", err)
				}
				continue
			}
			if len(obs.Events) == 0 {
				t.Fatal("no error and no events")
			}
			for _, ev := range obs.Events {
				if ev.Kind == 0 || ev.Kind.String() == "unknown" {
					t.Fatalf("bad kind %v", ev.Kind)
				}
				if ev.RadioID != "" {
					if id, ok := channels.NormalizeRadioID(ev.System, ev.RadioID); !ok || id != ev.RadioID {
						t.Fatalf("radio id %q not normal for %s", ev.RadioID, ev.System)
					}
				}
			}
		}
	})
}

func BenchmarkDecodeAppRpt(b *testing.B) {
	d, err := New(decode.Options{Channel: "c", Profile: decode.Profile{Name: ProfileAppRpt}})
	if err != nil {
		b.Fatal(err)
	}
	fr := frame.Frame{Source: "s", Received: rx, Data: []byte("20261123221630 1999 S1201-5")}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := d.Decode(fr); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeTrunkRecorderJSON(b *testing.B) {
	d, err := New(decode.Options{Channel: "c", Profile: decode.Profile{Name: ProfileTrunkRecorder}})
	if err != nil {
		b.Fatal(err)
	}
	fr := frame.Frame{Source: "s", Received: rx, Data: []byte(`{"type":"MDC1200","timestamp":"1713207802","op":"01","arg":"80","unitID":"1234","ex0":"00","ex1":"00","ex2":"00","ex3":"00"}`)}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := d.Decode(fr); err != nil {
			b.Fatal(err)
		}
	}
}

// A trunk-recorder build that writes decoder values as bare numbers is read
// like one that quotes them.
func TestTrunkRecorderJSONNumbers(t *testing.T) {
	quoted, err := trJSON([]byte(`{"type":"STAR","unitID":"1201","status":"3"}`))
	if err != nil {
		t.Fatal(err)
	}
	bare, err := trJSON([]byte(`{"type":"STAR","unitID":1201,"status":3}`))
	if err != nil || len(bare) != len(quoted) || len(bare) == 0 || bare[0].RadioID != quoted[0].RadioID {
		t.Fatalf("bare numbers: %v %+v, quoted %+v", err, bare, quoted)
	}
}
