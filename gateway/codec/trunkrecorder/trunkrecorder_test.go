package trunkrecorder

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

var rx = time.Date(2026, 11, 23, 22, 14, 5, 0, time.UTC)

type capture struct {
	Section string          `json:"section"`
	Topic   *string         `json:"topic_pattern"`
	Payload json.RawMessage `json:"payload"`
}

func readCaptures(tb testing.TB) []capture {
	tb.Helper()
	path := filepath.Join("..", "..", "..", "testdata", "captures", "trunk-recorder", "messages.jsonl")
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("capture missing (%v): testdata/captures is part of the repository", err)
	}
	var out []capture
	for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var c capture
		if err := json.Unmarshal([]byte(l), &c); err != nil {
			tb.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

func unix(sec float64) string {
	return time.Unix(0, int64(sec*1e9)).UTC().Format("15:04:05.00")
}

// describe renders an event as "kind unit channel time".
func describe(tb testing.TB, obs decode.Observations, err error) []string {
	tb.Helper()
	if errors.Is(err, decode.Ignored) {
		return []string{"ignored"}
	}
	if err != nil {
		return []string{"error " + decode.Reason(err)}
	}
	var out []string
	for _, ev := range obs.Events {
		if ev.Source != "tr" || ev.System != System || !ev.Received.Equal(rx) {
			tb.Errorf("event not stamped: %+v", ev)
		}
		ch := ev.Channel
		if ev.TalkgroupSystem != "" {
			ch += "@" + ev.TalkgroupSystem
		}
		d := fmt.Sprintf("%s %s %s %s", ev.Kind, ev.RadioID, ch, ev.Time.Format("15:04:05.00"))
		if ev.RadioAlias != "" {
			d += " ~" + ev.RadioAlias
		}
		out = append(out, d)
	}
	return out
}

// Plugin builds from before late 2023 write every value as a string.
func TestAllStrings(t *testing.T) {
	d, _ := New(decode.Options{Source: "tr"})
	msgs := map[string]string{
		`{"type":"call","call":{"unit":"804329","talkgroup":"301","emergency":"false","start_time":"1686700982"},"timestamp":"1686700983"}`:              "ptt_start 804329 301 " + unix(1686700982),
		`{"type":"end","end":{"unit":"129262","talkgroup":"401","emergency":"true","start_time":"1701185020","length":"4.36"},"timestamp":"1701185025"}`: "emergency 129262 401 " + unix(1701185024.36),
		`{"type":"on","on":{"unit":"806308","talkgroup":"","emergency":"FALSE"},"timestamp":"1686711527"}`:                                               "radio_on 806308  " + unix(1686711527),
		`{"type":"off","off":{"unit":"806308","talkgroup":"0"},"timestamp":"1686711600.5"}`:                                                              "radio_off 806308  " + unix(1686711600.5),
	}
	for msg, want := range msgs {
		obs, err := d.Decode(frame.Frame{Source: "tr", Received: rx, Data: []byte(msg)})
		if got := describe(t, obs, err); len(got) == 0 || got[0] != want {
			t.Errorf("%s: got %v want %s first", msg, got, want)
		}
	}
}

func TestCaptures(t *testing.T) {
	want := map[string][]string{
		"rates":         {"ignored"},
		"config":        {"ignored"},
		"systems":       {"ignored"},
		"system":        {"ignored"},
		"calls_active":  {"ignored"},
		"recorders":     {"ignored"},
		"recorder":      {"ignored"},
		"call_start":    {"ptt_start 849183 3029@p25trunk " + unix(1686700194) + " ~Metro Dispatch"},
		"call_end":      {"carrier_down 1849262 401@p25trunk " + unix(1701185024.36) + " ~Dispatch"},
		"audio":         {"ignored"},
		"plugin_status": {"ignored"},
		"call":          {"ptt_start 804329 301@p25trunk " + unix(1686700982) + " ~State Port. 329"},
		"end":           {"ptt_end 129262 401@p25trunk " + unix(1701185024.36) + " ~Dispatch"},
		"on":            {"radio_on 806308 @p25trunk " + unix(1686711527) + " ~State Port. 308"},
		"off":           {"radio_off 804422 @p25trunk " + unix(1686711529) + " ~State Port. 422"},
		"ackresp":       {"radio_check 52001 @p25trunk " + unix(1686711630) + " ~FD Mobile 001"},
		"join":          {"radio_check 806109 401@p25trunk " + unix(1686711676) + " ~State Port. 109"},
		"data":          {"radio_check 849006 @p25trunk " + unix(1686712418)},
		"ans_req":       {"ignored"},
		"location":      {"radio_check 54126 23507@p25trunk " + unix(1686712458) + " ~FD Port. 126"},
		"messages":      {"ignored"},
		"console":       {"ignored"},
	}
	d, _ := New(decode.Options{Source: "tr"})
	seen := map[string]bool{}
	for _, c := range readCaptures(t) {
		w, ok := want[c.Section]
		if !ok {
			// The decoder log lines (not MQTT) are the lines codec's job.
			if !strings.Contains(c.Section, "decoder log line") {
				t.Errorf("section %q has no expectation", c.Section)
				continue
			}
			w = []string{"ignored"}
		}
		seen[c.Section] = true
		f := frame.Frame{Source: "tr", Received: rx, Data: c.Payload}
		if c.Topic != nil {
			f.Peer = *c.Topic
		}
		obs, err := d.Decode(f)
		if got := describe(t, obs, err); !reflect.DeepEqual(got, w) {
			t.Errorf("%s: got %v want %v", c.Section, got, w)
		}
	}
	for s := range want {
		if !seen[s] {
			t.Errorf("capture has no %q message", s)
		}
	}
}

func TestEmergencyAndEdgeCases(t *testing.T) {
	d, _ := New(decode.Options{Source: "tr"})
	for name, tc := range map[string]struct {
		payload string
		want    []string
	}{
		"emergency call start": {`{"type":"call_start","call":{"unit":1201,"talkgroup":3029,"emergency":true,"start_time":1686700194},"timestamp":1686700194}`,
			[]string{"ptt_start 1201 3029 " + unix(1686700194), "emergency 1201 3029 " + unix(1686700194)}},
		"emergency unit end": {`{"type":"end","end":{"unit":1201,"talkgroup":3029,"emergency":true,"start_time":1686700194,"length":2.5}}`,
			[]string{"emergency 1201 3029 " + unix(1686700196.5), "ptt_end 1201 3029 " + unix(1686700196.5)}},
		"string timestamp, no start": {`{"type":"call","call":{"unit":"1201","talkgroup":"301"},"timestamp":"1686700985"}`,
			[]string{"ptt_start 1201 301 " + unix(1686700985)}},
		"no time at all": {`{"type":"call_start","call":{"unit":1201,"talkgroup":301}}`,
			[]string{"ptt_start 1201 301 22:14:05.00"}},
		"unknown unit": {`{"type":"call_start","call":{"unit":-1,"talkgroup":301,"start_time":1686700194}}`,
			[]string{"ptt_start  301 " + unix(1686700194)}},
		"on without unit":   {`{"type":"on","on":{"unit":0}}`, []string{"ignored"}},
		"stop after length": {`{"type":"call_end","call":{"unit":7,"talkgroup":1,"start_time":1686700000,"stop_time":1686700010,"length":3}}`, []string{"carrier_down 7 1 " + unix(1686700010)}},
		"not json":          {`hello`, []string{"error syntax"}},
		"broken json":       {`{"type":"call_start","call":{`, []string{"error syntax"}},
		"missing object":    {`{"type":"call_start"}`, []string{"error syntax"}},
		"bad unit":          {`{"type":"call_start","call":{"unit":"x"}}`, []string{"error syntax"}},
		"type not a string": {`{"type":5}`, []string{"error syntax"}},
		"untyped":           {`{"status":"connected"}`, []string{"ignored"}},
		"empty":             {``, []string{"error syntax"}},
	} {
		obs, err := d.Decode(frame.Frame{Source: "tr", Received: rx, Data: []byte(tc.payload)})
		got := describe(t, obs, err)
		if len(got) == 0 {
			got = []string{}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v want %v", name, got, tc.want)
		}
	}
}

func TestTopicsAndChannels(t *testing.T) {
	want := []string{"trunk-recorder/feeds/call_start", "trunk-recorder/feeds/call_end", "trunk-recorder/units/+/+"}
	if got := Topics("trunk-recorder/"); !reflect.DeepEqual(got, want) {
		t.Errorf("Topics: %v", got)
	}
	if got := TopicsFor("a/status", "b/units"); got[0] != "a/status/call_start" || got[2] != "b/units/+/+" {
		t.Errorf("TopicsFor: %v", got)
	}
	if ChannelForTalkgroup(3029) != "3029" || ChannelForTalkgroup(0) != "" || ChannelForTalkgroup(-1) != "" {
		t.Error("ChannelForTalkgroup")
	}
}

func FuzzDecode(f *testing.F) {
	for _, c := range readCaptures(f) {
		f.Add([]byte(c.Payload))
	}
	f.Add([]byte(`{"type":"end","end":{"unit":"1","talkgroup":1e30,"length":-1,"emergency":1}}`))
	d, _ := New(decode.Options{Source: "tr"})
	f.Fuzz(func(t *testing.T, data []byte) {
		obs, err := d.Decode(frame.Frame{Source: "tr", Received: rx, Data: data})
		if err != nil {
			if !obs.Empty() {
				t.Fatal("error with observations")
			}
			return
		}
		if len(obs.Events) == 0 {
			t.Fatal("no error and no events")
		}
		for _, ev := range obs.Events {
			if ev.Time.IsZero() || ev.Kind == 0 {
				t.Fatalf("bad event %+v", ev)
			}
		}
	})
}

func BenchmarkDecodeCallStart(b *testing.B) {
	var payload []byte
	for _, c := range readCaptures(b) {
		if c.Section == "call_start" {
			payload = c.Payload
		}
	}
	d, _ := New(decode.Options{Source: "tr"})
	fr := frame.Frame{Source: "tr", Received: rx, Data: payload}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := d.Decode(fr); err != nil {
			b.Fatal(err)
		}
	}
}

