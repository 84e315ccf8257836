package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"radiogw/gateway/codec/calamp"
	"radiogw/gateway/testsvc"
)

// calampSite adds a CalAmp LM Direct source and a listed LMU to a test site.
func calampSite(t *testing.T) (*site, int) {
	s := newSite(t)
	port := testsvc.FreeUDPPort(t)
	s.extra = fmt.Sprintf(`
source "udp" "calamp" {
  listen = "127.0.0.1:%d"
  codec  = "calamp"
}

unit "7C01" {
  alpha_tag = "7C01 Supervisor"
  avl_ids   = ["4631000817"]
}
`, port)
	return s, port
}

// lmu is a CalAmp unit on a UDP socket of its own, as on a cellular modem.
type lmu struct {
	conn *net.UDPConn
	to   *net.UDPAddr
}

func newLMU(t *testing.T, port int) *lmu {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &lmu{conn: c, to: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}}
}

func (u *lmu) send(t *testing.T, m calamp.Message) {
	t.Helper()
	b, err := calamp.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	u.sendRaw(t, b)
}

func (u *lmu) sendRaw(t *testing.T, b []byte) {
	t.Helper()
	if _, err := u.conn.WriteToUDP(b, u.to); err != nil {
		t.Fatal(err)
	}
}

// ack reads the next datagram radiogw sends the unit and checks it is the
// acknowledgement of seq/msgType, from the port the unit reports to.
func (u *lmu) ack(t *testing.T, seq uint16, msgType int) {
	t.Helper()
	buf := make([]byte, 256)
	u.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, from, err := u.conn.ReadFromUDP(buf)
	if err != nil {
		t.Fatalf("no acknowledgement of sequence %d: %v", seq, err)
	}
	if want := calamp.Ack(seq, msgType); !bytes.Equal(buf[:n], want) {
		t.Fatalf("reply % x, want the ack % x", buf[:n], want)
	}
	if from.Port != u.to.Port {
		t.Fatalf("ack from %s, want from the source's port %d", from, u.to.Port)
	}
}

// CalAmp LMUs report over UDP to a codec = "calamp" source: the event report
// of a listed unit and the mini event report of an unlisted one move their
// units (MQTT and API), each acknowledged request gets its ack with the
// request's sequence number, and an unacknowledged report gets none.
func TestCalAmpReportsAndAcks(t *testing.T) {
	s, port := calampSite(t)
	s.write(t)
	s.start(t)
	sub := subscribe(t, fmt.Sprintf("127.0.0.1:%d", s.mqttPort), "radiogw/test/units/#")
	dev := newLMU(t, port)
	now := time.Now().UTC().Truncate(time.Second)

	dev.send(t, calamp.Message{MobileID: "4631000817", MobileIDType: 1, Service: calamp.ServiceAcknowledged,
		Type: calamp.TypeEventReport, Sequence: 0x1234, Report: &calamp.Report{UpdateTime: now, FixTime: now.Add(-time.Second),
			Lat: 47.3769, Lon: 8.5417, AltitudeM: 408, SpeedKmh: 36, Heading: 90, Satellites: 9, HDOP: 0.9,
			Inputs: 1, EventCode: 12, HasEvent: true}})
	dev.ack(t, 0x1234, calamp.TypeEventReport)
	sub.waitTopic(t, "radiogw/test/units/7C01", 10*time.Second, positionAt(47.3769, 8.5417))

	// An unacknowledged locate report moves the unit and is not answered:
	// the next datagram the unit sees is the ack of the mini event report.
	dev.send(t, calamp.Message{MobileID: "4631000817", MobileIDType: 1, Service: calamp.ServiceUnacknowledged,
		Type: calamp.TypeLocateReport, Sequence: 0x1235, Report: &calamp.Report{UpdateTime: now.Add(time.Second),
			FixTime: now.Add(time.Second), Lat: 47.3770, Lon: 8.5418, Satellites: 8, HDOP: 1.1}})
	sub.waitTopic(t, "radiogw/test/units/7C01", 10*time.Second, positionAt(47.3770, 8.5418))
	dev.send(t, calamp.Message{MobileID: "4631000999", MobileIDType: 1, Service: calamp.ServiceAcknowledged,
		Type: calamp.TypeMiniEventReport, Sequence: 7, Report: &calamp.Report{Mini: true, UpdateTime: now,
			Lat: -33.8688, Lon: 151.2093, SpeedKmh: 50, Heading: 45, Satellites: 10, HasEvent: true}})
	dev.ack(t, 7, calamp.TypeMiniEventReport)
	sub.waitTopic(t, "radiogw/test/units/4631000999", 10*time.Second, positionAt(-33.8688, 151.2093))

	// A captured report (testdata/captures/calamp, IMEI-type mobile ID) is
	// acknowledged by its own sequence number.
	captured, _ := hex.DecodeString("8308352648068863398f01070102039c5cfc4dcd5cfc4dcd19913f5dcce1291e000033fa0000005801110800019aff9d6f0e13003e0b02000000000000000000")
	dev.sendRaw(t, captured)
	dev.ack(t, 0x039c, calamp.TypeEventReport)

	var u unitState
	if err := json.Unmarshal([]byte(httpGet(t, fmt.Sprintf("http://127.0.0.1:%d/api/v1/units/7C01", s.httpPort))), &u); err != nil ||
		u.Position == nil || !near(u.Position.Lat, 47.3770) || !near(u.Position.Lon, 8.5418) || !u.Position.FixTime.Equal(now.Add(time.Second)) {
		t.Fatalf("API unit 7C01: %+v (%v)", u, err)
	}
	// The ack leaves before radiogw counts it: wait for the count.
	m := waitCount(t, s.httpPort, 5*time.Second, 3, "radiogw_replies_total", `source="calamp"`, `result="sent"`)
	for _, r := range []string{"denied", "rate_limited_peer", "rate_limited_total", "send_failed", "no_source"} {
		if _, ok := m[fmt.Sprintf(`radiogw_replies_total{result=%q,source="calamp"}`, r)]; !ok {
			t.Errorf("radiogw_replies_total{result=%q} is not exported at zero", r)
		}
	}
}

