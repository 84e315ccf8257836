package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"radiogw/gateway/publish/influx"
	"radiogw/gateway/publish/outbox"
)

// cmdExport writes the InfluxDB outbox as line protocol, for `influx write`
// on a site that ran without an influx block (or through a long outage).
func cmdExport(args []string, stdout, stderr io.Writer) int {
	fs, path := commandFlags("export", stderr)
	out := fs.String("o", "-", "output file; - for standard output")
	cfg, code := parseAndLoad(fs, path, args, stderr)
	if cfg == nil {
		return code
	}
	dir := filepath.Join(cfg.DataDir, "outbox", "influx")
	if _, err := os.Stat(dir); err != nil {
		fmt.Fprintf(stderr, "radiogw export: no outbox at %s: %v\n", dir, err)
		return 1
	}
	o, err := outbox.Open(outbox.Options{Dir: dir, Fsync: outbox.FsyncNever})
	if err != nil {
		fmt.Fprintf(stderr, "radiogw export: %v\n", err)
		return 1
	}
	defer o.Close()
	n, err := exportTo(o, *out, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "radiogw export: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "exported %d points from %s (nothing was removed; import with `influx write`)\n", n, dir)
	return 0
}

// exportTo writes the outbox to path, or to stdout for "-". influx.Export
// buffers and flushes itself; a failed close (full disk) fails the export.
func exportTo(o *outbox.Outbox, path string, stdout io.Writer) (int, error) {
	if path == "-" {
		return influx.Export(o, stdout)
	}
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	n, err := influx.Export(o, f)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close %s: %w", path, cerr)
	}
	return n, err
}
