package runtime

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"radiogw/gateway/track"
	"radiogw/hcl"
)

// handleTrackExport answers GET /api/v1/units/{unit}/track?format=...: the
// unit's history between from and to (RFC 3339; default the last 24 hours)
// as GeoJSON, GPX or KML, from InfluxDB, or from the InfluxDB outbox when
// no influx block is configured.
func (d *Daemon) handleTrackExport(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	f, ok := track.Formats[format]
	if !ok {
		format = "unknown" // the label set stays bounded
		d.trackResult(format, "bad_query")
		httpError(w, http.StatusBadRequest, fmt.Sprintf("format %q: use geojson, gpx or kml", format))
		return
	}
	q, err := TrackQuery(r.PathValue("unit"), r.URL.Query().Get("from"), r.URL.Query().Get("to"), time.Now())
	if err != nil {
		d.trackResult(format, "bad_query")
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	pts, err := d.trackHistory(r.Context(), d.config(), q)
	switch {
	case errors.Is(err, track.ErrTooMany):
		d.trackResult(format, "too_many")
		httpError(w, http.StatusRequestEntityTooLarge, err.Error())
		return
	case err != nil:
		d.trackResult(format, "history_error")
		d.log.Warn("track export failed", "unit", q.Unit, "err", err)
		httpError(w, http.StatusBadGateway, err.Error())
		return
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", "track."+f.Ext))
	d.trackResult(format, "ok")
	if err := track.Write(w, format, q.Unit, pts); err != nil {
		d.log.Warn("track export: write", "unit", q.Unit, "err", err)
	}
}

func (d *Daemon) trackResult(format, result string) {
	d.metrics.Exports.WithLabelValues(format, result).Inc()
}

// TrackQuery builds a track query from the API's (and export's) parameters:
// from and to in RFC 3339, to defaulting to now and from to 24 hours
// before to.
func TrackQuery(unit, from, to string, now time.Time) (track.Query, error) {
	q := track.Query{Unit: unit, To: now}
	var err error
	if to != "" {
		if q.To, err = time.Parse(time.RFC3339, to); err != nil {
			return q, fmt.Errorf("%w: to: %v", track.ErrBadQuery, err)
		}
	}
	q.From = q.To.Add(-24 * time.Hour)
	if from != "" {
		if q.From, err = time.Parse(time.RFC3339, from); err != nil {
			return q, fmt.Errorf("%w: from: %v", track.ErrBadQuery, err)
		}
	}
	return q, q.Check()
}

// trackHistory reads q from InfluxDB when configured, else from the
// InfluxDB outbox, which then holds the whole history within its caps.
func (d *Daemon) trackHistory(ctx context.Context, cfg *hcl.Config, q track.Query) ([]track.Point, error) {
	if c := cfg.Influx; c != nil {
		return track.FromInflux(ctx, track.Influx{URL: c.URL, Bucket: c.Bucket, Token: c.Token.Value()}, q)
	}
	o := d.outboxes["influx"]
	if o == nil {
		return nil, errors.New("no InfluxDB and no outbox to read history from")
	}
	return track.FromLineProtocol(o.Scan, q)
}
