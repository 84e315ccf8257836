package main

import (
	"flag"
	"fmt"
	"io"
)

func cmdCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", defaultConfig, "main config file, or the directory holding radiogw.hcl")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 1 {
		*path = fs.Arg(0)
	}
	cfg, err := loadConfig(*path)
	if err != nil {
		printConfigError(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: ok (site %q, %d files, %d sources, %d channels, %d units, %d geofence sets)\n",
		*path, cfg.Site, len(cfg.Files), len(cfg.Sources), len(cfg.Channels), len(cfg.Units), len(cfg.Geofences))
	return 0
}
