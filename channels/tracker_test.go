package channels

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 23, 22, 0, 0, 0, time.UTC)

func at(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }

// restored is tr taken through a JSON snapshot into a new tracker.
func restored(t testing.TB, tr *Tracker) *Tracker {
	t.Helper()
	raw, err := json.Marshal(tr.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	var s Snapshot
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	tr2 := NewTracker(testConfig())
	if err := tr2.Restore(s); err != nil {
		t.Fatal(err)
	}
	return tr2
}

func testConfig() Config {
	return Config{
		Channels: []ChannelConfig{
			{Name: "disp", AlphaTag: "Dispatch", Freq: 460125000, StatusTable: "patrol", StuckMic: 60 * time.Second},
			{Name: "tac2", AlphaTag: "TAC 2", Freq: 460350000, HangTime: 2 * time.Second},
		},
		StatusTables: map[string]map[string]string{
			"patrol":  {"1": "enroute", "2": "onscene"},
			"default": {"1": "available", "9": "out-of-service"},
		},
		DefaultStatusTable: "default",
	}
}

func kinds(chs []Change) []string {
	var out []string
	for _, c := range chs {
		out = append(out, c.Kind.String())
	}
	return out
}

func wantKinds(t *testing.T, chs []Change, want ...string) {
	t.Helper()
	if got := kinds(chs); !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Fatalf("changes %v, want %v", got, want)
	}
}

func mustChannel(t *testing.T, tr *Tracker, name string) ChannelState {
	t.Helper()
	c, ok := tr.Channel(name)
	if !ok {
		t.Fatalf("channel %q missing", name)
	}
	return c
}

func TestPTTStartEnd(t *testing.T) {
	tr := NewTracker(testConfig())
	chs := tr.Apply(Event{Kind: PTTStart, Channel: "disp", RadioID: "1201", Source: "mdc", Time: at(0)})
	wantKinds(t, chs, "ptt_start", "channel")
	if chs[0].RadioID != "1201" || chs[0].Source != "mdc" || !chs[0].Channel.Busy {
		t.Fatalf("start change %+v", chs[0])
	}
	c := mustChannel(t, tr, "disp")
	if !c.Busy || c.Talker != "1201" || !c.Since.Equal(at(0)) {
		t.Fatalf("state after start %+v", c)
	}
	// A repeated ID of the same talker is the same transmission.
	wantKinds(t, tr.Apply(Event{Kind: PTTStart, Channel: "disp", RadioID: "1201", Time: at(1)}))

	chs = tr.Apply(Event{Kind: PTTEnd, Channel: "disp", RadioID: "1201", Time: at(4.5)})
	wantKinds(t, chs, "ptt_end", "channel")
	if chs[0].Duration != 4500*time.Millisecond || chs[0].RadioID != "1201" {
		t.Fatalf("end change %+v", chs[0])
	}
	c = mustChannel(t, tr, "disp")
	if c.Busy || c.Talker != "" || c.LastTalker != "1201" || !c.LastActive.Equal(at(4.5)) || c.AirtimeHour != 4500*time.Millisecond {
		t.Fatalf("state after end %+v", c)
	}
}

func TestNewTalkerEndsPrevious(t *testing.T) {
	tr := NewTracker(testConfig())
	tr.Apply(Event{Kind: PTTStart, Channel: "disp", RadioID: "1201", Time: at(0)})
	chs := tr.Apply(Event{Kind: PTTStart, Channel: "disp", RadioID: "1305", Time: at(3)})
	wantKinds(t, chs, "ptt_end", "ptt_start", "channel")
	if chs[0].RadioID != "1201" || chs[0].Duration != 3*time.Second || chs[1].RadioID != "1305" {
		t.Fatalf("changes %+v", chs)
	}
	if c := mustChannel(t, tr, "disp"); c.Talker != "1305" || !c.Busy || !c.Since.Equal(at(3)) {
		t.Fatalf("state %+v", c)
	}
}

func TestHangTime(t *testing.T) {
	tr := NewTracker(testConfig())
	tr.Apply(Event{Kind: PTTStart, Channel: "tac2", RadioID: "1201", Time: at(0)})
	tr.Apply(Event{Kind: PTTEnd, Channel: "tac2", Time: at(5)})
	if c := mustChannel(t, tr, "tac2"); !c.Busy || c.Talker != "" {
		t.Fatalf("in hang time: %+v", c)
	}
	wantKinds(t, tr.Expire(at(6.9)))
	chs := tr.Expire(at(7))
	wantKinds(t, chs, "channel")
	if c := chs[0].Channel; c.Busy || !c.Since.Equal(at(7)) {
		t.Fatalf("after hang: %+v", c)
	}
	wantKinds(t, tr.Expire(at(8)))
}

