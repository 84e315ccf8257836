package gateway

import (
	"net/http"

	"radiogw/gateway/wallmap"
	"radiogw/hcl"
)

// mountWallMap serves the browser wall map at /. The page talks MQTT over
// WebSocket to the broker like any third-party display.
func (d *Daemon) mountWallMap(mux *http.ServeMux, cfg *hcl.Config) {
	wc, err := wallmap.FromConfig(cfg)
	if err != nil {
		d.log.Warn("wall map without some of its layers", "err", err)
	}
	mux.Handle("GET /", wallmap.Handler(wc))
}
