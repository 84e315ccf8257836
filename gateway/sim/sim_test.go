package sim

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"radiogw/gateway/codec/ars"
	"radiogw/gateway/codec/lines"
	"radiogw/gateway/codec/lrrp"
	"radiogw/gateway/codec/nmea"
	"radiogw/gateway/codec/taip"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

var t0 = time.Date(2026, 11, 23, 22, 14, 5, 0, time.UTC)

// quiet keeps Run's start-up log out of test output.
var quiet = slog.New(slog.DiscardHandler)

// concave is a U-shaped city: a straight leg between its two arms would
// cross the notch.
var concave = orb.Polygon{{
	{-117.86, 33.72}, {-117.80, 33.72}, {-117.80, 33.78}, {-117.82, 33.78},
	{-117.82, 33.735}, {-117.84, 33.735}, {-117.84, 33.78}, {-117.86, 33.78}, {-117.86, 33.72},
}}

type sent struct {
	unit string
	to   dest
	data []byte
}

func testOptions(seed int64) Options {
	return Options{
		Seed: seed, Units: 30, Boundary: concave, Rate: time.Second,
		NMEAAddr: "127.0.0.1:1", TAIPAddr: "127.0.0.1:2", LRRPAddr: "127.0.0.1:3", ARSAddr: "127.0.0.1:4",
		Channels: []string{"main", "tac2"}, EmergencyEvery: time.Minute,
	}.withDefaults()
}

// record runs ticks of every stream of a field and returns the messages.
func record(f *field, ticks int) []sent {
	var out []sent
	rec := func(u *unit, d dest, b []byte) {
		out = append(out, sent{u.CallSign, d, append([]byte(nil), b...)})
	}
	for range ticks {
		for _, s := range f.streams {
			s.step(rec)
		}
	}
	return out
}

func TestSameSeedSameField(t *testing.T) {
	a := record(newField(testOptions(7), t0), 600)
	b := record(newField(testOptions(7), t0), 600)
	c := record(newField(testOptions(8), t0), 600)
	if len(a) < 300 {
		t.Fatalf("only %d messages in 600 ticks of 30 units", len(a))
	}
	if len(a) != len(b) {
		t.Fatalf("same seed: %d vs %d messages", len(a), len(b))
	}
	for i := range a {
		if a[i].unit != b[i].unit || a[i].to != b[i].to || !bytes.Equal(a[i].data, b[i].data) {
			t.Fatalf("same seed, message %d differs:\n%q\n%q", i, a[i].data, b[i].data)
		}
	}
	same := 0
	for i := range min(len(a), len(c)) {
		if bytes.Equal(a[i].data, c[i].data) {
			same++
		}
	}
	if same > len(a)/10 {
		t.Errorf("different seeds gave %d identical messages of %d", same, len(a))
	}

	sa, sb := newField(testOptions(7), t0).script, newField(testOptions(7), t0).script
	for i := range 50 {
		la, _ := sa.next()
		lb, _ := sb.next()
		if la != lb {
			t.Fatalf("console line %d differs: %+v vs %+v", i, la, lb)
		}
	}
}

