package cap

import (
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"radiogw/gateway/change"
	"radiogw/hcl"
)

// capSchema is the OASIS CAP 1.2 schema (testdata/xsd/README.md).
var capSchema = filepath.Join("..", "..", "testdata", "xsd", "CAP-v1.2.xsd")

// validate runs xmllint on doc, against the CAP schema when schema is set.
func validate(t *testing.T, doc []byte, schema bool) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "doc.xml")
	if err := os.WriteFile(f, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--noout", "--nonet"}
	if schema {
		args = append(args, "--schema", capSchema)
	}
	out, err := exec.Command("xmllint", append(args, f)...).CombinedOutput()
	if err != nil {
		t.Fatalf("xmllint: %v: %s\n%s", err, out, doc)
	}
}

func TestSchemaRejectsWhatCAPForbids(t *testing.T) {
	// The schema must be able to fail: a "Z" time and an unknown msgType.
	bad := `<?xml version="1.0"?><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>a</identifier>` +
		`<sender>s</sender><sent>2026-01-01T00:00:00Z</sent><status>Actual</status><msgType>Alarm</msgType>` +
		`<scope>Public</scope></alert>`
	f := filepath.Join(t.TempDir(), "bad.xml")
	os.WriteFile(f, []byte(bad), 0o644)
	out, err := exec.Command("xmllint", "--noout", "--nonet", "--schema", capSchema, f).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "sent") || !strings.Contains(string(out), "msgType") {
		t.Fatalf("schema accepted a forbidden document: %v %s", err, out)
	}
}

var t0 = time.Date(2026, 11, 23, 22, 0, 0, 0, time.UTC)

// hostile is a unit name built to break naive XML: markup, an entity, a
// CDATA end, quotes, and a character XML 1.0 cannot carry.
const hostile = `2A<12&amp;]]></alert><x a="'">` + "\x01"

func emergencyEvents() []change.Event {
	age := 3.0
	pos := &change.Position{Lat: 33.7456213, Lon: -117.8231144, FixTime: t0.Add(-3 * time.Second)}
	return []change.Event{
		{ID: "emergency-tac2-x", Kind: "emergency", Time: t0, Channel: "tac<2>", Unit: hostile, RadioID: "1201",
			Emergency: "e-1201-1763935200", Position: pos, FixAgeS: &age, Source: "mdc"},
		{ID: "emergency_ack-x", Kind: "emergency_ack", Time: t0.Add(7 * time.Second), Channel: "tac<2>", Unit: hostile,
			RadioID: "1201", Emergency: "e-1201-1763935200", By: "disp<4>"},
		{ID: "emergency_clear-x", Kind: "emergency_clear", Time: t0.Add(60 * time.Second), Channel: "tac<2>", Unit: hostile,
			RadioID: "1201", Emergency: "e-1201-1763935200", By: "disp4"},
	}
}

