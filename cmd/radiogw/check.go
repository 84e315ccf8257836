package main

import (
	"fmt"
	"io"
)

func cmdCheck(args []string, stdout, stderr io.Writer) int {
	fs, path := commandFlags("check", stderr)
	cfg, code := parseAndLoad(fs, path, args, stderr)
	if cfg == nil {
		return code
	}
	fmt.Fprintf(stdout, "%s: ok (site %q, %d files, %d sources, %d channels, %d units, %d geofence sets)\n",
		*path, cfg.Site, len(cfg.Files), len(cfg.Sources), len(cfg.Channels), len(cfg.Units), len(cfg.Geofences))
	return 0
}
