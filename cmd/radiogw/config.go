package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"radiogw/gateway/codec/catalog"
	"radiogw/hcl"
)

const defaultConfig = "/etc/radiogw/radiogw.hcl"

// loadConfig loads and validates a configuration with the codecs and
// profiles this binary has.
func loadConfig(path string) (*hcl.Config, error) {
	return hcl.Load(path, hcl.Options{Codecs: catalog.Names(), Profiles: catalog.BuiltinProfileNames(),
		PatternKinds: catalog.PatternKinds()})
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
		diags.Write(w, color)
		return
	}
	fmt.Fprintf(w, "radiogw: %v\n", err)
}