func newPublisher(t *testing.T, cfg Config) *Publisher {
	t.Helper()
	if cfg.Sender == "" {
		cfg.Sender = "dispatch@tustin.example.org"
	}
	cfg.Site = "tustin"
	p, err := New(cfg, Options{Path: filepath.Join(t.TempDir(), "cap.json")})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func parse(t *testing.T, doc []byte) Alert {
	t.Helper()
	var a Alert
	if err := xml.Unmarshal(doc, &a); err != nil {
		t.Fatalf("unmarshal: %v\n%s", err, doc)
	}
	return a
}

func TestEmergencyLifecycle(t *testing.T) {
	p := newPublisher(t, Config{Fields: []string{FieldUnit, FieldChannel, FieldBy}})
	evs := emergencyEvents()
	var got []Message
	for i := range evs {
		got = append(got, p.Messages(evs[i:i+1], t0)...)
	}
	if len(got) != 4 {
		t.Fatalf("messages: %d, want Alert, Update, Cancel and the retained delete", len(got))
	}
	want := []string{MsgAlert, MsgUpdate, MsgCancel, ""}
	var prev []Alert
	for i, m := range got {
		if m.MsgType != want[i] || m.ID != got[0].ID || !keyPattern.MatchString(m.ID) || !strings.HasPrefix(m.ID, "e-") || !m.Retain {
			t.Fatalf("message %d: %+v", i, m)
		}
		if m.MsgType == "" {
			if m.Doc != nil {
				t.Fatalf("the delete carries a document: %s", m.Doc)
			}
			continue
		}
		validate(t, m.Doc, true)
		a := parse(t, m.Doc)
		if a.MsgType != m.MsgType || a.Incidents != m.ID {
			t.Fatalf("message %d: %+v", i, a)
		}
		// Every Update or Cancel names every message before it.
		for _, old := range prev {
			ref := old.Sender + "," + old.Identifier + "," + old.Sent.Format()
			if !strings.Contains(a.References, ref) {
				t.Errorf("%s references %q, missing %q", a.MsgType, a.References, ref)
			}
		}
		if strings.Contains(string(m.Doc), "<x a=") || strings.Contains(string(m.Doc), "</alert><") {
			t.Errorf("a hostile name became markup:\n%s", m.Doc)
		}
		if strings.Contains(string(m.Doc), "circle") || strings.Contains(string(m.Doc), "33.74") {
			t.Errorf("a position went out without include_position:\n%s", m.Doc)
		}
		prev = append(prev, a)
	}
	if a := parse(t, got[0].Doc); !strings.Contains(a.Info[0].Headline, "2A<12&amp;]]></alert>") ||
		a.Sent.Format() != "2026-11-23T22:00:00-00:00" {
		t.Errorf("the alert lost the unit's name or its time: %+v", a.Info[0])
	}
	if a := parse(t, got[1].Doc); !strings.Contains(a.Info[0].Headline, "by disp<4>") {
		t.Errorf("update: %q", a.Info[0].Headline)
	}
	if a := parse(t, got[2].Doc); a.Info[0].Urgency != "Past" || a.Info[0].ResponseType[0] != "AllClear" {
		t.Errorf("cancel: %+v", a.Info[0])
	}

	// A re-delivered event sends nothing twice.
	if again := p.Messages(evs, t0); len(again) != 0 {
		t.Errorf("re-delivered events sent %d messages", len(again))
	}
}

func TestOnlyConfiguredFieldsGoOut(t *testing.T) {
	p := newPublisher(t, Config{Fields: []string{FieldChannel}})
	msgs := p.Messages(emergencyEvents()[:1], t0)
	doc := string(msgs[0].Doc)
	for _, leak := range []string{"2A", "1201", "mdc", ">radio_id<", ">unit<", "33.7", "-117.8"} {
		if strings.Contains(doc, leak) {
			t.Errorf("%q went out without being configured:\n%s", leak, doc)
		}
	}
	if !strings.Contains(doc, "tac&lt;2&gt;") {
		t.Errorf("the configured channel is missing:\n%s", doc)
	}
}

func TestPositionOnlyWhenIncluded(t *testing.T) {
	p := newPublisher(t, Config{IncludePosition: true, PositionRadiusM: 250})
	msgs := p.Messages(emergencyEvents(), t0)
	for _, m := range msgs[:3] { // Alert, Update, Cancel: the Update and Cancel keep the Alert's area
		validate(t, m.Doc, true)
		a := parse(t, m.Doc)
		if len(a.Info[0].Area) != 1 || a.Info[0].Area[0].Circle[0] != "33.74562,-117.82311 0.25" {
			t.Fatalf("%s area: %+v", a.MsgType, a.Info[0].Area)
		}
	}
}

func TestCriticalEvents(t *testing.T) {
	p := newPublisher(t, Config{CriticalEvents: []string{"stuck_mic", "status", "geofence_enter"},
		StatusCodes: []string{"10-33"}, Geofences: []string{"courthouse"}, Fields: []string{FieldUnit, FieldStatus, FieldFence}})
	evs := []change.Event{
		{ID: "stuck_mic-tac2-1", Kind: "stuck_mic", Time: t0, Channel: "tac2", Unit: "2A12"},
		{ID: "status-a", Kind: "status", Time: t0, Unit: "2A12", Status: "enroute", StatusCode: "3"},
		{ID: "status-b", Kind: "status", Time: t0, Unit: "2A12", Status: "needs help", StatusCode: "10-33"},
		{ID: "geofence_enter-2A12-park", Kind: "geofence_enter", Time: t0, Unit: "2A12", Fence: "park"},
		{ID: "geofence_enter-2A12-courthouse", Kind: "geofence_enter", Time: t0, Unit: "2A12", Fence: "courthouse"},
		{ID: "geofence_exit-2A12-courthouse", Kind: "geofence_exit", Time: t0, Unit: "2A12", Fence: "courthouse"},
		{ID: "ptt_start-1", Kind: "ptt_start", Time: t0, Unit: "2A12"},
	}
	msgs := p.Messages(evs, t0)
	var kinds []string
	for _, m := range msgs {
		validate(t, m.Doc, true)
		a := parse(t, m.Doc)
		if m.Retain || m.MsgType != MsgAlert || a.Info[0].Expires == nil ||
			!a.Info[0].Expires.Equal(t0.Add(DefaultExpires)) {
			t.Errorf("one-shot alert: retain %v, %+v", m.Retain, a.Info[0])
		}
		kinds = append(kinds, a.Info[0].EventCode[0].Value)
	}
	if strings.Join(kinds, ",") != "stuck_mic,status,geofence_enter" {
		t.Errorf("critical kinds sent: %v", kinds)
	}
	feed, err := p.Feed(t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(feed), "<entry>"); n != 3 {
		t.Errorf("feed entries: %d\n%s", n, feed)
	}
	// Expired one-shot alerts leave the feed.
	feed, _ = p.Feed(t0.Add(DefaultExpires + time.Second))
	if strings.Contains(string(feed), "<entry>") {
		t.Errorf("expired alerts still in the feed:\n%s", feed)
	}
}

func TestFeedFollowsTheIncident(t *testing.T) {
	p := newPublisher(t, Config{})
	evs := emergencyEvents()
	p.Messages(evs[:1], t0)
	feed, err := p.Feed(t0)
	if err != nil {
		t.Fatal(err)
	}
	validate(t, feed, false)
	checkAtom(t, feed, 1)
	first := string(feed)
	p.Messages(evs[1:2], t0)
	feed, _ = p.Feed(t0)
	checkAtom(t, feed, 1)
	if !strings.Contains(string(feed), "<msgType>Update</msgType>") {
		t.Errorf("feed does not show the Update:\n%s", feed)
	}
	if id := between(first, "<entry>\n    <id>", "<"); id == "" || !strings.Contains(string(feed), id) {
		t.Errorf("entry id changed across the Update")
	}
	p.Messages(evs[2:], t0)
	feed, _ = p.Feed(t0.Add(2 * time.Minute))
	checkAtom(t, feed, 1)
	if !strings.Contains(string(feed), "<msgType>Cancel</msgType>") {
		t.Errorf("feed does not show the Cancel:\n%s", feed)
	}
	feed, _ = p.Feed(t0.Add(time.Minute + DefaultFeedKeep + time.Second))
	checkAtom(t, feed, 0)
}

func TestBookSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cap.json")
	cfg := Config{Sender: "dispatch@tustin.example.org", Site: "tustin"}
	p, _ := New(cfg, Options{Path: path})
	evs := emergencyEvents()
	alert := p.Messages(evs[:1], t0)
	p2, err := New(cfg, Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	upd := p2.Messages(evs[1:2], t0)
	a, b := parse(t, alert[0].Doc), parse(t, upd[0].Doc)
	if b.References != a.Sender+","+a.Identifier+","+a.Sent.Format() {
		t.Errorf("after a restart the Update references %q", b.References)
	}
}

var keyPattern = regexp.MustCompile(`^[ea]-[0-9a-f]{16}$`)

// Incident keys name nothing: not the radio (in the emergency ID), not the
// unit or channel (in an event ID); they are stable across restarts.
func TestIncidentKeysNameNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cap.json")
	cfg := Config{Sender: "d@x", CriticalEvents: []string{"stuck_mic"}}
	p, _ := New(cfg, Options{Path: path})
	msgs := p.Messages(append(emergencyEvents()[:1], change.Event{ID: "stuck_mic-tac2-2A12-1", Kind: "stuck_mic",
		Time: t0, Channel: "tac2", Unit: "2A12"}), t0)
	if len(msgs) != 2 || !keyPattern.MatchString(msgs[0].ID) || !keyPattern.MatchString(msgs[1].ID) ||
		!strings.HasPrefix(msgs[1].ID, "a-") {
		t.Fatalf("keys: %+v", msgs)
	}
	a := parse(t, msgs[0].Doc)
	if strings.Contains(a.Identifier+a.Incidents, "1201") {
		t.Errorf("the radio ID is in the identifier: %s", a.Identifier)
	}
	p2, _ := New(cfg, Options{Path: path})
	if k := p2.key("e-", "e-1201-1763935200"); k != msgs[0].ID {
		t.Errorf("key changed across a restart: %s, %s", k, msgs[0].ID)
	}
	other, _ := New(cfg, Options{Path: filepath.Join(t.TempDir(), "cap.json")})
	if other.key("e-", "e-1201-1763935200") == msgs[0].ID {
		t.Errorf("two sites' secrets give the same key")
	}
}

