package influx

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/change"
	"radiogw/gateway/publish/outbox"
)

func TestWriteEncodesEveryKindOnce(t *testing.T) {
	o := openOutbox(t, t.TempDir(), nil)
	defer o.Close()
	s := newSink(t, o, "")
	s.opts.UnitOf = func(radio string) string {
		if radio == "1300" {
			return "3B07"
		}
		return ""
	}
	history := fix(1)
	history.Live = false
	history.Fix.Lat = 33.7001
	noPos := fix(2)
	noPos.Fix.Lat = avl.Unknown
	raised := channels.Change{Kind: channels.EmergencyRaised, Time: base,
		Emergency: channels.EmergencyState{ID: "e-1", RadioID: "1300", Channel: "tac2", Since: base}}
	b := change.Batch{
		Units: []avl.Change{fix(0), history, noPos, {Kind: avl.FixRejected, Fix: fix(3).Fix},
			{Kind: avl.UnitUpdated, Time: base}},
		Channels: []channels.Change{
			{Kind: channels.TransmissionStart, Time: base, RadioID: "1201"},
			transmission(0),
			{Kind: channels.StatusChanged, Time: base, RadioID: "1201", Status: "enroute", StatusCode: "3"},
			raised,
			{Kind: channels.ChannelUpdated, Time: base},
		},
		Events: []change.Event{{Kind: "ptt_end", RadioID: "1200", Unit: "2A12"},
			{Kind: "status", RadioID: "1201", Unit: "2A14"}},
	}
	if err := s.Write(b); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Invalid != 1 {
		t.Fatalf("invalid = %d, want 1 (the fix without latitude)", st.Invalid)
	}
	es, _ := o.Peek(100)
	var got []string
	for _, e := range es {
		got = append(got, e.Class.String()+" "+string(e.Data))
	}
	want := []string{
		"position unit_position,site=tustin,source=avl-udp,type=patrol,unit=2A00 heading=0,lat=33.7,lon=-117.8,speed_kmh=0 " + ns(fix(0).Time),
		"position unit_position,site=tustin,source=avl-udp,type=patrol,unit=2A01 heading=1,lat=33.7001,lon=-117.8001,speed_kmh=1 " + ns(history.Time),
		`event transmission,channel=tac2,site=tustin duration_s=1.5,radio_id="1200",unit="2A12" ` + ns(base),
		`event unit_status,site=tustin,unit=2A14 code="3",radio_id="1201",status="enroute" ` + ns(base),
		`event emergency,channel=tac2,site=tustin,unit=3B07 count=0,id="e-1",radio_id="1300",state="raised" ` + ns(base),
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !es[2].Time.Equal(base) || es[2].Class != outbox.ClassEvent {
		t.Fatalf("transmission entry time %v class %v", es[2].Time, es[2].Class)
	}
}

func ns(t time.Time) string { return strconv.FormatInt(t.UnixNano(), 10) }

func TestNoURLKeepsEverythingForExport(t *testing.T) {
	o := openOutbox(t, t.TempDir(), nil)
	defer o.Close()
	s := newSink(t, o, "")
	if err := s.Write(fixes(0, 10)); err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	n, err := Export(o, &sb)
	if err != nil || n != 10 {
		t.Fatalf("export: %d %v", n, err)
	}
	lines := strings.Split(strings.TrimSuffix(sb.String(), "\n"), "\n")
	if len(lines) != 10 || !strings.HasPrefix(lines[9], "unit_position,site=tustin,source=avl-udp,type=patrol,unit=2A09 ") {
		t.Fatalf("export lines: %q", lines)
	}
	if o.Stats().Depth != 10 {
		t.Fatal("export acknowledged entries")
	}
}

func TestHealthPoint(t *testing.T) {
	o := openOutbox(t, t.TempDir(), nil)
	defer o.Close()
	s := newSink(t, o, "")
	s.Write(fixes(0, 3))
	if err := s.WriteHealth(base, map[string]float64{"sources_up": 4}); err != nil {
		t.Fatal(err)
	}
	es, _ := o.Peek(10)
	h := string(es[3].Data)
	for _, want := range []string{"radiogw_health,site=tustin ", "outbox_depth=3,", "sources_up=4", "dropped_cap_event=0", "influx_written=0"} {
		if !strings.Contains(h, want) {
			t.Errorf("health point %q lacks %q", h, want)
		}
	}
}

func TestRunEndsWhenTheOutboxIsClosed(t *testing.T) {
	o := openOutbox(t, t.TempDir(), nil)
	s := newSink(t, o, "http://127.0.0.1:1")
	o.Close()
	done := make(chan error, 1)
	go func() { done <- s.Run(context.Background()) }()
	select {
	case err := <-done:
		if !errors.Is(err, outbox.ErrClosed) {
			t.Fatalf("Run returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run kept going on a closed outbox")
	}
}
