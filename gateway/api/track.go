package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"radiogw/gateway/track"
)

// handleTrackExport answers GET /api/v1/units/{unit}/track?format=...: the
// unit's history between from and to (RFC 3339; default the last 24 hours)
// as GeoJSON, GPX or KML, from InfluxDB, or from the InfluxDB outbox when
// no influx block is configured.
func (s *server) handleTrackExport(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	f, ok := track.Formats[format]
	if !ok {
		format = "unknown" // the label set stays bounded
		s.trackResult(format, "bad_query")
		httpError(w, http.StatusBadRequest, fmt.Sprintf("format %q: use geojson, gpx or kml", format))
		return
	}
	q, err := TrackQuery(r.PathValue("unit"), r.URL.Query().Get("from"), r.URL.Query().Get("to"), time.Now())
	if err != nil {
		s.trackResult(format, "bad_query")
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	pts, err := s.b.History(r.Context(), q)
	switch {
	case errors.Is(err, track.ErrTooMany):
		s.trackResult(format, "too_many")
		httpError(w, http.StatusRequestEntityTooLarge, err.Error())
		return
	case err != nil:
		s.trackResult(format, "history_error")
		s.log.Warn("track export failed", "unit", q.Unit, "err", err)
		httpError(w, http.StatusBadGateway, err.Error())
		return
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", "track."+f.Ext))
	s.trackResult(format, "ok")
	if err := track.Write(w, format, q.Unit, pts); err != nil {
		s.log.Warn("track export: write", "unit", q.Unit, "err", err)
	}
}

func (s *server) trackResult(format, result string) {
	s.metrics.Exports.WithLabelValues(format, result).Inc()
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
