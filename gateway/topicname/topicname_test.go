package topicname

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for name, want := range map[string]string{
		"2A12": "", "4521": "", "990000561287964": "", "127.0.0.1:4000": "", "[fe80::1%eth0]:5000": "",
		"Metro North": "", "Zürich-1": "", "tg-3029": "", strings.Repeat("a", MaxLen): "",
		"":                            Empty,
		strings.Repeat("a", MaxLen+1): TooLong,
		"a+b":                         Wildcard, "#": Wildcard, "x#": Wildcard,
		"a/b": Separator, "/": Separator,
		"a\x00b": Control, "a\nb": Control, "a\x7f": Control, "a\u0085b": Control,
		"a\xffb": InvalidUTF8, "\xc3": InvalidUTF8,
		"a\u202eb": Format, "a\u200bb": Format, "a\u2028b": Format, "\ufeffx": Format,
		" a": Space, "a ": Space, "a\u00a0": Space,
	} {
		if got := Check(name); got != want {
			t.Errorf("Check(%q) = %q, want %q", name, got, want)
		}
	}
}

func FuzzCheck(f *testing.F) {
	f.Add("2A12")
	f.Add("a/b+#\x00")
	f.Fuzz(func(t *testing.T, s string) {
		if Check(s) != "" {
			return
		}
		if s == "" || len(s) > MaxLen || strings.ContainsAny(s, "/+#\x00") {
			t.Fatalf("accepted %q", s)
		}
		for _, r := range s {
			if r < 0x20 || r == 0x7f || r == 0xfffd {
				t.Fatalf("accepted %q", s)
			}
		}
	})
}

func BenchmarkCheck(b *testing.B) {
	for b.Loop() {
		Check("990000561287964")
	}
}