// checkAtom applies RFC 4287's requirements to the feed: atom:feed has
// exactly one id, title and updated and an author (§4.1.1); each entry has
// exactly one id, title, updated (§4.1.2) and content, whose XML media type
// makes it carry one child element (§4.1.3.3); dates are RFC 3339 (§3.3).
func checkAtom(t *testing.T, doc []byte, entries int) {
	t.Helper()
	var f struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		ID      []string `xml:"id"`
		Title   []string `xml:"title"`
		Updated []string `xml:"updated"`
		Author  []struct {
			Name string `xml:"name"`
		} `xml:"author"`
		Entry []struct {
			ID      []string `xml:"id"`
			Title   []string `xml:"title"`
			Updated []string `xml:"updated"`
			Content []struct {
				Type  string  `xml:"type,attr"`
				Alert []Alert `xml:"urn:oasis:names:tc:emergency:cap:1.2 alert"`
			} `xml:"content"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(doc, &f); err != nil {
		t.Fatalf("feed: %v\n%s", err, doc)
	}
	one := func(what string, v []string) {
		if len(v) != 1 || strings.TrimSpace(v[0]) == "" {
			t.Errorf("%s: %q", what, v)
		}
	}
	one("feed id", f.ID)
	one("feed title", f.Title)
	one("feed updated", f.Updated)
	if len(f.Author) != 1 || f.Author[0].Name == "" {
		t.Errorf("feed author: %+v", f.Author)
	}
	if len(f.Entry) != entries {
		t.Fatalf("entries: %d, want %d\n%s", len(f.Entry), entries, doc)
	}
	for _, e := range f.Entry {
		one("entry id", e.ID)
		one("entry title", e.Title)
		one("entry updated", e.Updated)
		if _, err := time.Parse(time.RFC3339, e.Updated[0]); err != nil {
			t.Errorf("entry updated: %v", err)
		}
		if len(e.Content) != 1 || e.Content[0].Type != "application/cap+xml" || len(e.Content[0].Alert) != 1 {
			t.Errorf("entry content: %+v", e.Content)
		}
		if !strings.HasPrefix(e.ID[0], "urn:uuid:") {
			t.Errorf("entry id %q", e.ID[0])
		}
	}
	if _, err := time.Parse(time.RFC3339, f.Updated[0]); err != nil {
		t.Errorf("feed updated: %v", err)
	}
}

func between(s, a, b string) string {
	_, rest, ok := strings.Cut(s, a)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, b)
	return v
}

// hcl validates the cap block with its own copy of the vocabulary.
func TestVocabularyMatchesHCL(t *testing.T) {
	if !slices.Equal(CriticalKinds, hcl.CAPCriticalEvents) || !slices.Equal(Fields, hcl.CAPFields) {
		t.Errorf("cap and hcl disagree: %v / %v, %v / %v", CriticalKinds, hcl.CAPCriticalEvents, Fields, hcl.CAPFields)
	}
	for _, k := range append([]string{"emergency"}, CriticalKinds...) {
		if kindText[k].event == "" {
			t.Errorf("no text for %q", k)
		}
	}
}

// A busy critical kind cannot grow the book without end: beyond MaxOneShot
// the oldest one-shot alerts leave the feed, counted; emergencies never do,
// and only emergencies are saved.
func TestOneShotAlertsBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cap.json")
	evicted := 0
	p, _ := New(Config{Sender: "d@x", CriticalEvents: []string{"stuck_mic"}},
		Options{Path: path, OnEvicted: func(n int) { evicted += n }})
	p.Messages(emergencyEvents()[:1], t0)
	var evs []change.Event
	for i := range MaxOneShot + 10 {
		evs = append(evs, change.Event{ID: "stuck_mic-" + strconv.Itoa(i), Kind: "stuck_mic", Time: t0.Add(time.Duration(i) * time.Millisecond), Channel: "tac2"})
	}
	if n := len(p.Messages(evs, t0)); n != MaxOneShot+10 {
		t.Fatalf("%d messages, want every one sent", n)
	}
	ekey := p.key("e-", "e-1201-1763935200")
	if evicted != 10 || len(p.incidents) != MaxOneShot+1 || p.incidents[ekey] == nil {
		t.Errorf("evicted %d, book %d", evicted, len(p.incidents))
	}
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), "stuck_mic") || !strings.Contains(string(b), ekey) {
		t.Errorf("saved book: %.300s", b)
	}
}

func TestNoFieldsNamesNothing(t *testing.T) {
	p := newPublisher(t, Config{Fields: []string{}})
	msgs := p.Messages(emergencyEvents(), t0)
	for _, m := range msgs[:3] {
		validate(t, m.Doc, true)
		if a := parse(t, m.Doc); len(a.Info[0].Parameter) != 0 || strings.Contains(string(m.Doc), "tac") ||
			strings.Contains(string(m.Doc), "2A") || strings.Contains(string(m.Doc), "disp4") ||
			strings.Contains(string(m.Doc), "disp&lt;") || strings.Contains(string(m.Doc), "1201") {
			t.Errorf("fields = [] still named something:\n%s", m.Doc)
		}
	}
}
