package hcl

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// fuzzSeeds returns every main and fragment file shipped with the package:
// the examples and the broken cases.
func fuzzSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	for _, pattern := range []string{"examples/*/*.hcl", "examples/*/channels.d/*.hcl", "testdata/broken/*/*.hcl", "testdata/broken/*/channels.d/*.hcl"} {
		names, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, n := range names {
			b, err := os.ReadFile(n)
			if err != nil {
				f.Fatal(err)
			}
			seeds = append(seeds, b)
		}
	}
	if len(seeds) < 10 {
		f.Fatalf("only %d seed files", len(seeds))
	}
	return seeds
}

// FuzzLoad checks Load never panics and always returns either a config or a
// *Diagnostics that renders.
func FuzzLoad(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, MainFile), src, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(dir, testOpts)
		if err == nil {
			if cfg == nil || cfg.Site == "" {
				t.Fatalf("Load returned no error but config %+v", cfg)
			}
			return
		}
		d, ok := err.(*Diagnostics)
		if !ok {
			t.Fatalf("error %T, want *Diagnostics", err)
		}
		var b bytes.Buffer
		if err := d.Write(&b, false); err != nil || b.Len() == 0 {
			t.Fatalf("Write: %v, %d bytes", err, b.Len())
		}
		_ = d.Error()
	})
}

// FuzzFormat checks Format never panics, keeps the file parseable and is
// idempotent.
func FuzzFormat(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		out, err := Format(src, "fuzz.hcl")
		if err != nil {
			if _, ok := err.(*Diagnostics); !ok {
				t.Fatalf("error %T, want *Diagnostics", err)
			}
			return
		}
		again, err := Format(out, "fuzz.hcl")
		if err != nil {
			t.Fatalf("formatted output does not parse: %v\n%s", err, out)
		}
		if !bytes.Equal(again, out) {
			t.Fatalf("Format is not idempotent:\n%q\n%q", out, again)
		}
	})
}
