package mqtt

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/change"
	"radiogw/gateway/publish/outbox"
)

// offlineSink builds a sink that never connects, with every optional topic
// on, for encoding.
func offlineSink(t *testing.T, mod func(*Options)) *Sink {
	t.Helper()
	q, err := outbox.Open(outbox.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	opts := Options{Site: "tustin", Broker: "tcp://127.0.0.1:1", TopicRoot: "radiogw/tustin", Queue: q,
		OwnTracks: true, HomeAssistant: true,
		Resolve: func(id string) string { return map[string]string{"1201": "2A12"}[id] }}
	if mod != nil {
		mod(&opts)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// samples are subjects covering what each row encodes: units with and
// without a position, busy and idle channels, every event kind, a map.
func samples() []subject {
	full := unitAt("2A12", 1)
	full.AlphaTag, full.Type, full.Beat, full.Status, full.StatusAt = "2A12 Patrol", "patrol", "B3", "enroute", t0
	full.Channel, full.LastHeard, full.AVLIDs = "tac2", t0, []string{"4521"}
	full.Emergency = &avl.Emergency{ID: "e-1201-1763935200", Since: t0, AckedBy: "disp4", AckedAt: t0.Add(7 * time.Second)}
	bare := avl.Unit{ID: "9999", Unlisted: true, RadioIDs: []string{"9999"}, Updated: t0}
	odd := unitAt("2A 12/ü", 2) // a Home Assistant object ID that needs cleaning
	busy := channels.ChannelState{Name: "tac2", AlphaTag: "TAC 2", Freq: 460125000, Busy: true, Talker: "1201", Since: t0,
		Emergency: true, StuckMic: true, AirtimeHour: 95 * time.Second, LastTalker: "1201", LastActive: t0}
	idle := channels.ChannelState{Name: "disp1", Talkgroup: 1001}
	age := 3.5
	events := []change.Event{
		{ID: "a", Kind: "ptt_start", Time: t0, Channel: "tac2", Unit: "2A12", RadioID: "1201", Source: "mdc"},
		{ID: "b", Kind: "ptt_end", Time: t0, Channel: "tac2", RadioID: "1201", DurationS: 4.2},
		{ID: "c", Kind: "emergency", Time: t0, Channel: "tac2", Unit: "2A12", RadioID: "1201", Emergency: "e-1", Count: 1,
			Position: change.NewPosition(full.Position), FixAgeS: &age},
		{ID: "e", Kind: "emergency_ack", Time: t0, RadioID: "1201", Emergency: "e-1", By: "disp4"},
		{ID: "g", Kind: "status", Time: t0, RadioID: "1201", Status: "enroute", StatusCode: "3"},
		{ID: "j", Kind: "stale", Time: t0, Unit: "2A12", Stale: "lost"},
		{ID: "k", Kind: "geofence_enter", Time: t0, Unit: "2A12", Fence: "B3"},
		{ID: "n", Kind: "source_down", Time: t0, Source: "avl", Detail: "read: connection reset"},
	}
	now := t0.Add(3 * time.Second)
	out := []subject{
		{unit: &full, now: now}, {unit: &bare, now: now}, {unit: &odd, now: now},
		{channel: &busy}, {channel: &idle},
		{units: []*avl.Unit{&full, &bare, &odd}, now: now}, {units: nil, now: now},
	}
	for i := range events {
		out = append(out, subject{event: &events[i]})
	}
	return out
}

// wants reports whether a row's encoder reads x.
func (r *topicRow) wants(x *subject) bool {
	switch {
	case r.followsUnit || r == &topicTable[topicUnit]:
		return x.unit != nil
	case r == &topicTable[topicChannel]:
		return x.channel != nil
	case r == &topicTable[topicEvent]:
		return x.event != nil
	case r == &topicTable[topicMap]:
		return x.unit == nil && x.channel == nil && x.event == nil
	}
	return false
}

// Every row of the topic table names a schema file that exists, and what
// its encoder writes validates against it; a row without an encoder is
// plain text (status) or only read (commands, whose schema the command
// parser's tests check).
func TestTopicTableSchemasAndEncoders(t *testing.T) {
	schemas := loadSchemas(t)
	s := offlineSink(t, nil)
	for i := range s.topics {
		row := &s.topics[i]
		switch {
		case row.inbound:
			if row.schema == "" || row.encode != nil {
				t.Errorf("%s: a topic the sink reads needs a schema and no encoder", row.pattern)
			}
		case row.extra:
			if row.encode != nil || row.schema != "" {
				t.Errorf("%s: an extra row's messages come encoded; it has no encoder or JSON schema", row.pattern)
			}
			continue
		case row.encode == nil:
			if row.schema != "" || row.id != topicStatus {
				t.Errorf("%s: no encoder; only the plain-text status topic may have none", row.pattern)
			}
			continue
		case row.schema == "":
			t.Errorf("%s: an encoder without a schema", row.pattern)
			continue
		}
		if row.schema != "" {
			if _, err := os.Stat(filepath.Join("..", "..", "..", "docs", "schema", row.schema)); err != nil {
				t.Errorf("%s: schema file: %v", row.pattern, err)
			}
		}
		if row.encode == nil {
			continue
		}
		encoded := 0
		for _, x := range samples() {
			if !row.wants(&x) {
				continue
			}
			payload, err := row.encode(s, &x)
			if err != nil {
				t.Errorf("%s: encode: %v", row.pattern, err)
				continue
			}
			if payload == nil {
				continue // nothing to publish (a unit without a position has no location)
			}
			encoded++
			if err := validate(t, schemas, row.schema, payload); err != nil {
				t.Errorf("%s: payload does not match %s: %v\n%s", row.pattern, row.schema, err, payload)
			}
		}
		if encoded == 0 {
			t.Errorf("%s: the samples produced no payload to validate", row.pattern)
		}
	}
}

// docs/mqtt.md's topic table lists exactly the rows of the topic table,
// with the same QoS, retained flag and schema.
func TestTopicTableMatchesDocs(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "mqtt.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(doc), "\n## Topics\n")
	section, _, _ = strings.Cut(section, "\n## ")
	schemaLink := regexp.MustCompile("^\\[`[^`]+`\\]\\(schema/([^)]+)\\)$")
	type row struct {
		qos      string
		retained bool
		schema   string
	}
	documented := map[string]row{}
	for _, l := range strings.Split(section, "\n") {
		if !strings.HasPrefix(l, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(l, "|"), "|")
		if len(cells) != 5 {
			t.Errorf("docs/mqtt.md: a topic row this test cannot read: %s", l)
			continue
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		d := row{qos: cells[1], retained: cells[2] == "yes"}
		if m := schemaLink.FindStringSubmatch(cells[4]); m != nil {
			d.schema = m[1]
		}
		documented[strings.Trim(cells[0], "`")] = d
	}
	for i := range topicTable {
		r := &topicTable[i]
		d, ok := documented[r.pattern]
		if !ok {
			t.Errorf("docs/mqtt.md does not list %s", r.pattern)
			continue
		}
		delete(documented, r.pattern)
		if r.extra { // each message brings its own retained flag
			d.retained = r.retained
		}
		if want := (row{string('0' + r.qos), r.retained, r.schema}); d != want {
			t.Errorf("docs/mqtt.md says %s is %+v; the table says %+v", r.pattern, d, want)
		}
	}
	for p := range documented {
		t.Errorf("docs/mqtt.md lists %s, which is no row of the topic table", p)
	}
}

// A sink fills its own names into the patterns, and finds the row of a
// topic again.
func TestTopicNames(t *testing.T) {
	s := offlineSink(t, func(o *Options) { o.TopicRoot, o.HAPrefix = "fire/north", "ha" })
	for _, tt := range []struct {
		id    topicID
		level string
		want  string
	}{
		{topicStatus, "", "fire/north/status"},
		{topicUnit, "E12", "fire/north/units/E12"},
		{topicChannel, "tac2", "fire/north/channels/tac2"},
		{topicEvent, "ptt_start", "fire/north/events/ptt_start"},
		{topicMap, "", "fire/north/map"},
		{topicOwnTracks, "E12", "owntracks/tustin/E12"},
		{topicOwnTracksCard, "E12", "owntracks/tustin/E12/info"},
		{topicTracker, "E12", "fire/north/tracker/E12"},
		{topicHADiscovery, "radiogw_tustin_E12", "ha/device_tracker/radiogw_tustin_E12/config"},
		{topicCAP, "e-0123456789abcdef", "fire/north/cap/e-0123456789abcdef"},
		{topicCommand, "+", "fire/north/commands/+"},
	} {
		tp := s.topicFor(tt.id)
		if got := tp.name(tt.level); got != tt.want {
			t.Errorf("%s: %q, want %q", tp.pattern, got, tt.want)
		}
		row, level, ok := s.rowOf(tt.want)
		if !ok || row.id != tt.id || level != tt.level {
			t.Errorf("rowOf(%q) = %v %q %v, want %s %q", tt.want, row, level, ok, tp.pattern, tt.level)
		}
	}
	if got, want := s.unitTopic(s.topicFor(topicHADiscovery), "E 12"), "ha/device_tracker/"+HAObjectID("tustin", "E 12")+"/config"; got != want {
		t.Errorf("discovery topic %q, want %q", got, want)
	}
	for _, bad := range []string{"fire/north/units/a/b", "fire/north/units/", "fire/north/statusx", "owntracks/other/E12"} {
		if row, _, ok := s.rowOf(bad); ok {
			t.Errorf("rowOf(%q) = %s, want no row", bad, row.pattern)
		}
	}
	var forget []string
	for _, f := range s.forgetTopics("E12") {
		forget = append(forget, f.name)
	}
	if got := forget; strings.Join(got, " ") != "fire/north/units/E12 owntracks/tustin/E12/info owntracks/tustin/E12 "+
		"ha/device_tracker/radiogw_tustin_E12/config fire/north/tracker/E12" {
		t.Errorf("forget topics %v", got)
	}
}
