package talkgroup

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"radiogw/channels"
	"radiogw/gateway/topicname"
)

func mapped(tb *Table, sys, ch string) (string, Result) {
	ev := channels.Event{Channel: ch, TalkgroupSystem: sys}
	r := tb.Map(&ev)
	if ev.TalkgroupSystem != "" {
		panic("system not cleared")
	}
	return ev.Channel, r
}

func TestOneSystem(t *testing.T) {
	tb := New([]Channel{{Name: "metro-n", Talkgroup: 3029}, {Name: "tac2"}})
	for _, c := range []struct{ sys, ch, want string }{
		{"p25trunk", "3029", "metro-n"},
		{"", "3029", "metro-n"},
		{"p25trunk", "401", "401"}, // unconfigured: its number, as before systems existed
		{"", "", ""},
	} {
		if got, r := mapped(tb, c.sys, c.ch); got != c.want || r.Refused != "" {
			t.Errorf("%s/%s: %q %+v, want %q", c.sys, c.ch, got, r, c.want)
		}
	}
	// A second system on a site that names none is reported once.
	if _, r := mapped(tb, "other", "3029"); !reflect.DeepEqual(r.Several, []string{"other", "p25trunk"}) {
		t.Errorf("second system: %+v", r)
	}
	if _, r := mapped(tb, "third", "3029"); r.Several != nil {
		t.Errorf("reported twice: %+v", r)
	}
}

func TestSeveralSystems(t *testing.T) {
	tb := New([]Channel{{Name: "north-disp", System: "north", Talkgroup: 100},
		{Name: "south-disp", System: "south", Talkgroup: 100}, {Name: "south-tac", System: "south", Talkgroup: 200}})
	for _, c := range []struct{ sys, ch, want string }{
		{"north", "100", "north-disp"},
		{"south", "100", "south-disp"},
		{"south", "200", "south-tac"},
		{"north", "200", "north:200"}, // talkgroup 200 on north is not south-tac
		{"east", "100", "east:100"},
		{"", "100", "100"},       // no system and two candidates: not guessed
		{"", "200", "south-tac"}, // no system, one candidate
	} {
		if got, r := mapped(tb, c.sys, c.ch); got != c.want || r.Refused != "" || r.Several != nil {
			t.Errorf("%s/%s: %q %+v, want %q", c.sys, c.ch, got, r, c.want)
		}
	}
}

func TestSystemNameUntrusted(t *testing.T) {
	for _, tb := range []*Table{New(nil), New([]Channel{{Name: "n", System: "north", Talkgroup: 1}})} {
		for sys, reason := range map[string]string{
			"a/b": topicname.Separator, "a+": topicname.Wildcard, "#": topicname.Wildcard,
			"x\x00": topicname.Control, "\u202enorth": topicname.Format, " north": topicname.Space,
			strings.Repeat("s", 65): topicname.TooLong, "\xff": topicname.InvalidUTF8,
		} {
			if _, r := mapped(tb, sys, "1"); r.Refused != reason {
				t.Errorf("system %q: refused %q, want %q", sys, r.Refused, reason)
			}
		}
	}
}

func TestCleanAlias(t *testing.T) {
	for in, want := range map[string][2]string{
		"  State Port. 329 ":    {"State Port. 329", ""},
		"Unit #5 / Eng+1":       {"Unit #5 / Eng+1", ""},
		"":                      {"", ""},
		"   ":                   {"", ""},
		"Car\x1b[2J":            {"", topicname.Control},
		"\u202eKCUF":            {"", topicname.Format},
		"Zero\u200bWidth":       {"", topicname.Format},
		"bad\xff":               {"", topicname.InvalidUTF8},
		"Car\u0085X":            {"", topicname.Control},
		strings.Repeat("a", 65): {"", topicname.TooLong},
	} {
		if a, r := CleanAlias(in); a != want[0] || r != want[1] {
			t.Errorf("%q: %q %q, want %q %q", in, a, r, want[0], want[1])
		}
	}
}

func FuzzMap(f *testing.F) {
	f.Add("north", "100", " Car 7 ")
	f.Fuzz(func(t *testing.T, sys, ch, alias string) {
		tb := New([]Channel{{Name: "n", System: "north", Talkgroup: 100}})
		ev := channels.Event{Channel: ch, TalkgroupSystem: sys}
		if r := tb.Map(&ev); r.Refused == "" && sys != "" && !topicname.Valid(sys) {
			t.Fatalf("system %q accepted", sys)
		}
		if a, r := CleanAlias(alias); r == "" && a != "" && !topicname.Valid(strings.NewReplacer("/", "_", "+", "_", "#", "_").Replace(a)) {
			t.Fatalf("alias %q accepted", a)
		}
	})
}

// BenchmarkMap is the per-event cost on a source's goroutine: a site with
// 200 talkgroup channels on two systems, one event with an alias.
func BenchmarkMap(b *testing.B) {
	var chs []Channel
	for i := range 200 {
		sys := "north"
		if i%2 == 1 {
			sys = "south"
		}
		chs = append(chs, Channel{Name: fmt.Sprintf("tg-%d", i), System: sys, Talkgroup: int64(1000 + i/2)})
	}
	tb := New(chs)
	b.ReportAllocs()
	for b.Loop() {
		ev := channels.Event{Channel: "1042", TalkgroupSystem: "south", RadioAlias: "State Port. 329"}
		if r := tb.Map(&ev); r.Refused != "" || ev.Channel != "tg-85" {
			b.Fatal(ev.Channel, r)
		}
		if a, _ := CleanAlias(ev.RadioAlias); a == "" {
			b.Fatal("alias")
		}
	}
}