func TestKeyUpDuringHangStartsNewTransmission(t *testing.T) {
	tr := NewTracker(testConfig())
	tr.Apply(Event{Kind: PTTStart, Channel: "tac2", RadioID: "1201", Time: at(0)})
	tr.Apply(Event{Kind: PTTEnd, Channel: "tac2", Time: at(5)})
	chs := tr.Apply(Event{Kind: PTTStart, Channel: "tac2", RadioID: "1201", Time: at(6)})
	wantKinds(t, chs, "ptt_start", "channel")
	wantKinds(t, tr.Expire(at(7.5))) // keyed: the old hang must not idle it
	if c := mustChannel(t, tr, "tac2"); !c.Busy || c.Talker != "1201" {
		t.Fatalf("state %+v", c)
	}
}

func TestCarrier(t *testing.T) {
	tr := NewTracker(testConfig())
	wantKinds(t, tr.Apply(Event{Kind: CarrierUp, Channel: "disp", Time: at(0)}), "channel")
	if c := mustChannel(t, tr, "disp"); !c.Busy || c.Talker != "" {
		t.Fatalf("carrier up: %+v", c)
	}
	wantKinds(t, tr.Apply(Event{Kind: CarrierUp, Channel: "disp", Time: at(0.1)})) // bounce
	// The decoder names the talker of the carrier: same transmission.
	chs := tr.Apply(Event{Kind: PTTStart, Channel: "disp", RadioID: "1201", Time: at(0.4)})
	wantKinds(t, chs, "ptt_start", "channel")
	if c := chs[1].Channel; c.Talker != "1201" || !c.Since.Equal(at(0)) {
		t.Fatalf("identified carrier: %+v", c)
	}
	chs = tr.Apply(Event{Kind: CarrierDown, Channel: "disp", Time: at(2)})
	wantKinds(t, chs, "ptt_end", "channel")
	if chs[0].Duration != 2*time.Second || chs[0].RadioID != "1201" || chs[1].Channel.Busy {
		t.Fatalf("carrier down: %+v", chs)
	}
	wantKinds(t, tr.Apply(Event{Kind: CarrierDown, Channel: "disp", Time: at(2.1)}))
}

func TestPostIDOnly(t *testing.T) {
	tr := NewTracker(testConfig())
	// Carrier, then the ID at the end of the transmission.
	tr.Apply(Event{Kind: CarrierUp, Channel: "disp", Time: at(0)})
	chs := tr.Apply(Event{Kind: PTTEnd, Channel: "disp", RadioID: "1201", Time: at(3)})
	wantKinds(t, chs, "ptt_end", "channel")
	if chs[0].RadioID != "1201" || chs[0].Duration != 3*time.Second {
		t.Fatalf("post-id: %+v", chs[0])
	}
	// A post-ID with no carrier seen is a transmission of unknown length.
	chs = tr.Apply(Event{Kind: PTTEnd, Channel: "disp", RadioID: "1305", Time: at(10)})
	wantKinds(t, chs, "ptt_end", "channel")
	if chs[0].RadioID != "1305" || chs[0].Duration != 0 || chs[1].Channel.LastTalker != "1305" {
		t.Fatalf("bare post-id: %+v", chs)
	}
}

func TestStuckMic(t *testing.T) {
	tr := NewTracker(testConfig())
	tr.Apply(Event{Kind: CarrierDown, Channel: "disp", Time: at(-1)}) // this channel reports ends
	tr.Apply(Event{Kind: PTTStart, Channel: "disp", RadioID: "1201", Time: at(0)})
	wantKinds(t, tr.Expire(at(59)))
	chs := tr.Expire(at(61))
	wantKinds(t, chs, "stuck_mic", "channel")
	if chs[0].RadioID != "1201" || !chs[0].Channel.StuckMic || chs[0].Duration != 61*time.Second {
		t.Fatalf("stuck mic: %+v", chs[0])
	}
	wantKinds(t, tr.Expire(at(120))) // raised once
	chs = tr.Apply(Event{Kind: PTTEnd, Channel: "disp", Time: at(130)})
	if chs[1].Channel.StuckMic {
		t.Fatal("stuck mic flag survived the end of the transmission")
	}
	// tac2 has no limit.
	tr.Apply(Event{Kind: CarrierUp, Channel: "tac2", Time: at(0)})
	for _, c := range tr.Expire(at(3600)) {
		if c.Kind == StuckMic {
			t.Fatal("stuck mic on a channel without a limit")
		}
	}
}

