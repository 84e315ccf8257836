package hcl

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclparse"

	"radiogw/gateway/sourceschema"
)

// MainFile is the name of the main configuration file inside a config
// directory; FragmentDir holds the extra *.hcl files merged into it.
const (
	MainFile    = "radiogw.hcl"
	FragmentDir = "channels.d"
)

// Options tells Load what the runtime provides, so references to codecs and
// built-in line profiles can be checked without importing the runtime.
type Options struct {
	Codecs   []string // codec catalog keys; nil skips the codec check
	Profiles []string // built-in line profile names
	// PatternKinds are the event kinds a profile pattern may name (the
	// runtime's channels event names plus "json"); nil skips the check.
	PatternKinds []string
	// CodecOptions decodes a source's options block (body nil when the
	// source has none) with the schema of the codec named: each codec owns
	// its settings. nil leaves options undecoded.
	CodecOptions func(codec string, body hcl.Body) (any, hcl.Diagnostics)
	// Sources is the source schema (framings, frame sizes, serial line,
	// listener limits), the transports' gateway/source.SourceSchema():
	// hcl imports no transport, so cmd/radiogw hands it over, as it hands
	// over the codec names, and hcl defines no framing, limit or default
	// itself. Zero leaves framing, max_frame and the serial line as written.
	Sources sourceschema.Schema
}

// Load reads, decodes and validates a configuration. path is the main file or
// a directory holding radiogw.hcl; channels.d/*.hcl beside the main file is
// merged in, sorted by name. Any problem is returned as a *Diagnostics.
func Load(path string, opts Options) (*Config, error) {
	main, err := mainFile(path)
	if err != nil {
		return nil, err
	}
	files, err := configFiles(main)
	if err != nil {
		return nil, err
	}

	p := hclparse.NewParser()
	d := &diags{base: filepath.Dir(main)}
	var root rawMain
	var frags []rawFragment
	for i, name := range files {
		f, ds := parseFile(p, name)
		d.extend(ds)
		if f == nil || ds.HasErrors() {
			continue
		}
		var frag rawFragment
		if i == 0 {
			d.extend(gohcl.DecodeBody(f.Body, nil, &root))
			frag = root.fragment()
		} else {
			d.extend(gohcl.DecodeBody(f.Body, nil, &frag))
		}
		d.extend(decodeSourceBodies(frag.Sources))
		frags = append(frags, frag)
	}
	if d.list.HasErrors() {
		// Decoding failed somewhere: cross-references would only add noise.
		return nil, d.result(p, files)
	}

	cfg := &Config{Files: files}
	b := &builder{d: d, cfg: cfg, opts: opts}
	b.build(&root, frags)
	if d.list.HasErrors() {
		return nil, d.result(p, files)
	}
	return cfg, nil
}

// parseFile reads and parses one file, refusing one nested too deep to
// parse safely.
func parseFile(p *hclparse.Parser, name string) (*hcl.File, hcl.Diagnostics) {
	src, err := os.ReadFile(name)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Failed to read file",
			Detail: fmt.Sprintf("The configuration file %q could not be read: %s.", name, err)}}
	}
	if ds := checkNesting(src, name); ds.HasErrors() {
		return nil, ds
	}
	return p.ParseHCL(src, name)
}

// result wraps the collected diagnostics as the error Load returns.
func (d *diags) result(p *hclparse.Parser, files []string) *Diagnostics {
	sortDiags(d.list, files)
	return &Diagnostics{Diags: d.list, Files: p.Files()}
}

// mainFile resolves path to the main file.
func mainFile(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", plainDiag("Cannot read configuration", err.Error())
	}
	if st.IsDir() {
		return filepath.Join(path, MainFile), nil
	}
	return path, nil
}

// configFiles lists the main file followed by the sorted fragments.
func configFiles(main string) ([]string, error) {
	frags, err := filepath.Glob(filepath.Join(filepath.Dir(main), FragmentDir, "*.hcl"))
	if err != nil {
		return nil, plainDiag("Cannot list "+FragmentDir, err.Error())
	}
	sort.Strings(frags)
	return append([]string{main}, frags...), nil
}

// Paths returns the files Load would read for path, so callers such as a
// file watcher or `radiogw fmt` need not repeat the layout rules.
func Paths(path string) ([]string, error) {
	main, err := mainFile(path)
	if err != nil {
		return nil, err
	}
	return configFiles(main)
}

func plainDiag(summary, detail string) *Diagnostics {
	return &Diagnostics{Diags: hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   detail,
	}}}
}
