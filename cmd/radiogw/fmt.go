package main

import (
	"fmt"
	"io"

	"radiogw/hcl"
)

func cmdFmt(args []string, stdout, stderr io.Writer) int {
	fs, path := commandFlags("fmt", stderr)
	check := fs.Bool("check", false, "only report files that are not formatted; exit 1 if any")
	if !parseFlags(fs, path, args) {
		return 2
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