func TestAirtimePerHour(t *testing.T) {
	tr := NewTracker(testConfig())
	tr.Apply(Event{Kind: PTTStart, Channel: "disp", RadioID: "1", Time: at(10)})
	tr.Apply(Event{Kind: PTTEnd, Channel: "disp", Time: at(20)})
	tr.Apply(Event{Kind: PTTStart, Channel: "disp", RadioID: "2", Time: at(30)})
	tr.Apply(Event{Kind: PTTEnd, Channel: "disp", Time: at(35)})
	if c := mustChannel(t, tr, "disp"); c.AirtimeHour != 15*time.Second {
		t.Fatalf("airtime %v", c.AirtimeHour)
	}
	// A transmission across the hour boundary counts its part in the new hour.
	tr.Apply(Event{Kind: PTTStart, Channel: "disp", RadioID: "1", Time: at(3590)})
	tr.Apply(Event{Kind: PTTEnd, Channel: "disp", Time: at(3604)})
	if c := mustChannel(t, tr, "disp"); c.AirtimeHour != 4*time.Second {
		t.Fatalf("airtime after boundary %v", c.AirtimeHour)
	}
	tr.Expire(at(7300))
	if c := mustChannel(t, tr, "disp"); c.AirtimeHour != 0 {
		t.Fatalf("airtime not rolled over: %v", c.AirtimeHour)
	}
}

func TestNoChannel(t *testing.T) {
	tr := NewTracker(testConfig())
	wantKinds(t, tr.Apply(Event{Kind: PTTStart, RadioID: "1201", Time: at(0)}))
	// A named radio on a channel the configuration does not list (a trunked
	// talkgroup nobody configured) is still heard: start, end and presence
	// go out with the channel's name; no state is kept for it.
	chs0 := tr.Apply(Event{Kind: PTTStart, Channel: "nowhere", RadioID: "1201", Time: at(0)})
	wantKinds(t, chs0, "ptt_start")
	if chs0[0].Channel.Name != "nowhere" || chs0[0].RadioID != "1201" {
		t.Fatalf("unconfigured start %+v", chs0[0])
	}
	chs0 = tr.Apply(Event{Kind: PTTEnd, Channel: "nowhere", RadioID: "1201", Time: at(3), Duration: 3 * time.Second})
	wantKinds(t, chs0, "ptt_end")
	if chs0[0].Duration != 3*time.Second {
		t.Fatalf("unconfigured end %+v", chs0[0])
	}
	wantKinds(t, tr.Apply(Event{Kind: RadioOff, Channel: "nowhere", RadioID: "1201", Time: at(4)}), "radio_off")
	wantKinds(t, tr.Apply(Event{Kind: PTTStart, Channel: "nowhere", Time: at(5)})) // carrier without a radio: nothing to say
	chs := tr.Apply(Event{Kind: Status, RadioID: "1201", Status: "9", Time: at(0)})
	wantKinds(t, chs, "status")
	if chs[0].Status != "out-of-service" {
		t.Fatalf("status %+v", chs[0])
	}
	chs = tr.Apply(Event{Kind: Emergency, RadioID: "1201", Time: at(1)})
	wantKinds(t, chs, "emergency")
	chs = tr.Apply(Event{Kind: RadioCheck, RadioID: "1201", Time: at(2)})
	wantKinds(t, chs, "radio_check")
	if chs[0].RadioID != "1201" {
		t.Fatalf("radio check %+v", chs[0])
	}
}

