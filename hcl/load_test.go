package hcl

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// writeConfig writes files (relative name -> content) into a new temp dir.
func writeConfig(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func mustLoad(t *testing.T, dir string) *Config {
	t.Helper()
	cfg, err := Load(dir, testOpts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return cfg
}

func TestDefaults(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", "")
	dir := writeConfig(t, map[string]string{MainFile: `site = "tustin"
unit "2A12" {}
source "udp" "avl" {
  listen = "0.0.0.0:5005"
  codec = "nmea"
}
source "tcp_client" "dec" {
  address = "10.1.1.5:4001"
  codec = "nmea"
  device_id = "4521"
}
`})
	cfg := mustLoad(t, dir)
	checks := []struct {
		name      string
		got, want any
	}{
		{"DataDir", cfg.DataDir, "./data"},
		{"HTTP.Listen", cfg.HTTP.Listen, DefaultHTTPListen},
		{"Broker.Listen", cfg.Broker.Listen, "127.0.0.1:1883"},
		{"Broker.WebSocket", cfg.Broker.WebSocket, "127.0.0.1:9001"},
		{"MQTT", cfg.MQTT == nil, true},
		{"Influx", cfg.Influx == nil, true},
		{"Storage.Fsync", cfg.Storage.Fsync, "batch"},
		{"Storage.SnapshotEvery", cfg.Storage.SnapshotEvery, 30 * time.Second},
		{"Log.Level", cfg.Log.Level, "info"},
		{"Log.Format", cfg.Log.Format, "auto"},
		{"udp framing", cfg.Sources[0].Framing, "datagram"},
		{"tcp framing", cfg.Sources[1].Framing, "line"},
		{"MaxFrame", cfg.Sources[0].MaxFrame, 4096},
		{"unit type", cfg.Units[0].Type, DefaultUnitType},
		{"unit alpha tag", cfg.Units[0].AlphaTag, "2A12"},
		{"unit types", len(cfg.UnitTypes), 1},
		{"Breadcrumbs", cfg.Breadcrumbs, 50},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	want := UnitType{Name: "default", Aging: time.Minute, Stale: 5 * time.Minute, Lost: 30 * time.Minute,
		MaxSpeedKmh: 250, MovingKmh: 5, StoppedKmh: 2, MaxFixAge: 24 * time.Hour, MaxFuture: 2 * time.Minute,
		LRRPInterval: 30 * time.Second}
	if cfg.UnitTypes[0] != want {
		t.Errorf("default unit type = %+v, want %+v", cfg.UnitTypes[0], want)
	}
}

func TestDataDirFromXDG(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", "/var/state")
	cfg := mustLoad(t, writeConfig(t, map[string]string{MainFile: `site = "a"`}))
	if cfg.DataDir != "/var/state/radiogw" {
		t.Errorf("DataDir = %q, want /var/state/radiogw", cfg.DataDir)
	}
	cfg = mustLoad(t, writeConfig(t, map[string]string{MainFile: "site = \"a\"\nstorage {\n dir = \"/srv/gw\"\n}\n"}))
	if cfg.DataDir != "/srv/gw" || cfg.Storage.Dir != "/srv/gw" {
		t.Errorf("DataDir = %q, Storage.Dir = %q, want /srv/gw", cfg.DataDir, cfg.Storage.Dir)
	}
}

func TestMQTTDefaults(t *testing.T) {
	cfg := mustLoad(t, writeConfig(t, map[string]string{MainFile: "site = \"tustin\"\nmqtt {\n broker = \"tcp://10.0.0.1:1883\"\n}\n"}))
	m := cfg.MQTT
	if m == nil || m.TopicRoot != "radiogw/tustin" || m.UnitRate != 2 || m.ClientID != "radiogw-tustin" || m.KeepAlive != 30*time.Second {
		t.Errorf("mqtt defaults = %+v", m)
	}
}

func TestEmptyListenDisables(t *testing.T) {
	cfg := mustLoad(t, writeConfig(t, map[string]string{MainFile: "site = \"a\"\nhttp {\n listen = \"\"\n}\nbroker {\n websocket = \"\"\n}\n"}))
	if cfg.HTTP.Listen != "" || cfg.Broker.WebSocket != "" || cfg.Broker.Listen != DefaultBrokerListen {
		t.Errorf("http %q websocket %q broker %q; want http and websocket disabled", cfg.HTTP.Listen, cfg.Broker.WebSocket, cfg.Broker.Listen)
	}
}

func TestFragmentsMergedInOrder(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		MainFile:                 `site = "a"` + "\nchannel \"main\" {}\n",
		"channels.d/b.hcl":       "channel \"b\" {\n status_table = \"agency\"\n}\n",
		"channels.d/a.hcl":       "channel \"a\" {}\nunit \"u\" {\n type = \"k9\"\n}\n",
		"channels.d/c.hcl":       "status_table \"agency\" {\n codes = {}\n}\nunit_type \"k9\" {}\n",
		"channels.d/ignored.txt": "not hcl",
	})
	cfg := mustLoad(t, dir)
	var got []string
	for _, c := range cfg.Channels {
		got = append(got, c.Name)
	}
	if strings.Join(got, ",") != "main,a,b" {
		t.Errorf("channels in order %v, want main,a,b", got)
	}
	if len(cfg.Files) != 4 || filepath.Base(cfg.Files[3]) != "c.hcl" {
		t.Errorf("Files = %v", cfg.Files)
	}
	// A reference to something defined in a later fragment resolves.
	if cfg.Units[0].Type != "k9" || cfg.Channels[2].StatusTable != "agency" {
		t.Errorf("forward references lost: %+v %+v", cfg.Units[0], cfg.Channels[2])
	}
	// Path may name the main file instead of the directory.
	cfg2 := mustLoad(t, filepath.Join(dir, MainFile))
	if len(cfg2.Channels) != 3 {
		t.Errorf("loading by file gave %d channels, want 3", len(cfg2.Channels))
	}
}

func TestRelativePathsFollowTheNamingFile(t *testing.T) {
	fc := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"x"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}`
	dir := writeConfig(t, map[string]string{
		MainFile:               `site = "a"`,
		"channels.d/zones.hcl": "geofence \"z\" {\n file = \"z.geojson\"\n}\n",
		"channels.d/z.geojson": fc,
	})
	cfg := mustLoad(t, dir)
	if want := filepath.Join(dir, "channels.d", "z.geojson"); cfg.Geofences[0].File != want {
		t.Errorf("geofence file = %q, want %q", cfg.Geofences[0].File, want)
	}
	if cfg.Geofences[0].Kind != "zone" || cfg.Geofences[0].NameProperty != "name" {
		t.Errorf("geofence defaults = %+v", cfg.Geofences[0])
	}
}

func TestSecretsReadAndNeverPrinted(t *testing.T) {
	const pass, token = "hunter2-mqtt", "s3cr3t-influx"
	t.Setenv("RADIOGW_TEST_TOKEN", token)
	dir := writeConfig(t, map[string]string{
		MainFile: `site = "a"
mqtt {
  broker = "ssl://broker:8883"
  password_file = "mqtt.pass"
}
influx {
  url = "http://127.0.0.1:8086"
  bucket = "radiogw/autogen"
  token_env = "RADIOGW_TEST_TOKEN"
}
`,
		"mqtt.pass": pass + "\r\n",
	})
	cfg := mustLoad(t, dir)
	if got := cfg.MQTT.Password.Value(); got != pass {
		t.Errorf("password = %q, want %q (trailing newline trimmed)", got, pass)
	}
	if got := cfg.Influx.Token.Value(); got != token {
		t.Errorf("token = %q, want %q", got, token)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
		out := fmt.Sprintf(verb, cfg) + fmt.Sprintf(verb, *cfg.MQTT) + fmt.Sprintf(verb, cfg.Influx.Token)
		if strings.Contains(out, pass) || strings.Contains(out, token) {
			t.Errorf("%s leaks a secret: %s", verb, out)
		}
	}
}

func TestSecretErrorsNameSourceNotValue(t *testing.T) {
	const value = "do-not-print-me"
	dir := writeConfig(t, map[string]string{
		MainFile: `site = "a"
http {
  token_file = "two-lines.token"
}
`,
		"two-lines.token": value + "\n" + value + "\n",
	})
	_, err := Load(dir, testOpts)
	if err == nil {
		t.Fatal("want an error for a two-line token file")
	}
	var b strings.Builder
	var d *Diagnostics
	if !errors.As(err, &d) {
		t.Fatalf("error %T, want *Diagnostics", err)
	}
	_ = d.Write(&b, false)
	if !strings.Contains(err.Error(), "two-lines.token") {
		t.Errorf("error does not name the file: %v", err)
	}
	// The snippet shows the config line, never the secret file's contents.
	if strings.Contains(err.Error()+b.String(), value) {
		t.Errorf("error reveals the secret: %v\n%s", err, b.String())
	}
}

func TestErrorIsOneLinePerDiagnostic(t *testing.T) {
	dir := writeConfig(t, map[string]string{MainFile: "site = \"a\"\nbogus = 1\nchannel \"c\" {\n mode = \"ssb\"\n}\n"})
	_, err := Load(dir, testOpts)
	if err == nil {
		t.Fatal("want error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "radiogw.hcl:2,1: Unsupported argument") {
		t.Errorf("Error() = %q", err.Error())
	}
}

func TestWriteColor(t *testing.T) {
	_, err := Load(writeConfig(t, map[string]string{MainFile: "site = 1\nx = 2\n"}), testOpts)
	var d *Diagnostics
	if !errors.As(err, &d) {
		t.Fatalf("error %v, want *Diagnostics", err)
	}
	var plain, color strings.Builder
	if err := d.Write(&plain, false); err != nil {
		t.Fatal(err)
	}
	if err := d.Write(&color, true); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "\x1b[") || !strings.Contains(color.String(), "\x1b[") {
		t.Errorf("color flag not honoured:\n%q\n%q", plain.String(), color.String())
	}
	if !strings.Contains(plain.String(), "2: x = 2") {
		t.Errorf("no source snippet in:\n%s", plain.String())
	}
}

func TestMissingPath(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope"), testOpts)
	var d *Diagnostics
	if !errors.As(err, &d) || !strings.Contains(err.Error(), "Cannot read configuration") {
		t.Errorf("err = %v, want *Diagnostics about the missing path", err)
	}
	// A directory without radiogw.hcl is reported by the parser.
	_, err = Load(t.TempDir(), testOpts)
	if !errors.As(err, &d) || !strings.Contains(err.Error(), MainFile) {
		t.Errorf("err = %v, want a diagnostic naming %s", err, MainFile)
	}
}

func TestCodecCheckSkippedWithoutCatalog(t *testing.T) {
	dir := writeConfig(t, map[string]string{MainFile: "site = \"a\"\nsource \"udp\" \"x\" {\n listen = \":1\"\n codec = \"future\"\n}\n"})
	if _, err := Load(dir, Options{}); err != nil {
		t.Errorf("Load without a codec catalog: %v", err)
	}
	if _, err := Load(dir, testOpts); err == nil || !strings.Contains(err.Error(), `Unknown codec "future"`) {
		t.Errorf("Load with the catalog: %v, want unknown codec", err)
	}
}

func TestAllowNormalized(t *testing.T) {
	dir := writeConfig(t, map[string]string{MainFile: "site = \"a\"\nsource \"udp\" \"x\" {\n listen = \":1\"\n codec = \"nmea\"\n allow = [\"10.20.3.4/16\", \"192.168.1.7\", \"fd00::1\"]\n}\n"})
	got := mustLoad(t, dir).Sources[0].Allow
	want := []string{"10.20.0.0/16", "192.168.1.7/32", "fd00::1/128"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("allow = %v, want %v", got, want)
	}
}

func TestProfileKindGroup(t *testing.T) {
	dir := writeConfig(t, map[string]string{MainFile: `site = "a"
profile "p" {
  pattern {
    regex = "^(?P<kind>[IE])(?P<unit>[0-9]+)$"
  }
}
source "udp" "c" {
  listen = ":1"
  codec = "lines"
  profile = "p"
}
`})
	cfg := mustLoad(t, dir)
	if len(cfg.Profiles) != 1 || cfg.Profiles[0].Patterns[0].Kind != "" || cfg.Sources[0].Profile != "p" {
		t.Errorf("profile = %+v, source = %+v", cfg.Profiles, cfg.Sources[0])
	}
}

func TestSecretsCompareEqualAcrossLoads(t *testing.T) {
	t.Setenv("RADIOGW_TEST_TOKEN", "tok")
	dir := writeConfig(t, map[string]string{MainFile: "site = \"a\"\nhttp {\n token_env = \"RADIOGW_TEST_TOKEN\"\n}\n"})
	a, b := mustLoad(t, dir), mustLoad(t, dir)
	if !reflect.DeepEqual(a.HTTP, b.HTTP) {
		t.Errorf("HTTP settings differ between two loads of the same config: %v vs %v", a.HTTP, b.HTTP)
	}
	t.Setenv("RADIOGW_TEST_TOKEN", "other")
	if c := mustLoad(t, dir); reflect.DeepEqual(c.HTTP, a.HTTP) {
		t.Error("a changed token compares equal")
	}
}

func TestPatternKindsChecked(t *testing.T) {
	dir := writeConfig(t, map[string]string{MainFile: `site = "a"
profile "p" {
  pattern {
    kind  = "ptt_strat"
    regex = "^I(?P<unit>[0-9]+)$"
  }
}
`})
	if _, err := Load(dir, testOpts); err != nil {
		t.Errorf("without PatternKinds the kind is not checked, got %v", err)
	}
	opts := testOpts
	opts.PatternKinds = []string{"ptt_start", "ptt_end", "emergency", "status", "json"}
	_, err := Load(dir, opts)
	if err == nil || !strings.Contains(err.Error(), `"ptt_strat" is not one of`) {
		t.Errorf("err = %v, want the bad kind reported", err)
	}
}

func TestBreadcrumbs(t *testing.T) {
	for _, n := range []int{0, 20, MaxBreadcrumbs} {
		dir := writeConfig(t, map[string]string{MainFile: fmt.Sprintf("site = \"tustin\"\nbreadcrumbs = %d\n", n)})
		if got := mustLoad(t, dir).Breadcrumbs; got != n {
			t.Errorf("breadcrumbs = %d loaded as %d", n, got)
		}
	}
	for _, bad := range []string{"-1", "10001"} {
		dir := writeConfig(t, map[string]string{MainFile: "site = \"tustin\"\n\nbreadcrumbs = " + bad + "\n"})
		_, err := Load(dir, testOpts)
		if err == nil || !strings.Contains(err.Error(), "radiogw.hcl:3,") || !strings.Contains(err.Error(), "breadcrumbs = "+bad+" must be from 0") {
			t.Errorf("breadcrumbs = %s: %v", bad, err)
		}
	}
}

func TestWallMapBlock(t *testing.T) {
	dir := t.TempDir()
	pm := filepath.Join(dir, "county.pmtiles")
	os.WriteFile(pm, append([]byte("PMTiles\x03"), make([]byte, 119)...), 0o644)
	os.WriteFile(filepath.Join(dir, "hydrants.geojson"), []byte(`{"type":"FeatureCollection","features":[]}`), 0o644)
	write := func(body string) error {
		os.WriteFile(filepath.Join(dir, "radiogw.hcl"), []byte("site = \"t\"\n"+body), 0o644)
		cfg, err := Load(dir, Options{})
		if err == nil && cfg.WallMap.Basemap != pm {
			t.Errorf("basemap %q, want %q", cfg.WallMap.Basemap, pm)
		}
		return err
	}
	if err := write(`wallmap {
  basemap = "county.pmtiles"
  region  = true
  overlay "hydrants" {
    file  = "hydrants.geojson"
    color = "#e04040"
    label = "id"
  }
}
`); err != nil {
		t.Fatal(err)
	}
	for body, want := range map[string]string{
		`wallmap { basemap = "nope.pmtiles" }`:                                                                                 "does not exist",
		`wallmap { basemap = "hydrants.geojson" }`:                                                                             "not a PMTiles archive",
		`wallmap { tile_url = "ftp://x/{z}/{x}/{y}" }`:                                                                         "Invalid tile_url",
		"wallmap {\n overlay \"h\" {\n file = \"hydrants.geojson\"\n color = \"red\"\n }\n}":                                   "Invalid overlay color",
		"wallmap {\n overlay \"h\" {\n file = \"hydrants.geojson\"\n width = 50\n }\n}":                                        "Invalid overlay width",
		"wallmap {\n overlay \"h\" {\n file = \"county.pmtiles\"\n }\n}":                                                       "not GeoJSON",
		"wallmap {\n overlay \"h\" {\n file = \"hydrants.geojson\"\n }\n overlay \"h\" {\n file = \"hydrants.geojson\"\n }\n}": "Duplicate overlay",
	} {
		err := write(body)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", body, err, want)
		}
	}
}

// A file nested deeper than the parser can take is refused with a
// diagnostic before it is parsed: the parser would exhaust the stack, which
// no recover catches.
func TestLoadRefusesDeepNesting(t *testing.T) {
	for name, body := range map[string]string{
		"lists":  "breadcrumbs = " + strings.Repeat("[", 200000) + strings.Repeat("]", 200000),
		"parens": "breadcrumbs = " + strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000),
		"unary":  "breadcrumbs = " + strings.Repeat("-", 5000) + "1",
		"blocks": strings.Repeat("a {\n", 5000) + strings.Repeat("}\n", 5000),
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, "radiogw.hcl")
		os.WriteFile(path, []byte("site = \"t\"\n"+body+"\n"), 0o644)
		_, err := Load(path, Options{})
		if err == nil || !strings.Contains(err.Error(), "Nesting too deep") {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := Format([]byte(body), "x.hcl"); err == nil {
			t.Errorf("%s: Format accepted it", name)
		}
	}
}

// Talkgroup channels on several trunked systems: each names its system;
// once one does, a talkgroup channel without one is an error pointing at
// both; the same talkgroup twice on one system is an error; a system must
// be a valid name and needs a talkgroup.
func TestTalkgroupSystems(t *testing.T) {
	ok := writeConfig(t, map[string]string{"radiogw.hcl": `site = "county"
channel "north-disp" {
  system    = "north"
  talkgroup = 100
}
channel "south-disp" {
  system    = "south"
  talkgroup = 100
}
channel "tac2" {
  freq = 460125000
}
`})
	cfg := mustLoad(t, ok)
	if cfg.Channels[0].System != "north" || cfg.Channels[1].System != "south" || cfg.Channels[2].System != "" {
		t.Errorf("systems: %+v", cfg.Channels)
	}
	for body, want := range map[string][]string{
		"channel \"a\" {\n  system    = \"north\"\n  talkgroup = 100\n}\nchannel \"b\" {\n  talkgroup = 100\n}\n": {
			"radiogw.hcl:7,3", "Talkgroup without system", `channel "b" has talkgroup 100 but no system`, `names system "north"`, "(radiogw.hcl:3,3)"},
		"channel \"a\" {\n  system    = \"north\"\n  talkgroup = 100\n}\nchannel \"b\" {\n  system    = \"north\"\n  talkgroup = 100\n}\n": {
			"Duplicate talkgroup", `on system "north"`},
		"channel \"a\" {\n  talkgroup = 100\n}\nchannel \"b\" {\n  talkgroup = 100\n}\n": {"Duplicate talkgroup"},
		"channel \"a\" {\n  system    = \"no/rth\"\n  talkgroup = 100\n}\n":              {"Invalid system name"},
		"channel \"a\" {\n  system = \"north\"\n  freq   = 460125000\n}\n":               {"System without talkgroup"},
	} {
		dir := writeConfig(t, map[string]string{"radiogw.hcl": "site = \"county\"\n" + body})
		_, err := Load(dir, testOpts)
		for _, w := range want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v, want %q", body, err, w)
			}
		}
	}
}

// A status table from the APCO preset: the preset's codes (as "8" and
// "10-8"), the table's own codes and categories on top; an unknown preset,
// an unknown category, a table with neither codes nor preset, and one word
// with two categories are errors.
func TestStatusPreset(t *testing.T) {
	cfg := mustLoad(t, writeConfig(t, map[string]string{"radiogw.hcl": `site = "county"
status_table "agency" {
  preset     = "apco"
  codes      = { "8" = "available", "3" = "at_station" }
  categories = { at_station = "available", busy = "oos" }
}
`}))
	st := cfg.StatusTabs[0]
	for code, want := range map[string]string{"8": "available", "10-8": "in_service", "7": "out_of_service",
		"10-23": "on_scene", "33": "emergency", "3": "at_station", "76": "enroute"} {
		if st.Codes[code] != want {
			t.Errorf("code %q = %q, want %q", code, st.Codes[code], want)
		}
	}
	for word, want := range map[string]string{"in_service": "available", "at_station": "available", "busy": "oos",
		"on_scene": "onscene", "emergency": "emergency"} {
		if st.Categories[word] != want {
			t.Errorf("word %q category %q, want %q", word, st.Categories[word], want)
		}
	}
	if got := cfg.StatusWords("available"); !slices.Equal(got, []string{"at_station", "available", "in_service", "on_duty"}) {
		t.Errorf("available words %v", got)
	}
	if p := StatusPresets()["apco"]; p.Codes["8"] != "in_service" || p.Categories["busy"] != "busy" {
		t.Error("a site's overrides changed the preset itself")
	}
	for body, want := range map[string]string{
		"status_table \"a\" {\n  preset = \"nope\"\n}\n":                                 `preset "nope" does not exist; the presets are: apco`,
		"status_table \"a\" {\n  preset = \"apco\"\n  categories = { x = \"red\" }\n}\n": `category "red"`,
		"status_table \"a\" {\n}\n":                                                      "Missing codes",
		"status_table \"a\" {\n  preset = \"apco\"\n}\nstatus_table \"b\" {\n  codes = { \"1\" = \"busy\" }\n  categories = { busy = \"available\" }\n}\n": "Conflicting status category",
	} {
		_, err := Load(writeConfig(t, map[string]string{"radiogw.hcl": "site = \"county\"\n" + body}), testOpts)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", body, err, want)
		}
	}
}

func TestCommitInterval(t *testing.T) {
	dir := writeConfig(t, map[string]string{MainFile: "site = \"tustin\"\n"})
	if got := mustLoad(t, dir).Storage.CommitEvery; got != DefaultCommitEvery {
		t.Errorf("default commit_interval %v, want %v", got, DefaultCommitEvery)
	}
	for in, want := range map[string]time.Duration{"1ms": time.Millisecond, "50ms": 50 * time.Millisecond, "1s": time.Second} {
		dir := writeConfig(t, map[string]string{MainFile: "site = \"tustin\"\nstorage {\n  commit_interval = \"" + in + "\"\n}\n"})
		if got := mustLoad(t, dir).Storage.CommitEvery; got != want {
			t.Errorf("commit_interval = %q loaded as %v", in, got)
		}
	}
	for _, bad := range []string{"0s", "500us", "2s"} {
		dir := writeConfig(t, map[string]string{MainFile: "site = \"tustin\"\nstorage {\n  commit_interval = \"" + bad + "\"\n}\n"})
		if _, err := Load(dir, testOpts); err == nil || !strings.Contains(err.Error(), "must be from 1ms to 1s") {
			t.Errorf("commit_interval = %q: %v", bad, err)
		}
	}
}

func TestMQTTStateLink(t *testing.T) {
	for body, want := range map[string]bool{
		"mqtt {\n  broker = \"tcp://127.0.0.1:1883\"\n}\n":                       true,
		"mqtt {\n  broker = \"tcp://127.0.0.1:1883\"\n  state_link = false\n}\n": false,
	} {
		dir := writeConfig(t, map[string]string{MainFile: "site = \"tustin\"\n" + body})
		if got := mustLoad(t, dir).MQTT.StateLink; got != want {
			t.Errorf("%q: state_link %v, want %v", body, got, want)
		}
	}
}
