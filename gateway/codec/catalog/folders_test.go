package catalog

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"radiogw/gateway/codec/codectest"
)

// codecRoot is gateway/codec, the folder of every protocol.
const codecRoot = ".."

// folderOf is the package folder of a catalog codec name.
func folderOf(name string) string { return strings.ReplaceAll(name, "_", "") }

var fuzzFunc = regexp.MustCompile(`(?m)^func Fuzz\w*\(\w+ \*testing\.F\)`)

// missing lists what a codec folder lacks of a self-contained protocol: a
// README that lists the golden cases, the cases themselves (input,
// expected.json naming its source) and a fuzz target.
func missing(dir string) []string {
	var out []string
	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		out = append(out, "README.md")
	}
	cases, _ := codectest.Cases(filepath.Join(dir, "testdata"))
	if len(cases) == 0 {
		out = append(out, "testdata/<case>/{input,expected.json}")
	}
	for _, c := range cases {
		raw, err := os.ReadFile(filepath.Join(c, "expected.json"))
		var g codectest.Golden
		if err == nil {
			err = json.Unmarshal(raw, &g)
		}
		if err != nil || strings.TrimSpace(g.Source) == "" || len(g.Frames) == 0 {
			out = append(out, filepath.Base(c)+"/expected.json with a source and frames")
		}
		if readme != nil && !strings.Contains(string(readme), "`"+filepath.Base(c)+"`") {
			out = append(out, "README.md listing golden case `"+filepath.Base(c)+"`")
		}
	}
	srcs, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range srcs {
		if b, _ := os.ReadFile(f); !strings.HasSuffix(f, "_test.go") && strings.Contains(string(b), `"radiogw/gateway/codec/codectest"`) {
			out = append(out, filepath.Base(f)+" without importing codectest (a test helper)")
		}
	}
	tests, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
	fuzz := false
	for _, f := range tests {
		b, _ := os.ReadFile(f)
		fuzz = fuzz || fuzzFunc.Match(b)
	}
	if !fuzz {
		out = append(out, "a Fuzz target in a _test.go file")
	}
	return out
}

// TestCodecFoldersSelfContained fails for a catalog codec whose folder lacks
// a README, golden cases or a fuzz target, and for a codec folder the
// catalog does not list.
func TestCodecFoldersSelfContained(t *testing.T) {
	listed := map[string]bool{}
	for _, name := range Names() {
		dir := filepath.Join(codecRoot, folderOf(name))
		listed[folderOf(name)] = true
		if _, err := os.Stat(dir); err != nil {
			t.Errorf("codec %q: no folder %s", name, dir)
			continue
		}
		if m := missing(dir); len(m) > 0 {
			t.Errorf("codec %q (%s) lacks: %s", name, dir, strings.Join(m, "; "))
		}
	}
	entries, err := os.ReadDir(codecRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && !listed[e.Name()] && e.Name() != "catalog" && e.Name() != "codectest" {
			t.Errorf("gateway/codec/%s is not in the catalog (catalog.go) or not named after its codec", e.Name())
		}
	}
}

// TestMissingFindsGaps plants incomplete codec folders: the check must name
// each gap, and pass a complete one.
func TestMissingFindsGaps(t *testing.T) {
	write := func(dir, name, text string) {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	full := t.TempDir()
	write(full, "README.md", "# x\n\n| `a` | capture line 1 |\n")
	write(full, "testdata/a/input", "x\n")
	write(full, "testdata/a/expected.json", `{"source":"capture line 1","frames":[{"input":"x"}]}`)
	write(full, "fuzz_test.go", "package x\n\nfunc FuzzDecode(f *testing.F) {}\n")
	if m := missing(full); len(m) != 0 {
		t.Fatalf("complete folder: %v", m)
	}
	for name, plant := range map[string]func(dir string){
		"README.md":       func(dir string) { os.Remove(filepath.Join(dir, "README.md")) },
		"testdata":        func(dir string) { os.RemoveAll(filepath.Join(dir, "testdata")) },
		"a/expected.json": func(dir string) { write(dir, "testdata/a/expected.json", `{"frames":[{"input":"x"}]}`) },
		"Fuzz":            func(dir string) { write(dir, "fuzz_test.go", "package x\n\n// func FuzzDecode(f *testing.F) {}\n") },
		"listing":         func(dir string) { write(dir, "README.md", "# x\n") },
		"codectest":       func(dir string) { write(dir, "x.go", "package x\n\nimport _ \"radiogw/gateway/codec/codectest\"\n") },
	} {
		dir := t.TempDir()
		os.CopyFS(dir, os.DirFS(full))
		plant(dir)
		if m := missing(dir); len(m) != 1 || !strings.Contains(m[0], strings.TrimSuffix(name, ".json")) {
			t.Errorf("without %s: %v, want one gap naming it", name, m)
		}
	}
}