func TestStatusTables(t *testing.T) {
	tr := NewTracker(testConfig())
	for _, tc := range []struct{ ch, code, word string }{
		{"disp", "1", "enroute"},    // channel's own table
		{"disp", "9", "status-9"},   // not in the channel's table: no fallback mixing
		{"tac2", "1", "available"},  // default table
		{"tac2", "42", "status-42"}, // unknown
		{"", "9", "out-of-service"}, // no channel
		{"", "", "status-"},         // empty code is still reported
	} {
		chs := tr.Apply(Event{Kind: Status, Channel: tc.ch, RadioID: "1201", Status: tc.code, Time: at(0)})
		wantKinds(t, chs, "status")
		if chs[0].Status != tc.word || chs[0].StatusCode != tc.code || chs[0].Channel.Name != tc.ch {
			t.Errorf("%s/%s: %+v, want %s", tc.ch, tc.code, chs[0], tc.word)
		}
	}
}

func TestUnknownEventKindIgnored(t *testing.T) {
	tr := NewTracker(testConfig())
	wantKinds(t, tr.Apply(Event{Kind: 200, Channel: "disp", Time: at(0)}))
}

func TestChannelsSortedAndReconfigure(t *testing.T) {
	tr := NewTracker(testConfig())
	if got := tr.Channels(); len(got) != 2 || got[0].Name != "disp" || got[1].Name != "tac2" {
		t.Fatalf("channels %+v", got)
	}
	tr.Apply(Event{Kind: PTTStart, Channel: "tac2", RadioID: "1201", Time: at(0)})
	cfg := testConfig()
	cfg.Channels = []ChannelConfig{
		{Name: "tac2", AlphaTag: "TAC 2 North", Freq: 460350000},
		{Name: "alpha", Freq: 1},
	}
	chs := tr.Reconfigure(cfg, at(1))
	wantKinds(t, chs, "channel", "channel")
	if chs[0].Channel.Name != "tac2" || chs[0].Channel.AlphaTag != "TAC 2 North" || !chs[0].Channel.Busy {
		t.Fatalf("reconfigured tac2 %+v", chs[0])
	}
	if c := mustChannel(t, tr, "alpha"); c.Busy || !c.Since.Equal(at(1)) {
		t.Fatalf("new channel %+v", c)
	}
	if _, ok := tr.Channel("disp"); ok {
		t.Fatal("removed channel still tracked")
	}
	if got := tr.Channels(); got[0].Name != "alpha" || got[1].Name != "tac2" {
		t.Fatalf("channels not sorted %+v", got)
	}
	wantKinds(t, tr.Reconfigure(cfg, at(2))) // same config: no change
}

func TestSnapshotRoundTrip(t *testing.T) {
	tr := NewTracker(testConfig())
	tr.Apply(Event{Kind: CarrierDown, Channel: "disp", Time: at(-1)})
	tr.Apply(Event{Kind: PTTStart, Channel: "disp", RadioID: "1201", Time: at(0)})
	tr.Apply(Event{Kind: PTTStart, Channel: "tac2", RadioID: "1305", Time: at(0)})
	tr.Apply(Event{Kind: PTTEnd, Channel: "tac2", Time: at(60.5)})
	tr.Apply(Event{Kind: Emergency, Channel: "disp", RadioID: "1201", Source: "mdc", Time: at(2)})
	tr.Apply(Event{Kind: Emergency, Channel: "tac2", RadioID: "1400", Time: at(3)})
	old := tr.Emergencies()[1].ID
	if _, err := tr.Clear(old, "disp4", at(4)); err != nil {
		t.Fatal(err)
	}
	tr.Expire(at(61)) // stuck mic on disp

	tr2 := restored(t, tr)
	if !reflect.DeepEqual(tr.Channels(), tr2.Channels()) {
		t.Fatalf("channels differ:\n%+v\n%+v", tr.Channels(), tr2.Channels())
	}
	if !reflect.DeepEqual(tr.Emergencies(), tr2.Emergencies()) {
		t.Fatalf("emergencies differ:\n%+v\n%+v", tr.Emergencies(), tr2.Emergencies())
	}
	// Timers survive: no second stuck-mic alarm, hang time still ends.
	wantKinds(t, tr2.Expire(at(63)), "channel")
	if c := mustChannel(t, tr2, "tac2"); c.Busy {
		t.Fatal("hang time lost in snapshot")
	}
	// A console repeating the clear after the restart is a no-op.
	if chs, err := tr2.Clear(old, "disp4", at(70)); err != nil || len(chs) != 0 {
		t.Fatalf("repeat clear after restore: %v %v", chs, err)
	}
	// The emergency from 1201 is still latched: a repeat is not a new alarm.
	wantKinds(t, tr2.Apply(Event{Kind: Emergency, Channel: "disp", RadioID: "1201", Time: at(80)}), "emergency_repeat")
}

