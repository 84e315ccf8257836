package mqtt

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/change"
	"radiogw/gateway/testsvc"
)

const schemaBase = "https://radiogw.invalid/schema/"

// loadSchemas compiles the schema of every row of the topic table, keyed
// by file name. Every schema in docs/schema belongs to a row.
func loadSchemas(t testing.TB) map[string]*jsonschema.Schema {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "docs", "schema")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("schemas in %s: %v", dir, err)
	}
	named := map[string]bool{}
	for i := range topicTable {
		if f := topicTable[i].schema; f != "" {
			named[f] = true
		}
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for _, f := range files {
		if !named[filepath.Base(f)] {
			t.Errorf("%s belongs to no row of the topic table", f)
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := c.AddResource(schemaBase+filepath.Base(f), doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	out := map[string]*jsonschema.Schema{}
	for f := range named {
		sch, err := c.Compile(schemaBase + f)
		if err != nil {
			t.Fatalf("compile %s (named by the topic table): %v", f, err)
		}
		out[f] = sch
	}
	return out
}

// schemaOf is the schema file of a published topic's row ("" for plain
// text), read from the topic table.
func schemaOf(t testing.TB, s *Sink, topic string) string {
	t.Helper()
	row, _, ok := s.rowOf(topic)
	if !ok {
		t.Errorf("topic %s matches no row of the topic table", topic)
		return ""
	}
	return row.schema
}

func validate(t testing.TB, schemas map[string]*jsonschema.Schema, class string, payload []byte) error {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(payload))
	if err != nil {
		return err
	}
	if !strings.HasSuffix(class, ".json") {
		class += ".v1.json"
	}
	return schemas[class].Validate(v)
}

// Every payload class the sink publishes, captured from mosquitto, validates
// against its schema: units (with and without position, emergency acked),
// channels (busy with talker, stuck mic), events of every kind, the map and
// the OwnTracks mirror.
func TestPublishedPayloadsMatchSchemas(t *testing.T) {
	schemas := loadSchemas(t)
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{})
	sub := subscribe(t, m.Addr, "#")
	s := startSink(t, "tcp://"+m.Addr, "", func(o *Options) {
		o.OwnTracks, o.HomeAssistant = true, true
		o.Resolve = func(id string) string { return map[string]string{"1201": "2A12"}[id] }
	})

	moving := unitAt("2A12", 1)
	moving.Beat, moving.Status, moving.StatusAt, moving.Channel, moving.LastHeard = "B3", "enroute", t0, "tac2", t0
	moving.AVLIDs, moving.Type = []string{"4521"}, "patrol"
	moving.Emergency = &avl.Emergency{ID: "e-1201-1763935200", Since: t0, AckedBy: "disp4", AckedAt: t0.Add(7 * time.Second)}
	noFix := avl.Unit{ID: "9999", Unlisted: true, RadioIDs: []string{"9999"}, Updated: t0}
	ch := channels.ChannelState{Name: "tac2", AlphaTag: "TAC 2", Freq: 460125000, Busy: true, Talker: "1201", Since: t0,
		Emergency: true, StuckMic: true, AirtimeHour: 95 * time.Second, LastTalker: "1201", LastActive: t0}
	idle := channels.ChannelState{Name: "disp1", Talkgroup: 1001}
	pos := change.NewPosition(moving.Position)
	age := 3.5
	events := []change.Event{
		{ID: "a", Kind: "ptt_start", Time: t0, Channel: "tac2", Unit: "2A12", RadioID: "1201", Source: "mdc"},
		{ID: "b", Kind: "ptt_end", Time: t0, Channel: "tac2", RadioID: "1201", DurationS: 4.2},
		{ID: "c", Kind: "emergency", Time: t0, Channel: "tac2", Unit: "2A12", RadioID: "1201", Emergency: "e-1", Count: 1, Position: pos, FixAgeS: &age},
		{ID: "d", Kind: "emergency_repeat", Time: t0, RadioID: "1201", Emergency: "e-1", Count: 2},
		{ID: "e", Kind: "emergency_ack", Time: t0, RadioID: "1201", Emergency: "e-1", By: "disp4"},
		{ID: "f", Kind: "emergency_clear", Time: t0, RadioID: "1201", Emergency: "e-1", By: "disp4"},
		{ID: "g", Kind: "status", Time: t0, RadioID: "1201", Status: "enroute", StatusCode: "3"},
		{ID: "h", Kind: "stuck_mic", Time: t0, Channel: "tac2", RadioID: "1201"},
		{ID: "i", Kind: "radio_check", Time: t0, Channel: "tac2", RadioID: "1201"},
		{ID: "j", Kind: "stale", Time: t0, Unit: "2A12", Stale: "lost"},
		{ID: "k", Kind: "geofence_enter", Time: t0, Unit: "2A12", Fence: "B3"},
		{ID: "l", Kind: "geofence_exit", Time: t0, Unit: "2A12", Fence: "B3"},
		{ID: "m", Kind: "source_up", Time: t0, Source: "avl", Peer: "10.0.0.7:4000"},
		{ID: "n", Kind: "source_down", Time: t0, Source: "avl", Detail: "read: connection reset"},
	}
	if err := s.Write(change.Batch{Units: []avl.Change{unitChange(moving), unitChange(noFix)},
		Channels: []channels.Change{{Kind: channels.ChannelUpdated, Channel: ch}, {Kind: channels.ChannelUpdated, Channel: idle}},
		Events:   events}); err != nil {
		t.Fatal(err)
	}
	// Every published row's schema, from the table.
	want := map[string]bool{}
	for i := range topicTable {
		if r := &topicTable[i]; !r.inbound && r.schema != "" {
			want[r.schema] = true
		}
	}
	waitFor(t, 15*time.Second, "every payload class", func() bool {
		seen := map[string]int{}
		for _, m := range sub.snapshot() {
			seen[schemaOf(t, s.Sink, m.topic)]++
		}
		return seen["event.v1.json"] == len(events) && seen["unit.v1.json"] >= 2 && seen["channel.v1.json"] >= 2 &&
			seen["map.v1.json"] >= 1 && seen["owntracks.v1.json"] >= 1 && seen["owntracks-card.v1.json"] >= 2 &&
			seen["ha-discovery.v1.json"] >= 2 && seen["tracker.v1.json"] >= 1
	})
	for _, m := range sub.snapshot() {
		schema := schemaOf(t, s.Sink, m.topic)
		if schema == "" {
			continue // status: plain "online"/"offline"
		}
		delete(want, schema)
		if err := validate(t, schemas, schema, m.payload); err != nil {
			t.Errorf("payload on %s does not match %s: %v\n%s", m.topic, schema, err, m.payload)
		}
	}
	if len(want) > 0 {
		t.Errorf("schemas not seen: %v", want)
	}
}

// The schemas reject what the contract forbids, so the test above can fail.
func TestSchemasRejectContractViolations(t *testing.T) {
	schemas := loadSchemas(t)
	bad := []struct{ class, payload string }{
		{"unit", `{"class":"unit","v":1,"site":"s","unit":"2A12","talking":false,"updated":"2026-11-23T22:00:00Z","beat":null}`},
		{"unit", `{"class":"unit","v":2,"site":"s","unit":"2A12","talking":false,"updated":"2026-11-23T22:00:00Z"}`},
		{"unit", `{"class":"unit","v":1,"site":"s","unit":"2A12","talking":false,"updated":"yesterday"}`},
		{"unit", `{"class":"unit","v":1,"site":"s","unit":"2A12","talking":false,"updated":"2026-11-23T22:00:00Z","callsign":"x"}`},
		{"channel", `{"class":"channel","v":1,"site":"s","channel":"tac2","busy":true,"emergency":false}`},
		{"event", `{"class":"event","v":1,"site":"s","id":"x","kind":"emergency","time":"2026-11-23T22:00:00Z"}`},
		{"event", `{"class":"event","v":1,"site":"s","id":"x","kind":"teleport","time":"2026-11-23T22:00:00Z"}`},
		{"map", `{"type":"FeatureCollection","features":[],"class":"map","v":1}`},
		{"owntracks", `{"_type":"location","lat":91,"lon":0,"tst":1,"tid":"12"}`},
		{"owntracks", `{"_type":"location","lat":1,"lon":0,"tst":1,"tid":"12","acc":0.5}`},
		{"owntracks-card", `{"_type":"card","name":"","tid":"12"}`},
		{"tracker", `{"class":"tracker","v":1,"site":"s","unit":"2A12","latitude":1,"longitude":2,"gps_accuracy":0,"fix_time":"2026-11-23T22:00:00Z","stale":"fresh","emergency":false}`},
		{"ha-discovery", `{"unique_id":"radiogw s","json_attributes_topic":"r/tracker/x","availability_topic":"r/status","payload_available":"online","payload_not_available":"offline","source_type":"gps","device":{"identifiers":["x"],"name":"x","manufacturer":"radiogw"},"origin":{"name":"radiogw"}}`},
		{"command", `{"id":"radiogw/#"}`},
		{"command", `{"id":"e-1","by":""}`},
	}
	for _, b := range bad {
		if err := validate(t, schemas, b.class, []byte(b.payload)); err == nil {
			t.Errorf("%s schema accepts %s", b.class, b.payload)
		}
	}
	for _, ok := range []string{`{"id":"e-1201-1763935200","by":"disp4"}`, `{"id":"e-1201-1763935200-2"}`} {
		if err := validate(t, schemas, "command", []byte(ok)); err != nil {
			t.Errorf("command schema rejects %s: %v", ok, err)
		}
		if _, err := ParseCommand("emergency_ack", []byte(ok)); err != nil {
			t.Errorf("ParseCommand rejects %s: %v", ok, err)
		}
	}
}
