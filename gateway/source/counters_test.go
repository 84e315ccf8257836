package source

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestCountersListed keeps Counters in step with the code: every literal
// passed to Count in the package is listed.
func TestCountersListed(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`\.Count\("([a-z_]+)"\)`)
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			found++
			if !slices.Contains(Counters, m[1]) {
				t.Errorf("%s counts %q, missing from Counters", f, m[1])
			}
		}
	}
	if found < 5 {
		t.Fatalf("found only %d Count calls: the pattern is stale", found)
	}
}
