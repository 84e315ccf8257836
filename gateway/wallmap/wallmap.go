// Package wallmap is radiogw's wall map: a single page, embedded in the
// binary, that shows units, channels, emergencies and events live. The page
// reads nothing from radiogw's internals: it subscribes to the MQTT topics
// over WebSocket exactly as any third-party display would, so what the wall
// shows is what every MQTT consumer gets. Only the breadcrumb trail comes
// over HTTP (GET /api/v1/units/{unit}/track), and the nearest units to a
// clicked point (GET /api/v1/nearest). The map itself is MapLibre GL JS,
// vendored with the page; an offline basemap is one PMTiles file served
// here with HTTP range requests.
package wallmap

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strings"
)

//go:embed static
var static embed.FS

// GeoJSONFile is a geofence file the map draws: a city boundary, beats or
// other zones.
type GeoJSONFile struct {
	Name string // unique; the file is served at geofences/<name>.geojson
	Kind string // "boundary", "beat" or "zone"
	Data []byte // GeoJSON: FeatureCollection, Feature or bare geometry
}

// Overlay is a local GeoJSON layer drawn over the basemap with its own
// style: streets, hydrants, hospitals.
type Overlay struct {
	Name  string // unique; served at overlays/<name>.geojson
	Color string // CSS hex colour
	Width float64
	Label string // feature property shown as a label; "" none
	Data  []byte
}

// Config is what the page needs to know.
type Config struct {
	Site         string // shown in the title bar
	TopicRoot    string // e.g. radiogw/tustin; the page subscribes to <root>/#
	WebSocketURL string // MQTT over WebSocket, e.g. ws://127.0.0.1:9001
	TileURL      string // optional raster background tiles, {z}/{x}/{y} template
	Basemap      string // optional PMTiles file (Protomaps basemap schema); wins over TileURL
	Region       bool   // subscribe to every site: <parent of TopicRoot>/+/...
	Geofences    []GeoJSONFile
	Overlays     []Overlay
	// StatusCategories maps a status word to the category the page colours
	// it by (available, enroute, onscene, busy, oos, emergency), from the
	// status tables; words not in it are guessed by the page.
	StatusCategories map[string]string

	// Username and Password are an optional MQTT login for the page. They
	// are handed to every client that can fetch /config.json, so the mount
	// must put /config.json behind authorisation (radiogw's read token), and
	// they must be a read-only display login (the embedded broker's
	// "display" role cannot publish, which also disables the Acknowledge
	// button's effect), never a gateway or dispatcher secret.
	Username, Password string
}

// pageConfig is /config.json.
type pageConfig struct {
	Site         string     `json:"site"`
	TopicRoot    string     `json:"topic_root"`
	WebSocketURL string     `json:"websocket_url"`
	TileURL      string     `json:"tile_url,omitempty"`
	BasemapURL   string     `json:"basemap_url,omitempty"`
	Region       bool       `json:"region,omitempty"`
	Geofences    []pageFile `json:"geofences"`
	Overlays     []pageOver `json:"overlays"`
	// StatusCategories: status word -> colour category, from HCL.
	StatusCategories map[string]string `json:"status_categories,omitempty"`
	Username         string            `json:"username,omitempty"`
	Password         string            `json:"password,omitempty"`
}

type pageFile struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	URL  string `json:"url"` // relative to the page
}

type pageOver struct {
	Name  string  `json:"name"`
	URL   string  `json:"url"`
	Color string  `json:"color"`
	Width float64 `json:"width"`
	Label string  `json:"label,omitempty"`
}

// Handler serves the page, its assets, /config.json and the geofence files.
// Links inside the page are relative, so it can be mounted under a prefix
// with http.StripPrefix.
func Handler(cfg Config) http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	pc := pageConfig{Site: cfg.Site, TopicRoot: strings.TrimSuffix(cfg.TopicRoot, "/"),
		WebSocketURL: cfg.WebSocketURL, TileURL: cfg.TileURL,
		Username: cfg.Username, Password: cfg.Password, Geofences: []pageFile{}, Overlays: []pageOver{},
		Region: cfg.Region, StatusCategories: cfg.StatusCategories}
	if cfg.Basemap != "" {
		pc.BasemapURL = "basemap.pmtiles"
	}
	overlays := make(map[string][]byte, len(cfg.Overlays))
	for _, o := range cfg.Overlays {
		overlays[o.Name] = o.Data
		pc.Overlays = append(pc.Overlays, pageOver{Name: o.Name, URL: "overlays/" + url.PathEscape(o.Name) + ".geojson",
			Color: o.Color, Width: o.Width, Label: o.Label})
	}
	files := make(map[string][]byte, len(cfg.Geofences))
	for _, g := range cfg.Geofences {
		files[g.Name] = g.Data
		pc.Geofences = append(pc.Geofences, pageFile{Name: g.Name, Kind: g.Kind,
			URL: "geofences/" + url.PathEscape(g.Name) + ".geojson"})
	}
	cfgJSON, err := json.Marshal(pc)
	if err != nil {
		panic(err) // strings and slices always marshal
	}

	mux := http.NewServeMux()
	assets := http.FileServerFS(sub)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		noCache(w)
		http.ServeFileFS(w, r, sub, "index.html")
	})
	for _, p := range []string{"/app.js", "/feed.js", "/style.css", "/vendor/", "/glyphs/"} {
		mux.Handle("GET "+p, withHeaders(assets))
	}
	mux.HandleFunc("GET /config.json", func(w http.ResponseWriter, r *http.Request) {
		noCache(w)
		w.Header().Set("Content-Type", "application/json")
		w.Write(cfgJSON)
	})
	mux.HandleFunc("GET /geofences/{file}", serveGeoJSON(files))
	mux.HandleFunc("GET /overlays/{file}", serveGeoJSON(overlays))
	if cfg.Basemap != "" {
		mux.HandleFunc("GET /basemap.pmtiles", func(w http.ResponseWriter, r *http.Request) {
			serveBasemap(w, r, cfg.Basemap)
		})
	}
	return mux
}

func serveGeoJSON(files map[string][]byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutSuffix(r.PathValue("file"), ".geojson")
		data, found := files[name]
		if !ok || !found {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/geo+json")
		w.Write(data)
	}
}

// serveBasemap answers the PMTiles reader's range requests from the file
// itself: the archive may be gigabytes (a county at street level), so it is
// opened per request and never read whole. The file is reopened each time,
// so replacing it on disk takes effect without a restart.
func serveBasemap(w http.ResponseWriter, r *http.Request, path string) {
	f, err := os.Open(path)
	if err != nil {
		http.Error(w, "basemap unavailable", http.StatusServiceUnavailable)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		http.Error(w, "basemap unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.pmtiles")
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "", st.ModTime(), f)
}

// noCache makes a wall display pick up a new radiogw build or config on its
// next reload without anyone clearing a browser cache.
func noCache(w http.ResponseWriter) { w.Header().Set("Cache-Control", "no-cache") }

func withHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		noCache(w)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}
