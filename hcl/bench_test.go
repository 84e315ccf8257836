package hcl

import (
	"os"
	"testing"
)

// BenchmarkLoadMidsize measures a full load of the mid-size example, which
// is what `radiogw check` and a SIGHUP reload cost.
func BenchmarkLoadMidsize(b *testing.B) {
	for k, v := range exampleEnv {
		b.Setenv(k, v)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load("examples/midsize", testOpts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFormatMidsize(b *testing.B) {
	src, err := os.ReadFile("examples/midsize/radiogw.hcl")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Format(src, MainFile); err != nil {
			b.Fatal(err)
		}
	}
}
