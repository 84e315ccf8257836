package runtime

import (
	"testing"

	"radiogw/hcl"
)

// A reload restarts a source whose decoder would now be built differently,
// as when its profile block's patterns change, and leaves a source that
// only shares the file alone.
func TestUnchangedSourcesSeesProfileEdits(t *testing.T) {
	cfg := func(regex string) *hcl.Config {
		return &hcl.Config{
			Sources: []hcl.Source{
				{Type: "serial", Name: "console", Codec: "lines", Profile: "mcc", Device: "/dev/ttyUSB0"},
				{Type: "udp", Name: "avl", Codec: "nmea", Listen: ":5005"},
			},
			Profiles: []hcl.Profile{{Name: "mcc", Patterns: []hcl.Pattern{{Kind: "ptt_start", Regex: regex}}}},
		}
	}
	old := cfg(`^PTT (?P<radio>\d+)`)
	if got := unchangedSources(old, cfg(`^PTT (?P<radio>\d+)`)); !got["console"] || !got["avl"] {
		t.Errorf("identical configuration: unchanged = %v, want both sources", got)
	}
	got := unchangedSources(old, cfg(`^KEY (?P<radio>\d+)`))
	if got["console"] {
		t.Error("the console's profile patterns changed, but it would keep its old decoder")
	}
	if !got["avl"] {
		t.Error("the avl source does not use the profile, but it would be restarted")
	}
	edited := cfg(`^PTT (?P<radio>\d+)`)
	edited.Sources[1].Listen = ":5006"
	if got := unchangedSources(old, edited); got["avl"] || !got["console"] {
		t.Errorf("avl listen changed: unchanged = %v, want only the console", got)
	}
	removed := cfg(`^PTT (?P<radio>\d+)`)
	removed.Sources = removed.Sources[:1]
	if got := unchangedSources(old, removed); got["avl"] {
		t.Error("a removed source counts as unchanged")
	}
}
