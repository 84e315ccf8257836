package sim

import (
	"testing"
	"time"

	"radiogw/gateway/codec/calamp"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

// The simulator's CalAmp units send acknowledged LM Direct event reports
// that radiogw's decoder files under their ESN, inside the boundary, each
// asking for an ack with its own sequence number.
func TestCalAmpUnitsDecode(t *testing.T) {
	o := Options{Seed: 5, Units: 6, Boundary: concave, Rate: time.Second, NMEAAddr: "127.0.0.1:1",
		CalAmpAddr: "127.0.0.1:5"}.withDefaults()
	if err := o.validate(); err != nil {
		t.Fatal(err)
	}
	f := newField(o, t0)
	dec, _ := calamp.New(decode.Options{Source: "calamp"})
	avlOf := map[string]string{}
	for _, u := range f.units {
		avlOf[u.CallSign] = u.AVLID
	}
	n := 0
	for _, m := range record(f, 1200) {
		if m.to != toCalAmp {
			continue
		}
		n++
		obs, err := dec.Decode(frame.Frame{Source: "calamp", Peer: "127.0.0.1:40000", Received: t0.Add(time.Minute), Data: m.data})
		if err != nil || len(obs.Fixes) != 1 || len(obs.Replies) != 1 {
			t.Fatalf("%s: % x: %+v, %v", m.unit, m.data, obs, err)
		}
		fx := obs.Fixes[0]
		if fx.DeviceID != avlOf[m.unit] || !fx.Valid || !planarNear(concave, [2]float64{fx.Lon, fx.Lat}) {
			t.Errorf("%s: fix %+v", m.unit, fx)
		}
		msg, _ := calamp.Parse(m.data)
		if obs.Replies[0].Kind != calamp.ReplyAck || string(obs.Replies[0].Data) != string(calamp.Ack(msg.Sequence, calamp.TypeEventReport)) {
			t.Errorf("%s: reply %+v", m.unit, obs.Replies[0])
		}
	}
	if n < 30 {
		t.Fatalf("%d CalAmp reports in 1200 ticks", n)
	}
	if got := UnitsFromRoster(nil); len(got) != 0 {
		t.Fatal(got)
	}
}