// TestMessagesDecode feeds the simulated traffic to radiogw's own decoders:
// every checksum must be valid and every position inside the boundary.
func TestMessagesDecode(t *testing.T) {
	o := testOptions(3)
	f := newField(o, t0)
	nm, _ := nmea.New(decode.Options{Source: "nmea", Strict: true})
	tp, _ := taip.New(decode.Options{Source: "taip", Strict: true})
	lr, _ := lrrp.New(decode.Options{Source: "lrrp"})
	ar, _ := ars.New(decode.Options{Source: "ars"})
	avlOf, radioOf := map[string]string{}, map[string]string{}
	for _, u := range f.units {
		avlOf[u.CallSign], radioOf[u.CallSign] = u.AVLID, u.RadioID
	}
	counts := map[dest]int{}
	identities := map[string]bool{}
	status := newStatusQueue()
	for _, s := range f.streams {
		s.status = status
	}
	for _, m := range record(f, 300) {
		counts[m.to]++
		fr := frame.Frame{Source: "sim", Peer: "127.0.0.1:40000", Received: t0.Add(time.Minute),
			Data: bytes.TrimRight(m.data, "\r\n")}
		var obs decode.Observations
		var err error
		switch m.to {
		case toNMEA:
			obs, err = nm.Decode(fr)
		case toTAIP:
			obs, err = tp.Decode(fr)
		case toLRRP:
			obs, err = lr.Decode(fr)
		case toARS:
			obs, err = ar.Decode(fr)
			if err == nil && (len(obs.Replies) != 1 || obs.Replies[0].Kind != ars.ReplyAck || len(obs.Identities) != 1 || obs.Identities[0].DeviceID != radioOf[m.unit]) {
				t.Errorf("ARS %x from %s: %+v, want a registration of radio %s", m.data, m.unit, obs, radioOf[m.unit])
			}
		}
		if err != nil {
			t.Fatalf("%s: %q does not decode: %v", m.unit, m.data, err)
		}
		for _, id := range obs.Identities {
			if m.to == toARS {
				continue
			}
			if id.DeviceID != avlOf[m.unit] {
				t.Errorf("%s announced %q, want %q", m.unit, id.DeviceID, avlOf[m.unit])
			}
			identities[m.unit] = true
		}
		for _, fx := range obs.Fixes {
			if !fx.Valid {
				t.Errorf("%s: invalid fix from %q", m.unit, m.data)
			}
			if m.to == toTAIP && fx.DeviceID != avlOf[m.unit] {
				t.Errorf("TAIP fix from %s filed under %q", m.unit, fx.DeviceID)
			}
			// the encodings round to ~1 m; allow that much outside
			if !planarNear(concave, orb.Point{fx.Lon, fx.Lat}) {
				t.Errorf("%s reported %.6f,%.6f outside the boundary", m.unit, fx.Lat, fx.Lon)
			}
			if fx.SpeedKmh < 0 || fx.SpeedKmh > maxSpeedKmh+2 || fx.Heading < 0 || fx.Heading >= 360 {
				t.Errorf("%s: implausible speed %.1f or heading %.1f", m.unit, fx.SpeedKmh, fx.Heading)
			}
		}
	}
	for _, d := range []dest{toNMEA, toTAIP, toLRRP, toARS} {
		if counts[d] == 0 {
			t.Errorf("no messages to destination %d", d)
		}
	}
	if len(identities) != 10 {
		t.Errorf("%d NMEA units sent $PSIWMDID, want all 10", len(identities))
	}

	// console lines parse with the built-in app_rpt profile
	ld, err := lines.New(decode.Options{Source: "console", Profile: lines.BuiltinProfiles()[lines.ProfileAppRpt]})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for range 15000 { // five more minutes: units depart, reach scenes, clear
		for _, s := range f.streams {
			s.step(func(*unit, dest, []byte) {})
		}
	}
	var console []consoleLine
	for len(status.lines) > 0 {
		console = append(console, <-status.lines)
	}
	if len(console) < 10 {
		t.Errorf("only %d status changes from 30 units in 300 s", len(console))
	}
	for range 200 {
		l, ok := f.script.next()
		if !ok {
			t.Fatal("no console traffic")
		}
		console = append(console, l)
	}
	for _, l := range console {
		obs, err := ld.Decode(frame.Frame{Source: "console", Received: l.at, Data: []byte(l.text)})
		if err != nil || len(obs.Events) != 1 {
			t.Fatalf("console line %q: %v, %d events", l.text, err, len(obs.Events))
		}
		kinds[fmt.Sprint(obs.Events[0].Kind)]++
	}
	for _, k := range []string{"ptt_start", "status", "emergency"} {
		if kinds[k] == 0 {
			t.Errorf("no %s in 200 console lines: %v", k, kinds)
		}
	}
}

// planarNear accepts points inside the polygon or within ~2 m of it.
func planarNear(p orb.Polygon, q orb.Point) bool {
	a := area{poly: p, bound: p.Bound()}
	const d = 0.00002
	for _, off := range []orb.Point{{0, 0}, {d, 0}, {-d, 0}, {0, d}, {0, -d}} {
		if a.contains(orb.Point{q[0] + off[0], q[1] + off[1]}) {
			return true
		}
	}
	return false
}

func TestUnitsStayInsideAndMovePlausibly(t *testing.T) {
	a := newArea(concave, orb.Point{})
	rng := rand.New(rand.NewSource(1))
	const dt = time.Second
	moves := 0
	statuses := map[byte]int{}
	for n := range 40 {
		v := newVehicle(a, rng)
		for step := range 3000 {
			prev, target, wasMoving := v.pos, v.target, v.moving()
			v.advance(a, rng, dt)
			switch code := v.pending; {
			case code == 0:
			case code == statusOnScene && (!v.call || v.moving()),
				code == statusEnroute && !v.call,
				code == statusAvailable && v.call:
				t.Fatalf("status %c with call=%v moving=%v", code, v.call, v.moving())
			default:
				statuses[code]++
			}
			v.pending = 0
			if !a.contains(v.pos) {
				t.Fatalf("vehicle %d left the boundary at step %d: %v", n, step, v.pos)
			}
			if wasMoving && v.moving() && v.target == target {
				moves++
				dx, dy := metres(prev, v.pos)
				bearing := math.Mod(math.Atan2(dx, dy)*180/math.Pi+360, 360)
				if diff := math.Abs(math.Remainder(bearing-v.heading, 360)); diff > 1 {
					t.Fatalf("heading %.1f but moved on %.1f", v.heading, bearing)
				}
				if got, want := math.Hypot(dx, dy), v.speed()/3.6*dt.Seconds(); math.Abs(got-want) > 0.5 {
					t.Fatalf("moved %.1f m in a second at %.1f km/h", got, v.speed())
				}
				if v.speed() < minSpeedKmh || v.speed() > maxSpeedKmh {
					t.Fatalf("speed %.1f km/h", v.speed())
				}
			}
		}
	}
	if moves < 40*1000 {
		t.Errorf("only %d moving steps: the vehicles barely drive", moves)
	}
	if statuses[statusAvailable] == 0 || statuses[statusEnroute] == 0 || statuses[statusOnScene] == 0 {
		t.Errorf("status changes %v: want available, en route and on scene", statuses)
	}
}