// Garbage and truncated reports are counted and not acknowledged; the
// source keeps working.
func TestCalAmpGarbageIsNotAcked(t *testing.T) {
	s, port := calampSite(t)
	s.write(t)
	s.start(t)
	dev := newLMU(t, port)
	full, _ := calamp.Encode(calamp.Message{MobileID: "4631000817", MobileIDType: 1, Service: calamp.ServiceAcknowledged,
		Type: calamp.TypeEventReport, Sequence: 1, Report: &calamp.Report{UpdateTime: time.Now(), FixTime: time.Now(), Lat: 1, Lon: 1}})
	dev.sendRaw(t, full[:30])                         // ends inside the position
	dev.sendRaw(t, []byte{0x81, 0x08, 0x01, 0x02})    // the mobile ID runs past the frame
	dev.sendRaw(t, []byte{0x05, 0x02, 0x00, 0x01, 9}) // no such service type
	dev.sendRaw(t, full)
	dev.ack(t, 1, calamp.TypeEventReport)
	waitMetric(t, s.httpPort, 10*time.Second, "three syntax errors", func(m metricSet) bool {
		return m.get("radiogw_decode_errors_total", `source="calamp"`, `reason="syntax"`) == 3
	})
}

// The codec reads its own settings from the source's options block: with
// ack = false the reports still move the unit and nothing is sent back.
// `radiogw check` reports a setting the codec does not have, and an options
// block on a codec without settings.
func TestCalAmpOptionsBlock(t *testing.T) {
	s := newSite(t)
	port := testsvc.FreeUDPPort(t)
	s.extra = fmt.Sprintf(`
source "udp" "calamp" {
  listen = "127.0.0.1:%d"
  codec  = "calamp"
  options {
    ack = false
  }
}
`, port)
	s.write(t)
	s.start(t)
	sub := subscribe(t, fmt.Sprintf("127.0.0.1:%d", s.mqttPort), "radiogw/test/units/#")
	dev := newLMU(t, port)
	now := time.Now().UTC().Truncate(time.Second)
	dev.send(t, calamp.Message{MobileID: "4631000555", MobileIDType: 1, Service: calamp.ServiceAcknowledged,
		Type: calamp.TypeEventReport, Sequence: 1, Report: &calamp.Report{UpdateTime: now, FixTime: now,
			Lat: 40.7128, Lon: -74.006, Satellites: 7, HDOP: 1.2, HasEvent: true}})
	sub.waitTopic(t, "radiogw/test/units/4631000555", 10*time.Second, positionAt(40.7128, -74.006))
	dev.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	if n, _, err := dev.conn.ReadFromUDP(make([]byte, 64)); err == nil {
		t.Fatalf("ack = false, yet %d bytes came back", n)
	}

	for _, c := range []struct{ codec, options, want string }{
		{"calamp", "bogus = 1", `An argument named "bogus" is not expected here`},
		{"calamp", `ack = "maybe"`, "Unsuitable value type"},
		{"nmea", "ack = false", `An argument named "ack" is not expected here`},
	} {
		cfg := filepath.Join(t.TempDir(), "radiogw.hcl")
		body := fmt.Sprintf("site = \"x\"\n\nsource \"udp\" \"s\" {\n  listen = \"127.0.0.1:1\"\n  codec  = %q\n  options {\n    %s\n  }\n}\n", c.codec, c.options)
		os.WriteFile(cfg, []byte(body), 0o644)
		out, err := exec.Command(binary, "check", "-config", cfg).CombinedOutput()
		if err == nil || !strings.Contains(string(out), c.want) {
			t.Errorf("check of %s options { %s }: %v, output lacks %q:\n%s", c.codec, c.options, err, c.want, out)
		}
	}
}
