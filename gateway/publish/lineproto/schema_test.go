package lineproto

import (
	"testing"
	"time"

	"radiogw/avl"
	"radiogw/channels"
)

func fixChange() avl.Change {
	return avl.Change{Kind: avl.FixAccepted, Time: t1.Add(time.Second),
		Unit: avl.Unit{ID: "2A12", Type: "patrol"},
		Fix: avl.Fix{Source: "avl-udp", Time: t1, Lat: 33.74562, Lon: -117.82311,
			SpeedKmh: 42.5, Heading: 270, HDOP: avl.Unknown, AltitudeM: avl.Unknown, AccuracyM: avl.Unknown}}
}

func TestPosition(t *testing.T) {
	c := fixChange()
	got, err := Position(nil, "tustin", &c)
	if err != nil {
		t.Fatal(err)
	}
	want := "unit_position,site=tustin,source=avl-udp,type=patrol,unit=2A12 heading=270,lat=33.74562,lon=-117.82311,speed_kmh=42.5 1795472045123456789"
	if string(got) != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
	c.Unit.Unlisted, c.Unit.Type, c.Fix.Time = true, "", time.Time{}
	got, _ = Position(nil, "tustin", &c)
	want = "unit_position,site=tustin,source=avl-udp,unit=2A12,unlisted=true heading=270,lat=33.74562,lon=-117.82311,speed_kmh=42.5 1795472046123456789"
	if string(got) != want {
		t.Fatalf("unlisted, no fix time:\n got %s\nwant %s", got, want)
	}
	c.Fix.Lat = avl.Unknown
	if _, err := Position(nil, "tustin", &c); err == nil {
		t.Fatal("a fix without latitude became a point")
	}
}

// A fix that went to history without moving its unit is tagged late=true
// with its reason, at its own time.
func TestPositionLate(t *testing.T) {
	c := fixChange()
	c.Reason = avl.LateTooOld
	got, err := Position(nil, "tustin", &c)
	if err != nil {
		t.Fatal(err)
	}
	want := "unit_position,late=true,site=tustin,source=avl-udp,type=patrol,unit=2A12 heading=270,late_reason=\"too_old\",lat=33.74562,lon=-117.82311,speed_kmh=42.5 1795472045123456789"
	if string(got) != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
}

func TestTransmissionIsStampedAtPTT(t *testing.T) {
	c := channels.Change{Kind: channels.TransmissionEnd, Time: t1, Duration: 4500 * time.Millisecond,
		RadioID: "1201", Channel: channels.ChannelState{Name: "tac2"}}
	got, err := Transmission(nil, "tustin", "2A12", &c)
	if err != nil {
		t.Fatal(err)
	}
	want := `transmission,channel=tac2,site=tustin duration_s=4.5,radio_id="1201",unit="2A12" 1795472040623456789`
	if string(got) != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
}

func TestStatusAndEmergency(t *testing.T) {
	s := channels.Change{Kind: channels.StatusChanged, Time: t1, RadioID: "1201", Status: "enroute", StatusCode: "3"}
	got, _ := Status(nil, "tustin", "2A12", &s)
	if want := `unit_status,site=tustin,unit=2A12 code="3",radio_id="1201",status="enroute" 1795472045123456789`; string(got) != want {
		t.Fatalf("status:\n got %s\nwant %s", got, want)
	}
	e := channels.Change{Kind: channels.EmergencyAcked, Time: t1,
		Emergency: channels.EmergencyState{ID: "e-1", RadioID: "1201", Channel: "tac2", AckedBy: "disp4"}}
	got, _ = Emergency(nil, "tustin", "2A12", &e)
	if want := `emergency,channel=tac2,site=tustin,unit=2A12 acked_by="disp4",count=0,id="e-1",radio_id="1201",state="acked" 1795472045123456789`; string(got) != want {
		t.Fatalf("emergency:\n got %s\nwant %s", got, want)
	}
	// An emergency that does not name its radio or channel takes the change's.
	e = channels.Change{Kind: channels.EmergencyRaised, Time: t1, RadioID: "1300",
		Channel: channels.ChannelState{Name: "disp1"}, Emergency: channels.EmergencyState{ID: "e-2"}}
	got, _ = Emergency(nil, "tustin", "2A13", &e)
	if want := `emergency,channel=disp1,site=tustin,unit=2A13 count=0,id="e-2",radio_id="1300",state="raised" 1795472045123456789`; string(got) != want {
		t.Fatalf("emergency without its own radio:\n got %s\nwant %s", got, want)
	}
	for k, want := range map[channels.ChangeKind]string{channels.EmergencyRaised: "raised",
		channels.EmergencyCleared: "cleared", channels.EmergencyRepeated: "repeated", channels.StatusChanged: ""} {
		if got := EmergencyState(k); got != want {
			t.Errorf("EmergencyState(%v) = %q, want %q", k, got, want)
		}
	}
}

func TestHealth(t *testing.T) {
	got, _ := Health(nil, "tustin", t1, map[string]float64{"outbox_depth": 12, "dropped_cap_event": 0})
	if want := "radiogw_health,site=tustin dropped_cap_event=0,outbox_depth=12 1795472045123456789"; string(got) != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
}

func BenchmarkPosition(b *testing.B) {
	c := fixChange()
	var buf []byte
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf, _ = Position(buf[:0], "tustin", &c)
	}
}
