package ars

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"radiogw/avl"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

const samplesPath = "../../../testdata/captures/lrrp/ars-samples.txt"

func loadSamples(tb testing.TB) map[string][]byte {
	tb.Helper()
	f, err := os.Open(samplesPath)
	if err != nil {
		tb.Fatalf("open samples: %v", err)
	}
	defer f.Close()
	out := map[string][]byte{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		b, err := hex.DecodeString(line)
		if err != nil {
			tb.Fatalf("%q: %v", line, err)
		}
		out[strings.ToUpper(line)] = b
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// TestSamples checks every message in the ARS capture file (testdata/captures/lrrp) against the
// readings of the ok-dmrlib tests the file comes from (test_ars.py).
func TestSamples(t *testing.T) {
	samples := loadSamples(t)
	cases := map[string]struct {
		typ                      PDUType
		more, ack, prio, control bool
		event                    Event
		device, user             string
		refresh                  time.Duration
		csbk                     bool
		kind                     string // reply kinds Decode emits, "" for none
		identity                 bool
	}{
		// test_ars_device_reg: registration of radio "11", initial event.
		"0007F0200231310000": {PDUDeviceRegistration, true, true, true, true, EventInitial, "11", "", 0, false, ReplyAck + " " + ReplyLocationRequest, true},
		// test_ars_device_dereg
		"000131": {PDUDeviceDeregistration, false, false, true, true, EventNone, "", "", 0, false, "", false},
		// test_ars_device_user_registration: user "999999999" at radio "11".
		"0010F5000231310939393939393939393900": {PDUUserRegistration, true, true, true, true, EventNone, "11", "999999999", 0, false, "", true},
		// test_ars_response: success with a 30-minute refresh time.
		"0002BF01": {PDUResponse, true, false, true, true, EventNone, "", "", 30 * time.Minute, false, "", false},
		// test_su_query
		"000174": {PDUQueryRequest, false, true, true, true, EventNone, "", "", 0, false, "", false},
		// test_su_query_response
		"00013F": {PDUResponse, false, false, true, true, EventNone, "", "", 0, false, "", false},
		// test_csbk_ars: response with the CSBK trailer.
		"00033F1080": {PDUResponse, false, false, true, true, EventNone, "", "", 0, true, "", false},
	}
	if len(samples) != len(cases) {
		t.Fatalf("%d samples in the file, %d expectations", len(samples), len(cases))
	}
	lrrpIn := func(c string) string {
		if c == "lrrp" {
			return "lrrp-in"
		}
		return ""
	}
	dec, _ := New(decode.Options{Source: "ars", SourceFor: lrrpIn})
	const peer = "12.0.0.11:4005"
	for hexs, b := range samples {
		c, ok := cases[hexs]
		if !ok {
			t.Errorf("no expectation for %s", hexs)
			continue
		}
		m, err := Parse(b)
		if err != nil {
			t.Errorf("%s: %v", hexs, err)
			continue
		}
		if m.Type != c.typ || m.MoreHeaders != c.more || m.Acknowledged != c.ack || m.Priority != c.prio || m.Control != c.control {
			t.Errorf("%s: header %+v", hexs, m)
		}
		if m.Event != c.event || m.DeviceID != c.device || m.UserID != c.user || m.Refresh != c.refresh || m.CSBK != c.csbk {
			t.Errorf("%s: %+v", hexs, m)
		}
		obs, err := dec.Decode(frame.Frame{Source: "ars", Peer: peer, Data: b})
		if c.kind == "" && !c.identity {
			if err != decode.Ignored {
				t.Errorf("%s: Decode %v, want Ignored", hexs, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: Decode: %v", hexs, err)
			continue
		}
		if c.identity {
			want := decode.Identity{Peer: peer, DeviceID: c.device, Kind: avl.RadioID}
			if len(obs.Identities) != 1 || obs.Identities[0] != want {
				t.Errorf("%s: identities %+v", hexs, obs.Identities)
			}
		} else if len(obs.Identities) != 0 {
			t.Errorf("%s: unexpected identities %+v", hexs, obs.Identities)
		}
		var kinds []string
		for _, r := range obs.Replies {
			kinds = append(kinds, r.Kind)
		}
		if got := strings.Join(kinds, " "); got != c.kind {
			t.Errorf("%s: replies %q, want %q", hexs, got, c.kind)
		}
		if c.kind != "" {
			ack, req := obs.Replies[0], obs.Replies[1]
			if ack.Via != "" || ack.Peer != peer || !bytes.Equal(ack.Data, RegistrationAck(DefaultRefresh)) {
				t.Errorf("%s: ack %+v", hexs, ack)
			}
			if req.Via != "lrrp-in" || req.Peer != "12.0.0.11:4001" || !bytes.Equal(req.Data, LocationRequest("11", DefaultInterval)) {
				t.Errorf("%s: location request %+v", hexs, req)
			}
		}
	}
}

func TestEncodersMatchSamples(t *testing.T) {
	samples := loadSamples(t)
	for _, c := range []struct {
		got  []byte
		want string
	}{
		{RegistrationAck(30 * time.Minute), "0002BF01"},
		{RegistrationAck(0), "00013F"},
		{QueryRequest(), "000174"},
	} {
		want, ok := samples[c.want]
		if !ok {
			t.Fatalf("%s not in the sample file", c.want)
		}
		if !bytes.Equal(c.got, want) {
			t.Errorf("got %X, want %s", c.got, c.want)
		}
	}
	// Refresh times round up to 30-minute steps and cap at 127 steps.
	for _, c := range []struct {
		d     time.Duration
		steps byte
	}{{time.Minute, 1}, {31 * time.Minute, 2}, {2 * time.Hour, 4}, {1000 * time.Hour, 127}} {
		b := RegistrationAck(c.d)
		m, err := Parse(b)
		if err != nil || !m.Success() || b[3] != c.steps || m.Refresh != time.Duration(c.steps)*30*time.Minute {
			t.Errorf("RegistrationAck(%v) = %X (%+v, %v)", c.d, b, m, err)
		}
	}
}

func TestDecodeEdgeCases(t *testing.T) {
	dec, _ := New(decode.Options{})
	cases := []struct {
		name   string
		peer   string
		data   string
		reason string
		id     string // device ID of the register request when reason == ""
	}{
		// Refresh registration from a real capture header: F0 40, radio "36022".
		{"refresh registration", "12.0.140.182:4005", "000AF0400533363032320000", "", "36022"},
		// Without the registration header and without user/password fields.
		{"short registration", "12.0.0.7:4005", "00040002" + "3737", "", "77"},
		// Empty device ID: the sender address names the radio.
		{"empty id", "12.0.4.210:4005", "0004F0200000", "", "1234"},
		{"empty id unknown peer", "", "0004F0200000", "invalid", ""},
		{"unprintable id", "12.0.0.1:4005", "00050002310A00", "invalid", ""},
		{"id overruns", "12.0.0.1:4005", "0004F0200931", "syntax", ""},
		{"length overruns", "12.0.0.1:4005", "0009F020", "syntax", ""},
		{"zero length", "12.0.0.1:4005", "000031", "syntax", ""},
		{"short", "12.0.0.1:4005", "0001", "syntax", ""},
		{"missing second header", "12.0.0.1:4005", "0001BF", "syntax", ""},
		{"unknown pdu", "12.0.0.1:4005", "000132", "unsupported", ""},
		{"nak", "12.0.0.1:4005", "0002FF00", "ignored", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := hex.DecodeString(c.data)
			if err != nil {
				t.Fatal(err)
			}
			obs, err := dec.Decode(frame.Frame{Peer: c.peer, Data: b})
			if c.reason != "" {
				if decode.Reason(err) != c.reason || !obs.Empty() {
					t.Fatalf("err %v (%q), obs %+v; want %q", err, decode.Reason(err), obs, c.reason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// Without an lrrp source, a registration is acknowledged only.
			if len(obs.Replies) != 1 || obs.Replies[0].Kind != ReplyAck || obs.Replies[0].Peer != c.peer ||
				len(obs.Identities) != 1 || obs.Identities[0].DeviceID != c.id {
				t.Errorf("%+v", obs)
			}
		})
	}
	m, _ := Parse([]byte{0x00, 0x02, 0xFF, 0x01})
	if m.Success() || m.FailureReason != 1 {
		t.Errorf("nak: %+v", m)
	}
}
