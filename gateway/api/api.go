// Package api is radiogw's HTTP interface: health and readiness, metrics,
// /api/v1 (units, tracks, nearest, channels, emergencies, role) and the wall
// map's mount. It holds no state: every answer comes from a Backend, the
// narrow query interface the runtime implements (tracker reads run on the
// tracker goroutine behind it).
package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/change"
	"radiogw/gateway/metrics"
	mqttsink "radiogw/gateway/publish/mqtt"
	"radiogw/gateway/track"
	"radiogw/hcl"
)

// Backend is everything the API asks of the running gateway.
type Backend interface {
	// Status is the one-screen summary; an error when the tracker
	// goroutine did not answer in time.
	Status(ctx context.Context) (Status, error)
	Units(ctx context.Context) ([]avl.Unit, error)
	Unit(ctx context.Context, id string) (avl.Unit, bool, error)
	// Track is a unit's breadcrumbs; known is false for an untracked unit.
	Track(ctx context.Context, id string) (crumbs []avl.Crumb, known bool, err error)
	Nearest(ctx context.Context, q avl.NearestQuery) ([]avl.NearestResult, error)
	Channels(ctx context.Context) ([]channels.ChannelState, error)
	Emergencies(ctx context.Context) ([]EmergencyView, error)
	// ResolveRadio names a radio ID's unit (call sign), or returns it.
	ResolveRadio(radioID string) string
	// Forget removes a unit and its retained topics.
	Forget(ctx context.Context, unit string) (ForgetResult, error)
	// Command applies an emergency ack or clear; via labels the counter.
	Command(ctx context.Context, c mqttsink.Command, via string) error
	// Site is the configured site name, which the payloads carry.
	Site() string
	// Role is "active" or "standby"; Pair whether this is one of a pair.
	Role() string
	Pair() bool
	SetRole(role string) error
	// History is a unit's position history (InfluxDB or its outbox).
	History(ctx context.Context, q track.Query) ([]track.Point, error)
	// CAPFeed is the Atom feed of current CAP alerts; configured is false
	// without a cap block.
	CAPFeed() (feed []byte, configured bool, err error)
}

// server is one configuration's handler set.
type server struct {
	cfg     *hcl.Config
	b       Backend
	metrics *metrics.Metrics
	log     *slog.Logger
}

// Handler serves the whole HTTP interface for cfg, behind the Host check.
func Handler(cfg *hcl.Config, b Backend, m *metrics.Metrics, log *slog.Logger) http.Handler {
	s := &server{cfg: cfg, b: b, metrics: m, log: log}
	return s.guardHTTP(s.routes())
}

func (s *server) routes() http.Handler {
	cfg := s.cfg
	mux := http.NewServeMux()
	read := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, s.reads(h)) }
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) { s.handleReady(w, r, readAuthorized(cfg, r)) })
	read("GET /api/v1/status", s.handleStatus)
	mux.Handle("GET /metrics", s.reads(promhttp.HandlerFor(s.metrics.Registry, promhttp.HandlerOpts{})))
	read("GET /api/v1/units", s.handleUnits)
	read("GET /api/v1/units/{unit}", s.handleUnit)
	read("GET /api/v1/units/{unit}/track", s.handleTrack)
	read("GET /api/v1/nearest", s.handleNearest)
	read("GET /api/v1/channels", s.handleChannels)
	read("GET /api/v1/emergencies", s.handleEmergencies)
	mux.HandleFunc("POST /api/v1/emergencies/{id}/ack", s.authorized(s.handleAck("ack")))
	mux.HandleFunc("POST /api/v1/emergencies/{id}/clear", s.authorized(s.handleAck("clear")))
	mux.HandleFunc("DELETE /api/v1/units/{unit}", s.authorized(s.handleForget))
	read("GET /api/v1/role", s.handleRole)
	read("GET /api/v1/cap.atom", s.handleCAPFeed)
	mux.HandleFunc("POST /api/v1/role", s.handleSetRole())
	if cfg.HTTP.Pprof {
		mux.HandleFunc("GET /debug/pprof/", s.loopbackOnly(pprof.Index))
		mux.HandleFunc("GET /debug/pprof/profile", s.loopbackOnly(pprof.Profile))
		mux.HandleFunc("GET /debug/pprof/trace", s.loopbackOnly(pprof.Trace))
	}
	s.mountWallMap(mux)
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func httpError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// Seconds is a duration in seconds to a tenth, for JSON.
func Seconds(d time.Duration) float64 { return change.Round(d.Seconds(), change.TenthDecimals) }
