package api

import (
	"crypto/subtle"
	"net"
	"net/http"
	"strings"

	"radiogw/gateway/metrics"
	"radiogw/gateway/netguard"
	"radiogw/hcl"
)

// HTTP refusals, the event label of radiogw_http_events_total besides
// netguard's connection events.
const (
	httpHostRefused      = "host_refused"      // a Host name not ours: DNS rebinding
	httpReadUnauthorized = "read_unauthorized" // a read without the read token
	httpPprofRefused     = "pprof_refused"     // pprof asked by a peer that is not on loopback
	HeaderTimeout        = "header_timeout"    // a first request not in within the timeouts: slowloris
)

// commandResults are every result label of radiogw_commands_total.
var commandResults = []string{"ok", "unknown_emergency", "rejected", "unknown_topic", "too_large", "malformed",
	"bad_id", "bad_by", "unauthorized", "no_token_configured", "role_not_loopback"}

// InitCounters makes every refusal counter of the HTTP interface and the
// command paths present at zero.
func InitCounters(m *metrics.Metrics) {
	for _, via := range []string{"http", "mqtt"} {
		for _, r := range commandResults {
			m.CommandsTotal.WithLabelValues(via, r)
		}
	}
	for _, e := range append(append([]string{}, netguard.Events...), httpHostRefused, httpReadUnauthorized, httpPprofRefused, HeaderTimeout) {
		m.HTTPEvents.WithLabelValues(e)
	}
}

// guardHTTP wraps the whole mux: /healthz answers anyone (a load balancer or
// keepalived check must never be refused); every other request must name
// one of our hosts.
func (s *server) guardHTTP(next http.Handler) http.Handler {
	hosts := netguard.NewHosts(s.cfg.HTTP.AllowedHosts)
	logs := netguard.NewEvery(10e9)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			next.ServeHTTP(w, r)
			return
		}
		if !hosts.Allowed(r.Host) {
			s.metrics.HTTPEvents.WithLabelValues(httpHostRefused).Inc()
			if n, ok := logs.Allow(httpHostRefused); ok {
				s.log.Warn("http request refused: unknown host name (add it to http.allowed_hosts if it is ours)",
					"host", r.Host, "remote", r.RemoteAddr, "suppressed", n)
			}
			http.Error(w, "unknown host name", http.StatusMisdirectedRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// readAuthorized reports whether a request may read: always when no read
// token is configured, else with the read token or the write token as a
// bearer token.
func readAuthorized(cfg *hcl.Config, r *http.Request) bool {
	read := cfg.HTTP.ReadToken.Value()
	if read == "" {
		return true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || got == "" {
		return false
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(read)) == 1 {
		return true
	}
	write := cfg.HTTP.Token.Value()
	return write != "" && subtle.ConstantTimeCompare([]byte(got), []byte(write)) == 1
}

// reads requires the read token (when one is configured) before next.
func (s *server) reads(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !readAuthorized(s.cfg, r) {
			s.metrics.HTTPEvents.WithLabelValues(httpReadUnauthorized).Inc()
			w.Header().Set("WWW-Authenticate", `Bearer realm="radiogw"`)
			httpError(w, http.StatusUnauthorized, "missing or wrong bearer token (http.read_token_file)")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// loopbackOnly serves next to peers on loopback only: pprof exposes memory
// contents and can stall the daemon for a profile's duration.
func (s *server) loopbackOnly(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			s.metrics.HTTPEvents.WithLabelValues(httpPprofRefused).Inc()
			http.NotFound(w, r)
			return
		}
		next(w, r)
	}
}

// authorized requires the configured bearer token; without one configured,
// write endpoints are refused (an emergency ack must be attributable).
func (s *server) authorized(next http.HandlerFunc) http.HandlerFunc {
	token := s.cfg.HTTP.Token.Value()
	return func(w http.ResponseWriter, r *http.Request) {
		if token == "" {
			s.metrics.CommandsTotal.WithLabelValues("http", "no_token_configured").Inc()
			httpError(w, http.StatusForbidden, "write endpoints are disabled: set http { token_file = ... }")
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			s.metrics.CommandsTotal.WithLabelValues("http", "unauthorized").Inc()
			httpError(w, http.StatusUnauthorized, "missing or wrong bearer token")
			return
		}
		next(w, r)
	}
}
