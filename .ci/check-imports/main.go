// Command check-imports enforces the direction rules of docs/ARCHITECTURE.md
// ("Direction rules") on the module's packages, as `go list` sees them. It
// prints one line per broken rule and exits 1; `make check` runs it.
//
//	go run ./.ci/check-imports [-C dir] [-overlay file.json]
//
// -overlay is handed to `go list` (its tests plant an import that way).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
)

// Package is the part of `go list -json` the rules read.
type Package struct {
	ImportPath string
	Imports    []string // direct, production code only
	Deps       []string // transitive, production code only
	Error      *struct{ Err string }
}

func main() {
	dir := flag.String("C", ".", "the module's directory")
	overlay := flag.String("overlay", "", "a go list -overlay file")
	flag.Parse()
	pkgs, err := List(*dir, *overlay)
	if err != nil {
		fmt.Fprintln(os.Stderr, "check-imports:", err)
		os.Exit(2)
	}
	if bad := Check(pkgs); len(bad) > 0 {
		fmt.Fprintln(os.Stderr, "direction rules broken (docs/ARCHITECTURE.md, \"Direction rules\"):")
		for _, v := range bad {
			fmt.Fprintln(os.Stderr, "  "+v)
		}
		os.Exit(1)
	}
	fmt.Printf("check-imports: %d packages keep every direction rule\n", len(pkgs))
}

// List runs `go list -json -deps=false ./...` in dir.
func List(dir, overlay string) ([]Package, error) {
	args := []string{"list", "-e", "-json=ImportPath,Imports,Deps,Error"}
	if overlay != "" {
		args = append(args, "-overlay", overlay)
	}
	args = append(args, "./...")
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v: %s", err, stderr.String())
	}
	var pkgs []Package
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p Package
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list output: %w", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

const mod = "radiogw/"

// codectest is the codecs' golden runner: test code, kept out of production.
const codectest = mod + "gateway/codec/codectest"

// rooms are folders of packages that hold no Go code at their root.
var rooms = []string{mod + "gateway", mod + "gateway/codec", mod + "gateway/publish"}

// rule is one "may import" line: the packages it governs (under a path),
// the imports it looks at (direct, or every transitive dependency) and a
// verdict on each.
type rule struct {
	name       string
	governs    func(pkg string) bool
	transitive bool
	forbidden  func(pkg, imp string) bool
}

func under(pkg string, roots ...string) bool {
	for _, r := range roots {
		r = mod + r
		if pkg == r || strings.HasPrefix(pkg, r+"/") {
			return true
		}
	}
	return false
}

func internal(imp string) bool { return strings.HasPrefix(imp, mod) }

// isNetwork is any package that talks to the network.
func isNetwork(imp string) bool {
	return imp == "net" || strings.HasPrefix(imp, "net/") || imp == "crypto/tls" ||
		strings.HasPrefix(imp, "github.com/eclipse/paho") || strings.HasPrefix(imp, "github.com/mochi-mqtt/") ||
		strings.HasPrefix(imp, "github.com/influxdata/") || strings.HasPrefix(imp, "go.bug.st/serial")
}

func isHCL(imp string) bool { return strings.HasPrefix(imp, "github.com/hashicorp/hcl") }