// The system and the alias as the plugin's builds name them: sys_name and
// unit_alpha_tag today, "system" and "unit_alpha" before 2024, and a bare
// sys_num filed under its number. Names are passed on as they came (the
// runtime validates them).
func TestSystemAndAlias(t *testing.T) {
	d, _ := New(decode.Options{Source: "tr"})
	for msg, want := range map[string]string{
		`{"type":"join","join":{"sys_num":1,"sys_name":"south","unit":7,"unit_alpha_tag":"Car 7","talkgroup":100},"timestamp":1686711676}`: "radio_check 7 100@south " + unix(1686711676) + " ~Car 7",
		`{"type":"join","join":{"system":"north","unit":"7","unit_alpha":"Car 7","talkgroup":"100"},"timestamp":"1686711676"}`:             "radio_check 7 100@north " + unix(1686711676) + " ~Car 7",
		`{"type":"call","call":{"sys_num":2,"unit":7,"talkgroup":100,"start_time":1686711676}}`:                                            "ptt_start 7 100@2 " + unix(1686711676),
		`{"type":"call","call":{"sys_num":-1,"unit":7,"talkgroup":100,"start_time":1686711676}}`:                                           "ptt_start 7 100 " + unix(1686711676),
		`{"type":"on","on":{"sys_name":"a/+#","unit":7,"unit_alpha_tag":"\u202eevil"},"timestamp":1686711676}`:                             "radio_on 7 @a/+# " + unix(1686711676) + " ~\u202eevil",
	} {
		obs, err := d.Decode(frame.Frame{Source: "tr", Received: rx, Data: []byte(msg)})
		if got := describe(t, obs, err); len(got) != 1 || got[0] != want {
			t.Errorf("%s: got %q want %q", msg, got, want)
		}
	}
}
