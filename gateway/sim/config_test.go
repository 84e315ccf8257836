package sim

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"radiogw/gateway/codec/lines"
	"radiogw/hcl"
)

func TestFromDemoConfig(t *testing.T) {
	cfg, err := hcl.Load("../../hcl/examples/demo", hcl.Options{Profiles: lines.BuiltinNames()})
	if err != nil {
		t.Fatalf("demo config: %v", err)
	}
	o, err := FromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if o.NMEAAddr != "127.0.0.1:5005" || o.TAIPAddr != "127.0.0.1:5006" || o.LRRPAddr != "127.0.0.1:4001" ||
		o.ARSAddr != "127.0.0.1:4005" || o.CalAmpAddr != "127.0.0.1:20500" || o.ConsolePath != "./data/console-tac1" {
		t.Errorf("destinations: nmea %q taip %q lrrp %q ars %q calamp %q console %q", o.NMEAAddr, o.TAIPAddr, o.LRRPAddr,
			o.ARSAddr, o.CalAmpAddr, o.ConsolePath)
	}
	if len(o.Channels) != 1 || o.Channels[0] != "tac1" {
		t.Errorf("console channels %v, want the console source's tac1", o.Channels)
	}
	if len(o.UnitIDs) != len(cfg.Units) || len(o.UnitIDs) == 0 {
		t.Fatalf("%d sim units for %d roster units", len(o.UnitIDs), len(cfg.Units))
	}
	protos := map[string]int{}
	for _, u := range o.UnitIDs {
		protos[u.Protocol]++
		if !isMDCID(u.RadioID) {
			t.Errorf("unit %s: radio ID %q cannot key up on an app_rpt console", u.CallSign, u.RadioID)
		}
	}
	if protos[ProtoNMEA] == 0 || protos[ProtoTAIP] == 0 || protos[ProtoLRRP] == 0 || protos[ProtoCalAmp] != 1 {
		t.Errorf("protocol mix %v", protos)
	}
	if len(o.Boundary) == 0 || !o.Boundary.Bound().Contains(orb.Point{-117.82, 33.74}) {
		t.Errorf("boundary %v does not cover the demo city", o.Boundary.Bound())
	}
	if err := o.withDefaults().validate(); err != nil {
		t.Error(err)
	}
}

func TestDialable(t *testing.T) {
	for in, want := range map[string]string{
		":5005": "127.0.0.1:5005", "0.0.0.0:4001": "127.0.0.1:4001", "[::]:4005": "127.0.0.1:4005",
		"127.0.0.1:5006": "127.0.0.1:5006", "10.1.2.3:5006": "10.1.2.3:5006",
	} {
		if got := dialable(in); got != want {
			t.Errorf("dialable(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBoundaryFromGeoJSON(t *testing.T) {
	demo, err := os.ReadFile("../../hcl/examples/demo/geo/city.geojson")
	if err != nil {
		t.Fatal(err)
	}
	p, err := BoundaryFromGeoJSON(demo)
	if err != nil || len(p[0]) != 8 {
		t.Fatalf("demo city: %v, %d points", err, len(p))
	}
	// the mainland wins over an island, from a MultiPolygon geometry
	multi := `{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[9,5],[9,9],[5,9],[5,5]]]]}`
	if p, err := BoundaryFromGeoJSON([]byte(multi)); err != nil || p.Bound().Max != (orb.Point{9, 9}) {
		t.Errorf("multipolygon: %v %v", p, err)
	}
	for _, bad := range []string{`{}`, `{"type":"Point","coordinates":[1,2]}`, `not json`, `{"type":"FeatureCollection","features":[]}`} {
		if _, err := BoundaryFromGeoJSON([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func FuzzBoundaryFromGeoJSON(f *testing.F) {
	if demo, err := os.ReadFile("../../hcl/examples/demo/geo/city.geojson"); err == nil {
		f.Add(demo)
	}
	if beats, err := os.ReadFile("../../hcl/examples/demo/geo/beats.geojson"); err == nil {
		f.Add(beats)
	}
	f.Add([]byte(`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := BoundaryFromGeoJSON(data)
		if err == nil && (len(p) == 0 || len(p[0]) < 4) {
			t.Fatalf("accepted a boundary without an area: %v", p)
		}
	})
}

// TestConsoleOverUDP checks the console lines a UDP decoder source gets.
func TestConsoleOverUDP(t *testing.T) {
	l := listen(t)
	ch := collect(l)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Seed: 2, Units: 3, ConsoleAddr: l.LocalAddr().String(), EmergencyEvery: time.Second, Logger: quiet})
	}()
	d := recv(t, ch)
	if f := strings.Fields(d.data); len(f) != 3 || !isMDCID(f[2][1:5]) || strings.ContainsAny(d.data, "\r\n") {
		t.Errorf("console datagram %q", d.data)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