func TestRestoreRejects(t *testing.T) {
	tr := NewTracker(testConfig())
	if err := tr.Restore(Snapshot{Version: 99}); err == nil {
		t.Fatal("accepted unknown version")
	}
	dup := Snapshot{Version: SnapshotVersion, Emergencies: []EmergencyState{{ID: "e-1-1"}, {ID: "e-1-1"}}}
	if err := tr.Restore(dup); err == nil {
		t.Fatal("accepted duplicate emergency")
	}
	if err := tr.Restore(Snapshot{Version: SnapshotVersion, Emergencies: []EmergencyState{{}}}); err == nil {
		t.Fatal("accepted emergency without id")
	}
}

func TestRestoreSkipsUnconfiguredChannels(t *testing.T) {
	tr := NewTracker(testConfig())
	s := Snapshot{Version: SnapshotVersion, Channels: []ChannelSnapshot{
		{State: ChannelState{Name: "gone", Busy: true}},
		{State: ChannelState{Name: "disp", AlphaTag: "stale tag", Busy: true, Talker: "1201"}, Keyed: true},
	}}
	if err := tr.Restore(s); err != nil {
		t.Fatal(err)
	}
	if _, ok := tr.Channel("gone"); ok {
		t.Fatal("restored an unconfigured channel")
	}
	if c := mustChannel(t, tr, "disp"); !c.Busy || c.Talker != "1201" || c.AlphaTag != "Dispatch" {
		t.Fatalf("restored disp %+v", c)
	}
}

func TestChangeKindString(t *testing.T) {
	want := map[ChangeKind]string{ChannelUpdated: "channel", TransmissionStart: "ptt_start",
		TransmissionEnd: "ptt_end", EmergencyRaised: "emergency", EmergencyAcked: "emergency_ack",
		EmergencyCleared: "emergency_clear", StatusChanged: "status", StuckMic: "stuck_mic",
		RadioCheckSeen: "radio_check", EmergencyRepeated: "emergency_repeat", 0: "", 250: "unknown"}
	for k, s := range want {
		if k.String() != s {
			t.Errorf("%d: %q, want %q", k, k.String(), s)
		}
	}
}

func TestAckUnknown(t *testing.T) {
	tr := NewTracker(testConfig())
	if _, err := tr.Ack("e-nope-1", "disp1", at(0)); !errors.Is(err, ErrUnknownEmergency) {
		t.Fatalf("ack unknown: %v", err)
	}
	if _, err := tr.Clear("e-nope-1", "disp1", at(0)); !errors.Is(err, ErrUnknownEmergency) {
		t.Fatalf("clear unknown: %v", err)
	}
}

func TestIDOnlyChannel(t *testing.T) {
	// A pre-ID decoder without COR: no end is ever reported.
	tr := NewTracker(testConfig())
	tr.Apply(Event{Kind: PTTStart, Channel: "disp", RadioID: "1201", Time: at(0)})
	wantKinds(t, tr.Expire(at(4.9)))
	chs := tr.Expire(at(5))
	wantKinds(t, chs, "ptt_end", "channel")
	if chs[0].RadioID != "1201" || chs[0].Duration != 0 || chs[1].Channel.Busy || chs[1].Channel.LastTalker != "1201" {
		t.Fatalf("id-only end: %+v", chs)
	}
	if c := mustChannel(t, tr, "disp"); c.AirtimeHour != 0 {
		t.Fatalf("invented airtime %v", c.AirtimeHour)
	}
	// Never a stuck mic on such a channel.
	tr.Apply(Event{Kind: PTTStart, Channel: "disp", RadioID: "1305", Time: at(100)})
	for _, c := range tr.Expire(at(1000)) {
		if c.Kind == StuckMic {
			t.Fatal("stuck mic on an ID-only channel")
		}
	}
	// Once an end is heard, transmissions last until their end.
	tr.Apply(Event{Kind: PTTEnd, Channel: "disp", RadioID: "1305", Time: at(1001)})
	tr.Apply(Event{Kind: PTTStart, Channel: "disp", RadioID: "1201", Time: at(1010)})
	wantKinds(t, tr.Expire(at(1030)))
	if c := mustChannel(t, tr, "disp"); !c.Busy || c.Talker != "1201" {
		t.Fatalf("after ends seen: %+v", c)
	}
}
