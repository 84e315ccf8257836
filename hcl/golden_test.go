package hcl

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/broken/*/expected.txt from the current output")

// TestBrokenGolden loads every config under testdata/broken and compares the
// rendered diagnostics with expected.txt. Each case is a directory holding
// radiogw.hcl (and maybe channels.d/); paths are relative so the text is
// stable. Regenerate with: go test ./hcl -run TestBrokenGolden -update
func TestBrokenGolden(t *testing.T) {
	cases, err := filepath.Glob("testdata/broken/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 12 {
		t.Fatalf("found %d broken cases, want at least 12", len(cases))
	}
	for _, dir := range cases {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Setenv("RADIOGW_TEST_UNSET", "")
			os.Unsetenv("RADIOGW_TEST_UNSET")
			cfg, err := Load(dir, testOpts)
			if err == nil {
				t.Fatalf("Load(%s) succeeded with %d sources; want diagnostics", dir, len(cfg.Sources))
			}
			var d *Diagnostics
			if !errors.As(err, &d) {
				t.Fatalf("Load(%s) error %T %v, want *Diagnostics", dir, err, err)
			}
			var got bytes.Buffer
			if err := d.Write(&got, false); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join(dir, "expected.txt")
			if *update {
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("diagnostics for %s differ from %s\n--- got\n%s\n--- want\n%s", dir, golden, got.Bytes(), want)
			}
		})
	}
}
