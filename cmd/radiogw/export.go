package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"radiogw/gateway/api"
	"radiogw/gateway/publish/influx"
	"radiogw/gateway/publish/outbox"
	"radiogw/gateway/track"
	"radiogw/hcl"
)

// cmdExport writes the InfluxDB outbox as line protocol, for `influx write`
// on a site that ran without an influx block (or through a long outage);
// with -unit, that unit's track as GeoJSON, GPX or KML instead.
func cmdExport(args []string, stdout, stderr io.Writer) int {
	fs, path := commandFlags("export", stderr)
	out := fs.String("o", "-", "output file; - for standard output")
	unit := fs.String("unit", "", "export this unit's track instead of the line protocol")
	format := fs.String("format", "gpx", "track format with -unit: geojson, gpx or kml")
	from := fs.String("from", "", "track start, RFC 3339 (default: 24 hours before -to)")
	to := fs.String("to", "", "track end, RFC 3339 (default: now)")
	cfg, code := parseAndLoad(fs, path, args, stderr)
	if cfg == nil {
		return code
	}
	if *unit != "" {
		return exportTrack(cfg, *unit, *format, *from, *to, *out, stdout, stderr)
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

// exportTrack writes a unit's track from InfluxDB (influx block) or from the
// InfluxDB outbox (none).
func exportTrack(cfg *hcl.Config, unit, format, from, to, path string, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "radiogw export: %v\n", err)
		return 1
	}
	if _, ok := track.Formats[format]; !ok {
		return fail(fmt.Errorf("-format %q: use geojson, gpx or kml", format))
	}
	q, err := api.TrackQuery(unit, from, to, time.Now())
	if err != nil {
		return fail(err)
	}
	var pts []track.Point
	where := ""
	if c := cfg.Influx; c != nil {
		where = c.URL
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		pts, err = track.FromInflux(ctx, track.Influx{URL: c.URL, Bucket: c.Bucket, Token: c.Token.Value()}, q)
	} else {
		where = filepath.Join(cfg.DataDir, "outbox", "influx")
		if _, serr := os.Stat(where); serr != nil {
			return fail(fmt.Errorf("no influx block and no outbox at %s: %w", where, serr))
		}
		var o *outbox.Outbox
		if o, err = outbox.Open(outbox.Options{Dir: where, Fsync: outbox.FsyncNever}); err != nil {
			return fail(err)
		}
		defer o.Close()
		pts, err = track.FromLineProtocol(o.Scan, q)
	}
	if err != nil {
		return fail(err)
	}
	w, closeOut := stdout, func() error { return nil }
	if path != "-" {
		f, err := os.Create(path)
		if err != nil {
			return fail(err)
		}
		w, closeOut = f, f.Close
	}
	err = track.Write(w, format, unit, pts)
	if cerr := closeOut(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(stderr, "exported %d fixes of %s from %s (%s to %s)\n", len(pts), unit, where,
		q.From.UTC().Format(time.RFC3339), q.To.UTC().Format(time.RFC3339))
	return 0
}
