package main

import (
	"flag"
	"fmt"
	"io"

	"radiogw/hcl"
)

func cmdFmt(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fmt", flag.ContinueOnError)
	fs.SetOutput(stderr)
	check := fs.Bool("check", false, "only report files that are not formatted; exit 1 if any")
	path := fs.String("config", defaultConfig, "main config file, or the directory holding radiogw.hcl")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 1 {
		*path = fs.Arg(0)
	}
	// FormatFiles lists what it changed (or would change) on its writer;
	// with -check the list goes to stderr with the exit status.
	list := stdout
	if *check {
		list = io.Discard
	}
	changed, err := hcl.FormatFiles(*path, *check, list)
	if err != nil {
		printConfigError(stderr, err)
		return 1
	}
	if *check && len(changed) > 0 {
		for _, f := range changed {
			fmt.Fprintf(stderr, "%s: not formatted\n", f)
		}
		return 1
	}
	return 0
}