func TestDefaultAreaIsTenKilometres(t *testing.T) {
	a := newArea(nil, orb.Point{-117.8262, 33.7458})
	dx, dy := metres(a.bound.Min, a.bound.Max)
	if math.Abs(dx-10000) > 50 || math.Abs(dy-10000) > 50 {
		t.Errorf("default box is %.0f x %.0f m", dx, dy)
	}
}

func TestGenerateUnits(t *testing.T) {
	us := GenerateUnits(2000, []string{ProtoNMEA, ProtoTAIP, ProtoLRRP})
	seen := map[string]bool{}
	lr := 0
	for _, u := range us {
		if seen[u.CallSign] {
			t.Fatalf("call sign %s twice", u.CallSign)
		}
		seen[u.CallSign] = true
		if !isMDCID(u.RadioID) {
			t.Fatalf("radio ID %q is not 4 hex digits", u.RadioID)
		}
		if u.Protocol == ProtoLRRP {
			lr++
			if !strings.HasPrefix(u.AVLID, "127.1.") {
				t.Fatalf("lrrp AVL ID %q", u.AVLID)
			}
		}
	}
	if lr != 666 {
		t.Errorf("%d lrrp units of 2000, want 666", lr)
	}
	o := Options{UnitIDs: GenerateUnits(4000, []string{ProtoLRRP})}
	if err := o.validate(); err != nil {
		t.Errorf("generated units over the socket limit: %v", err)
	}
	bad := Options{UnitIDs: []SimUnit{{CallSign: "1A1", AVLID: "4521", Protocol: ProtoLRRP}}}
	if err := bad.validate(); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("lrrp unit with a modem ID: %v", err)
	}
}

func TestEncodings(t *testing.T) {
	// $GPRMC checksum over a known sentence body
	got := string(appendRMC(nil, t0, -33.5, 151.25, 18.52, 90))
	want := "$GPRMC,221405.00,A,3330.0000,S,15115.0000,E,10.0,90.0,231126,,,A"
	if !strings.HasPrefix(got, want+"*") {
		t.Fatalf("RMC %q", got)
	}
	var c byte
	for _, x := range []byte(want[1:]) {
		c ^= x
	}
	if got[len(want)+1:] != fmt.Sprintf("%02X\r\n", c) {
		t.Errorf("RMC checksum %q, want %02X", got[len(want)+1:], c)
	}
	if got := string(appendTAIP(nil, t0, "0017", 34.77708, -92.34531, 0, 292)); !strings.HasPrefix(got, ">RPV80045+3477708-0923453100029212;ID=0017;*") {
		t.Errorf("TAIP %q", got)
	}
	a, err := lrrp.Parse(lrrp.SuccessAnswer(lrrp.DocTriggeredLocationStartAnswerNCDT, 7))
	if err != nil || !a.HasResult || a.ResultCode != 0 || a.RequestID != 7 {
		t.Errorf("answer: %+v %v", a, err)
	}
	if got := fmt.Sprintf("%X", appendARSRegister(nil, "11")); got != "0007F0200231310000" {
		t.Errorf("ARS registration %s, want the captured 0007F0200231310000", got)
	}
}

// TestStallReplaysOneInterval: a wheel that wakes up an hour late sends one
// interval's reports, not an hour's.
func TestStallReplaysOneInterval(t *testing.T) {
	o := testOptions(9)
	f := newField(o, t0)
	s := f.streams[0]
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	sent := 0
	runStream(ctx, s, func(*unit, dest, []byte) { sent++ }, time.Now().Add(-time.Hour))
	// 10 units, 1 s interval: one replayed interval plus 0.3 s of live ticks,
	// with NMEA identity sentences, is at most ~3 reports per unit
	if units := len(s.units); sent == 0 || sent > 4*units {
		t.Errorf("%d messages from %d units after an hour's stall", sent, units)
	}
}
