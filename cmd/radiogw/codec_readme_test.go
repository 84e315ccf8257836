package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"radiogw/gateway/codec/catalog"
)

var (
	hclBlock  = regexp.MustCompile("(?s)```hcl\n(.*?)```")
	codecAttr = regexp.MustCompile(`codec\s*=\s*"([^"]+)"`)
)

// Every codec folder has a README whose HCL examples `radiogw check`
// accepts, and every codec in the catalog appears in one of them: the
// examples a technician copies are kept working.
func TestCodecREADMEExamplesCheck(t *testing.T) {
	dirs, err := filepath.Glob("../../gateway/codec/*")
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() || filepath.Base(dir) == "catalog" ||
			filepath.Base(dir) == "codectest" { // the golden runner, not a codec
			continue
		}
		readme := filepath.Join(dir, "README.md")
		raw, err := os.ReadFile(readme)
		if err != nil {
			t.Errorf("codec folder %s has no README: %v", dir, err)
			continue
		}
		blocks := hclBlock.FindAllSubmatch(raw, -1)
		if len(blocks) == 0 {
			t.Errorf("%s has no ```hcl example", readme)
		}
		for i, b := range blocks {
			cfg := filepath.Join(t.TempDir(), "radiogw.hcl")
			if err := os.WriteFile(cfg, b[1], 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(binary, "check", "-config", cfg).CombinedOutput()
			if err != nil {
				t.Errorf("%s example %d: radiogw check: %v\n%s", readme, i+1, err, out)
			}
			for _, m := range codecAttr.FindAllSubmatch(b[1], -1) {
				covered[string(m[1])] = true
			}
		}
	}
	var missing []string
	for _, name := range catalog.Names() {
		if !covered[name] {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		t.Errorf("codecs without a README example: %s", strings.Join(missing, ", "))
	}
}

// The integration pages' complete examples (an ```hcl block that starts
// with `site =`) pass radiogw check: what a technician copies works.
func TestIntegrationDocsExamplesCheck(t *testing.T) {
	for _, page := range []string{"trunk-recorder.md", "traccar.md", "config.md"} {
		raw, err := os.ReadFile(filepath.Join("..", "..", "docs", page))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, b := range hclBlock.FindAllSubmatch(raw, -1) {
			if !strings.HasPrefix(string(b[1]), "site =") {
				continue
			}
			n++
			cfg := filepath.Join(t.TempDir(), "radiogw.hcl")
			if err := os.WriteFile(cfg, b[1], 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(binary, "check", "-config", cfg).CombinedOutput(); err != nil {
				t.Errorf("docs/%s example %d: radiogw check: %v\n%s", page, n, err, out)
			}
		}
		if n == 0 && page != "config.md" {
			t.Errorf("docs/%s has no complete example", page)
		}
	}
}
