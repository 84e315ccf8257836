package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// repo is the module's root, seen from this package's folder.
const repo = "../.."

// TestRepositoryKeepsTheRules is what make check runs: the repository as
// it is breaks no rule.
func TestRepositoryKeepsTheRules(t *testing.T) {
	pkgs, err := List(repo, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 20 {
		t.Fatalf("go list found %d packages: not the repository", len(pkgs))
	}
	if bad := Check(pkgs); len(bad) > 0 {
		t.Fatalf("the repository breaks direction rules:\n%s", strings.Join(bad, "\n"))
	}
}

// TestPlantedImportsFail plants one file at a time into the real
// repository, through go list's overlay (the tree on disk is untouched),
// and runs the checker binary on it: each plant must fail make check with
// a line naming the package, the import and the rule.
func TestPlantedImportsFail(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "check-imports")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	root, err := filepath.Abs(repo)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, file, src, want string
	}{
		{"reverse import", "gateway/sim/democity/planted.go",
			"package democity\n\nimport _ \"radiogw/gateway/sim\"\n",
			"radiogw/gateway/sim/democity imports its ancestor radiogw/gateway/sim: no import runs back up"},
		{"runtime child imports the runtime", "gateway/runtime/planted/planted.go",
			"package planted\n\nimport _ \"radiogw/gateway/runtime\"\n",
			"radiogw/gateway/runtime/planted imports its ancestor radiogw/gateway/runtime"},
		{"code at the gateway root", "gateway/planted.go",
			"package gateway\n",
			"radiogw/gateway: the folder holds Go code at its root"},
		{"code at the codec folder's root", "gateway/codec/planted.go",
			"package codec\n",
			"radiogw/gateway/codec: the folder holds Go code at its root"},
		{"codec imports its parent folder", "gateway/codec/taip/planted2.go",
			"package taip\n\nimport _ \"radiogw/gateway/codec\"\n",
			"radiogw/gateway/codec/taip imports its ancestor radiogw/gateway/codec"},
		{"impure tracker", "avl/planted.go",
			"package avl\n\nimport _ \"net/http\"\n",
			"radiogw/avl imports net/http: avl and channels are pure"},
		{"codec imports a sink", "gateway/codec/taip/planted.go",
			"package taip\n\nimport _ \"radiogw/gateway/change\"\n",
			"radiogw/gateway/codec/taip imports radiogw/gateway/change: codecs import only"},
		{"sink imports the runtime", "gateway/publish/influx/planted.go",
			"package influx\n\nimport _ \"radiogw/gateway/runtime\"\n",
			"radiogw/gateway/publish/influx imports radiogw/gateway/runtime: publish sinks import only"},
		{"api imports the runtime", "gateway/api/planted.go",
			"package api\n\nimport _ \"radiogw/gateway/runtime\"\n",
			"radiogw/gateway/api imports radiogw/gateway/runtime: the api imports neither the runtime nor the pipeline"},
		{"hcl outside hcl", "gateway/track/planted.go",
			"package track\n\nimport _ \"github.com/hashicorp/hcl/v2\"\n",
			"radiogw/gateway/track imports github.com/hashicorp/hcl/v2: only hcl, cmd/radiogw and the codecs"},
		{"production code imports the golden runner", "gateway/codec/taip/planted.go",
			"package taip\n\nimport _ \"radiogw/gateway/codec/codectest\"\n",
			"radiogw/gateway/codec/taip imports radiogw/gateway/codec/codectest: only tests import the golden runner"},
		{"golden runner imports the runtime", "gateway/codec/codectest/planted.go",
			"package codectest\n\nimport _ \"radiogw/gateway/runtime\"\n",
			"radiogw/gateway/codec/codectest imports radiogw/gateway/runtime: the golden runner"},
		{"code at the publish folder's root", "gateway/publish/planted.go",
			"package publish\n",
			"radiogw/gateway/publish: the folder holds Go code at its root"},
		{"sink imports its parent folder", "gateway/publish/influx/planted.go",
			"package influx\n\nimport _ \"radiogw/gateway/publish\"\n",
			"radiogw/gateway/publish/influx imports its ancestor radiogw/gateway/publish"},
		{"hcl imports a transport", "hcl/planted.go",
			"package hcl\n\nimport _ \"radiogw/gateway/source\"\n",
			"radiogw/hcl imports radiogw/gateway/source: hcl and systemd import no gateway package but the leaves"},
		{"the source schema imports a transport", "gateway/sourceschema/planted.go",
			"package sourceschema\n\nimport _ \"radiogw/gateway/frame\"\n",
			"radiogw/gateway/sourceschema imports radiogw/gateway/frame: gateway/topicname and gateway/sourceschema are leaves"},
		{"source imports beyond frame and the schema", "gateway/source/planted.go",
			"package source\n\nimport _ \"radiogw/gateway/topicname\"\n",
			"radiogw/gateway/source imports radiogw/gateway/topicname: sources import only gateway/frame and gateway/sourceschema"},
		{"sink contract imports a sink", "gateway/change/planted.go",
			"package change\n\nimport _ \"radiogw/gateway/publish/outbox\"\n",
			"radiogw/gateway/change imports radiogw/gateway/publish/outbox: the sink contract"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			src := filepath.Join(dir, "planted.go")
			if err := os.WriteFile(src, []byte(c.src), 0o644); err != nil {
				t.Fatal(err)
			}
			ov, _ := json.Marshal(map[string]map[string]string{"Replace": {filepath.Join(root, c.file): src}})
			ovFile := filepath.Join(dir, "overlay.json")
			if err := os.WriteFile(ovFile, ov, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(bin, "-C", root, "-overlay", ovFile).CombinedOutput()
			if err == nil {
				t.Fatalf("check-imports passed with %s planted:\n%s", c.file, out)
			}
			if code := err.(*exec.ExitError).ExitCode(); code != 1 {
				t.Fatalf("exit %d, want 1 (a broken rule):\n%s", code, out)
			}
			if !strings.Contains(string(out), c.want) {
				t.Fatalf("output does not say %q:\n%s", c.want, out)
			}
		})
	}
}
