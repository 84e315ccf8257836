package hcl

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCAPBlock(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) (*Config, error) {
		os.WriteFile(filepath.Join(dir, "radiogw.hcl"), []byte("site = \"t\"\n"+body), 0o644)
		return Load(dir, Options{})
	}
	cfg, err := write(`cap {
  sender          = "dispatch@tustin.example.org"
  sender_name     = "Tustin PD Dispatch"
  critical_events = ["stuck_mic", "status", "geofence_enter"]
  status_codes    = ["10-33"]
  geofences       = ["courthouse"]
  fields          = ["unit", "channel", "by"]
  expires         = "30m"
}
`)
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.CAP
	if c == nil || c.Scope != "Restricted" || c.Status != "Actual" || c.IncludePosition || c.IdentifierPrefix != c.Sender ||
		c.Expires != 30*time.Minute || c.FeedKeep != DefaultCAPFeedKeep || !slices.Equal(c.Fields, []string{"unit", "channel", "by"}) {
		t.Fatalf("cap: %+v", c)
	}
	cfg, _ = write(`cap { sender = "d@x" }`)
	if !slices.Equal(cfg.CAP.Fields, []string{"unit", "channel"}) || cfg.CAP.IncludePosition {
		t.Errorf("defaults: %+v", cfg.CAP)
	}
	for attrs, want := range map[string]string{
		`sender = "dispatch center"`: "Invalid CAP sender",
		`sender = "a<b&c"`:           "Invalid CAP sender",
		`sender = "d@x"` + "\n" + `critical_events = ["ptt_start"]`:     "Unknown critical event kind",
		`sender = "d@x"` + "\n" + `critical_events = ["status"]`:        "Critical status needs status_codes",
		`sender = "d@x"` + "\n" + `critical_events = ["geofence_exit"]`: "Critical geofence events need geofences",
		`sender = "d@x"` + "\n" + `fields = ["position"]`:               "Unknown CAP field",
		`sender = "d@x"` + "\n" + `scope = "Private"`:                   "needs addresses",
		`sender = "d@x"` + "\n" + `scope = "World"`:                     "Invalid value for scope",
		`sender = "d@x"` + "\n" + `language = "en US"`:                  "Invalid CAP language",
		`sender = "d@x"` + "\n" + `bogus = 1`:                           "Unsupported argument",
		``:                                                              "Missing required argument",
	} {
		_, err := write("cap {\n" + attrs + "\n}\n")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", attrs, err, want)
		}
	}
}

func TestCAPNoFields(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "radiogw.hcl"), []byte("site = \"t\"\ncap {\n  sender = \"d@x\"\n  fields = []\n}\n"), 0o644)
	cfg, err := Load(dir, Options{})
	if err != nil || cfg.CAP == nil || len(cfg.CAP.Fields) != 0 {
		t.Fatalf("fields = []: %v %+v", err, cfg)
	}
}