// rules are docs/ARCHITECTURE.md's direction rules, in its order.
var rules = []rule{
	{
		name:       "avl and channels are pure: no radiogw package but each other and topicname, no network, no hcl",
		governs:    func(p string) bool { return under(p, "avl", "channels") },
		transitive: true,
		forbidden: func(_, imp string) bool {
			return (internal(imp) && !under(imp, "avl", "channels", "gateway/topicname")) || isNetwork(imp) || isHCL(imp)
		},
	},
	{
		name:       "gateway/frame is a leaf: the standard library only",
		governs:    func(p string) bool { return p == mod+"gateway/frame" },
		transitive: true,
		forbidden:  func(_, imp string) bool { return internal(imp) || strings.Contains(strings.Split(imp, "/")[0], ".") },
	},
	{
		name:       "the decoder contract gateway/decode imports of radiogw only avl, channels, topicname and gateway/frame",
		governs:    func(p string) bool { return p == mod+"gateway/decode" },
		transitive: true,
		forbidden: func(_, imp string) bool {
			return internal(imp) && !under(imp, "avl", "channels", "gateway/topicname", "gateway/frame")
		},
	},
	{
		name:       "codecs import only avl, channels, topicname, gateway/frame, gateway/decode and gateway/codec/... (never the runtime, pipeline, api, publish, broker, source or metrics), and no network client",
		governs:    func(p string) bool { return under(p, "gateway/codec") && p != codectest },
		transitive: true,
		forbidden: func(_, imp string) bool {
			if internal(imp) {
				return !under(imp, "avl", "channels", "gateway/topicname", "gateway/frame", "gateway/decode", "gateway/codec")
			}
			return isNetwork(imp) && imp != "net" && imp != "net/netip" && imp != "net/url"
		},
	},
	{
		name:       "the golden runner gateway/codec/codectest imports of radiogw only what codecs may, plus gateway/source (its splitters) and the sources' gateway/sourceschema",
		governs:    func(p string) bool { return p == codectest },
		transitive: true,
		forbidden: func(_, imp string) bool {
			return internal(imp) && !under(imp, "avl", "channels", "gateway/topicname", "gateway/frame", "gateway/decode", "gateway/codec",
				"gateway/source", "gateway/sourceschema")
		},
	},
	{
		name:      "only tests import the golden runner gateway/codec/codectest",
		governs:   func(p string) bool { return p != codectest },
		forbidden: func(_, imp string) bool { return imp == codectest },
	},
	{
		name:       "sources import only gateway/frame and gateway/sourceschema of radiogw",
		governs:    func(p string) bool { return under(p, "gateway/source") },
		transitive: true,
		forbidden:  func(_, imp string) bool { return internal(imp) && !under(imp, "gateway/frame", "gateway/sourceschema") },
	},
	{
		name:       "the sink contract gateway/change imports of radiogw only avl, channels and topicname",
		governs:    func(p string) bool { return p == mod+"gateway/change" },
		transitive: true,
		forbidden: func(_, imp string) bool {
			return internal(imp) && !under(imp, "avl", "channels", "gateway/topicname")
		},
	},
	{
		name:    "publish sinks import only avl, channels, topicname, gateway/change and gateway/publish/... of radiogw (never the runtime, pipeline, api or broker)",
		governs: func(p string) bool { return under(p, "gateway/publish") },
		forbidden: func(_, imp string) bool {
			return internal(imp) && !under(imp, "avl", "channels", "gateway/topicname", "gateway/change", "gateway/publish")
		},
	},
	{
		name:    "the pipeline imports no runtime, api, source, broker, sink implementation or network client (net for address parsing only)",
		governs: func(p string) bool { return under(p, "gateway/pipeline") },
		forbidden: func(_, imp string) bool {
			return under(imp, "gateway/runtime", "gateway/api", "gateway/source", "gateway/broker", "gateway/publish/mqtt", "gateway/publish/influx") ||
				(isNetwork(imp) && imp != "net" && imp != "net/netip")
		},
	},
	{
		name:      "the api imports neither the runtime nor the pipeline: it asks its Backend",
		governs:   func(p string) bool { return under(p, "gateway/api") },
		forbidden: func(_, imp string) bool { return under(imp, "gateway/runtime", "gateway/pipeline") },
	},
	{
		name:      "only cmd/radiogw imports the runtime",
		governs:   func(p string) bool { return !under(p, "cmd", "gateway/runtime") },
		forbidden: func(_, imp string) bool { return under(imp, "gateway/runtime") },
	},
	{
		name:      "only hcl, cmd/radiogw and the codecs (their options blocks, gohcl) import hashicorp/hcl",
		governs:   func(p string) bool { return !under(p, "hcl", "cmd", "gateway/codec") },
		forbidden: func(_, imp string) bool { return isHCL(imp) },
	},
	{
		name:    "hcl and systemd import no gateway package but the leaves gateway/topicname and gateway/sourceschema",
		governs: func(p string) bool { return under(p, "hcl", "systemd") },
		forbidden: func(_, imp string) bool {
			return under(imp, "gateway") && !under(imp, "gateway/topicname", "gateway/sourceschema")
		},
	},
	{
		name:       "gateway/topicname and gateway/sourceschema are leaves: the standard library only",
		governs:    func(p string) bool { return p == mod+"gateway/topicname" || p == mod+"gateway/sourceschema" },
		transitive: true,
		forbidden:  func(_, imp string) bool { return internal(imp) || strings.Contains(strings.Split(imp, "/")[0], ".") },
	},
	{
		name: "gateway/metrics is imported by the runtime, the pipeline and the api only (sinks report through callbacks)",
		governs: func(p string) bool {
			return !under(p, "cmd", "gateway/runtime", "gateway/pipeline", "gateway/api", "gateway/metrics")
		},
		forbidden: func(_, imp string) bool { return under(imp, "gateway/metrics") },
	},
}

// Check returns every broken rule, one line each, sorted.
func Check(pkgs []Package) []string {
	var bad []string
	byPath := map[string]*Package{}
	for i := range pkgs {
		byPath[pkgs[i].ImportPath] = &pkgs[i]
	}
	for _, p := range pkgs {
		if p.Error != nil {
			bad = append(bad, fmt.Sprintf("%s: %s", p.ImportPath, p.Error.Err))
		}
		for _, room := range rooms {
			if p.ImportPath == room {
				bad = append(bad, fmt.Sprintf("%s: the folder holds Go code at its root; it is a folder of rooms, each its own package", room))
			}
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(p.ImportPath, imp+"/") {
				continue
			}
			bad = append(bad, fmt.Sprintf("%s imports its ancestor %s: no import runs back up", p.ImportPath, imp))
		}
		for _, r := range rules {
			if !r.governs(p.ImportPath) {
				continue
			}
			list := p.Imports
			if r.transitive {
				list = p.Deps
			}
			for _, imp := range list {
				if r.forbidden(p.ImportPath, imp) {
					bad = append(bad, fmt.Sprintf("%s imports %s: %s", p.ImportPath, imp, r.name))
				}
			}
		}
	}
	sort.Strings(bad)
	return bad
}
