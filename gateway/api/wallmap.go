package api

import (
	"net/http"

	"radiogw/gateway/wallmap"
)

// mountWallMap serves the browser wall map at /. The page talks MQTT over
// WebSocket to the broker like any third-party display. The page and its
// scripts are public; its configuration (which carries the display login),
// the geofence and overlay files and the basemap are reads, behind the read
// token when one is set.
func (s *server) mountWallMap(mux *http.ServeMux) {
	wc, err := wallmap.FromConfig(s.cfg)
	if err != nil {
		s.log.Warn("wall map without some of its layers", "err", err)
	}
	page := wallmap.Handler(wc)
	mux.Handle("GET /", page)
	mux.Handle("GET /config.json", s.reads(page))
	mux.Handle("GET /geofences/", s.reads(page))
	mux.Handle("GET /overlays/", s.reads(page))
	mux.Handle("GET /basemap.pmtiles", s.reads(page))
}
