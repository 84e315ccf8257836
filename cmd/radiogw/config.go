package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	hashicorp "github.com/hashicorp/hcl/v2"
	"golang.org/x/term"

	"radiogw/gateway/codec/catalog"
	"radiogw/gateway/source"
	"radiogw/hcl"
)

const defaultConfig = "/etc/radiogw/radiogw.hcl"

// loadConfig loads and validates a configuration with the codecs,
// profiles and source schema this binary has.
func loadConfig(path string) (*hcl.Config, error) {
	return hcl.Load(path, hcl.Options{Codecs: catalog.Names(), CodecOptions: catalog.DecodeOptions, Profiles: catalog.BuiltinProfileNames(),
		PatternKinds: catalog.PatternKinds(), Sources: source.SourceSchema()})
}

// printConfigError renders HCL diagnostics with file:line:col and a snippet,
// in colour on a terminal.
func printConfigError(w io.Writer, err error) {
	var diags *hcl.Diagnostics
	if errors.As(err, &diags) {
		color := false
		if f, ok := w.(*os.File); ok {
			color = term.IsTerminal(int(f.Fd()))
		}
		// Each message starts with file:line:col, the form editors and grep
		// jump to; the snippet and detail follow.
		for _, diag := range diags.Diags {
			var b bytes.Buffer
			one := &hcl.Diagnostics{Diags: hashicorp.Diagnostics{diag}, Files: diags.Files}
			one.Write(&b, color)
			if r := diag.Subject; r != nil {
				fmt.Fprintf(w, "%s:%d:%d: ", r.Filename, r.Start.Line, r.Start.Column)
			}
			w.Write(b.Bytes())
		}
		return
	}
	fmt.Fprintf(w, "radiogw: %v\n", err)
}

// commandFlags starts a subcommand's flag set with the -config flag every
// configuration-reading command shares.
func commandFlags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", defaultConfig, "main config file, or the directory holding radiogw.hcl")
	return fs, path
}

// parseAndLoad parses the flags (a lone argument stands for -config) and
// loads the configuration. code is non-zero when the command must stop:
// 2 for bad flags, 1 for a bad configuration (its diagnostics are printed).
func parseAndLoad(fs *flag.FlagSet, path *string, args []string, stderr io.Writer) (cfg *hcl.Config, code int) {
	if !parseFlags(fs, path, args) {
		return nil, 2
	}
	cfg, err := loadConfig(*path)
	if err != nil {
		printConfigError(stderr, err)
		return nil, 1
	}
	return cfg, 0
}

// parseFlags parses a command's flags; a lone argument stands for -config.
// It reports false on bad flags (the flag set has printed why).
func parseFlags(fs *flag.FlagSet, path *string, args []string) bool {
	if err := fs.Parse(args); err != nil {
		return false
	}
	if fs.NArg() == 1 {
		*path = fs.Arg(0)
	}
	return true
}
