package hcl

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"radiogw/gateway/source"
)

// testOpts is what the runtime registers: its codec catalog, built-in line
// profiles and the transports' source schema (imported here by the tests
// only: hcl's production code imports no transport).
var testOpts = Options{
	Codecs:   []string{"nmea", "taip", "lrrp", "ars", "lines", "trunk_recorder", "calamp"},
	Profiles: []string{"mdc1200-app-rpt", "star", "multimon", "sdrtrunk-mdc", "trunk-recorder-json"},
	Sources:  source.SourceSchema(),
}

// exampleEnv holds the environment variables the example configs read
// secrets from; a real host sets them in the systemd unit.
var exampleEnv = map[string]string{
	"RADIOGW_INFLUX_TOKEN": "example-influx-token",
}

func setExampleEnv(t *testing.T) {
	for k, v := range exampleEnv {
		t.Setenv(k, v)
	}
}

func TestExamplesLoad(t *testing.T) {
	setExampleEnv(t)
	dirs, err := filepath.Glob("examples/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 2 {
		t.Fatalf("expected at least two example configs, found %v", dirs)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			if _, err := os.Stat(filepath.Join(dir, MainFile)); err != nil {
				t.Fatalf("example without %s: %v", MainFile, err)
			}
			loadDir := withInstallSecrets(t, dir)
			cfg, err := Load(loadDir, testOpts)
			if err != nil {
				var b strings.Builder
				if d, ok := err.(*Diagnostics); ok {
					_ = d.Write(&b, false)
				}
				t.Fatalf("Load(%s): %v\n%s", dir, err, b.String())
			}
			if cfg.Site == "" || len(cfg.Sources) == 0 || len(cfg.Channels) == 0 {
				t.Errorf("example %s has %d sources, %d channels; want some of each",
					dir, len(cfg.Sources), len(cfg.Channels))
			}
			changed, err := FormatFiles(dir, true, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(changed) > 0 {
				t.Errorf("example files are not in canonical format (run radiogw fmt): %v", changed)
			}
		})
	}
}

func TestDemoExample(t *testing.T) {
	cfg, err := Load("examples/demo", testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Site != "demo" || !cfg.EmbeddedBroker() || cfg.Influx != nil {
		t.Errorf("demo: site %q, mqtt %v, influx %v; want demo with embedded broker and no influx", cfg.Site, cfg.MQTT, cfg.Influx)
	}
	if m := cfg.MQTT; m == nil || !m.HomeAssistant || !m.OwnTracks || m.HAPrefix != "homeassistant" || m.DefaultAccuracyM != DefaultAccuracyM {
		t.Errorf("demo: mqtt %+v; want Home Assistant discovery and the OwnTracks mirror on", m)
	}
	if cfg.DataDir != "./data" || cfg.HTTP.Listen != "127.0.0.1:8080" {
		t.Errorf("demo: data dir %q, http %q", cfg.DataDir, cfg.HTTP.Listen)
	}
	if cfg.Broker.Listen != DefaultBrokerListen || cfg.Broker.WebSocket != DefaultBrokerWebSocket {
		t.Errorf("demo broker = %+v, want defaults", cfg.Broker)
	}
	want := map[string]string{"avl-udp": "127.0.0.1:5005/nmea", "taip-udp": "127.0.0.1:5006/taip"}
	for _, s := range cfg.Sources {
		if w, ok := want[s.Name]; ok {
			if got := s.Listen + "/" + s.Codec; got != w || s.Type != SourceUDP || s.Framing != "datagram" {
				t.Errorf("source %s = %s %s framing %s, want udp %s datagram", s.Name, s.Type, got, s.Framing, w)
			}
			delete(want, s.Name)
		}
	}
	if len(want) > 0 {
		t.Errorf("demo lacks sources %v", want)
	}
	if n := len(cfg.Units); n < 10 || n > 14 {
		t.Errorf("demo has %d units, want about 12", n)
	}
	if n := len(cfg.Channels); n < 2 || n > 3 {
		t.Errorf("demo has %d channels, want 2 or 3", n)
	}
	for _, g := range cfg.Geofences {
		if _, err := os.Stat(g.File); err != nil {
			t.Errorf("geofence %s: %v", g.Name, err)
		}
	}
}

func TestMidsizeExample(t *testing.T) {
	setExampleEnv(t)
	cfg, err := Load("examples/midsize/radiogw.hcl", testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MQTT == nil || cfg.MQTT.Password.Value() != "change-me-mqtt-password" {
		t.Errorf("mqtt password not read from secrets/mqtt.pass: %+v", cfg.MQTT)
	}
	if cfg.Influx == nil || cfg.Influx.Token.Value() != "change-me-influx-token" {
		t.Errorf("influx token not read from secrets/influx.token: %+v", cfg.Influx)
	}
	types := map[string]int{}
	for _, u := range cfg.Units {
		types[u.Type]++
	}
	for _, ty := range []string{"patrol", "k9", "supervisor", "traffic"} {
		if types[ty] == 0 {
			t.Errorf("midsize roster has no %s units: %v", ty, types)
		}
	}
	if n := len(cfg.Units); n < 35 {
		t.Errorf("midsize has %d units, want about 40", n)
	}
	var p25 bool
	for _, c := range cfg.Channels {
		p25 = p25 || (c.Mode == "p25" && c.Talkgroup > 0)
	}
	if !p25 {
		t.Error("midsize has no P25 talkgroup channel")
	}
}

// installSecrets are the files `make install` creates next to the installed
// example (the Makefile's INSTALL_SECRETS).
var installSecrets = []string{"broker-wall.pass", "broker-dispatch.pass", "http-read.token", "http-write.token"}

// withInstallSecrets returns dir, or for the install example a copy of it
// with the secret files make install would create.
func withInstallSecrets(t *testing.T, dir string) string {
	t.Helper()
	if filepath.Base(dir) != "install" {
		return dir
	}
	tmp := t.TempDir()
	b, err := os.ReadFile(filepath.Join(dir, MainFile))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(tmp, MainFile), b, 0o640)
	for i, f := range installSecrets {
		os.WriteFile(filepath.Join(tmp, f), []byte(fmt.Sprintf("secret-%d-%s\n", i, f)), 0o640)
	}
	return tmp
}

// The install example requires logins on the embedded broker and a read
// token for the wall map, as a dispatch center installs it.
func TestInstallExampleSecured(t *testing.T) {
	cfg, err := Load(withInstallSecrets(t, "examples/install"), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]string{}
	for _, u := range cfg.Broker.Users {
		roles[u.Role] = u.Name
	}
	if !cfg.Broker.Auth || roles["display"] == "" || roles["dispatcher"] == "" {
		t.Errorf("install example broker: auth %v, users %v; want auth with a display and a dispatcher", cfg.Broker.Auth, roles)
	}
	if cfg.HTTP.ReadToken.Value() == "" || cfg.HTTP.Token.Value() == "" {
		t.Error("install example without a read token and a write token")
	}
}

// The source types hcl knows a block shape for are the schema's types.
func TestSourceTypesMatchSchema(t *testing.T) {
	var schema []string
	for typ := range source.SourceSchema().Types {
		schema = append(schema, typ)
	}
	slices.Sort(schema)
	known := SourceTypes()
	slices.Sort(known)
	if !slices.Equal(known, schema) {
		t.Errorf("hcl knows source types %v, gateway/source's schema has %v", known, schema)
	}
}
