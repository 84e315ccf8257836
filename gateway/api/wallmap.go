package runtime

import (
	"net/http"

	"radiogw/gateway/wallmap"
	"radiogw/hcl"
)

// mountWallMap serves the browser wall map at /. The page talks MQTT over
// WebSocket to the broker like any third-party display. The page and its
// scripts are public; its configuration (which carries the display login),
// the geofence and overlay files and the basemap are reads, behind the read
// token when one is set.
func (d *Daemon) mountWallMap(mux *http.ServeMux, cfg *hcl.Config) {
	wc, err := wallmap.FromConfig(cfg)
	if err != nil {
		d.log.Warn("wall map without some of its layers", "err", err)
	}
	page := wallmap.Handler(wc)
	mux.Handle("GET /", page)
	mux.Handle("GET /config.json", d.reads(cfg, page))
	mux.Handle("GET /geofences/", d.reads(cfg, page))
	mux.Handle("GET /overlays/", d.reads(cfg, page))
	mux.Handle("GET /basemap.pmtiles", d.reads(cfg, page))
}
