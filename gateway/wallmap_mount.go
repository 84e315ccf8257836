package gateway

import (
	"net/http"

	"radiogw/hcl"
)

// mountWallMap serves the browser wall map; filled in by the wallmap wiring.
func (d *Daemon) mountWallMap(mux *http.ServeMux, cfg *hcl.Config) {}
