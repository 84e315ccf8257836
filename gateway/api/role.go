package api

import (
	"encoding/json"
	"net"
	"net/http"
)

func (s *server) handleRole(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, RoleState{Role: s.b.Role(), Pair: s.b.Pair()})
}

// handleSetRole takes keepalived's word from its notify script on this host:
// only a loopback client may switch the role (a neighbour that could make a
// standby active would put two publishers on the wall), and with a token
// configured it must carry it too.
func (s *server) handleSetRole() http.HandlerFunc {
	set := func(w http.ResponseWriter, r *http.Request) {
		var body RoleState
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1024)).Decode(&body); err != nil {
			httpError(w, http.StatusBadRequest, `body must be {"role":"active"} or {"role":"standby"}`)
			return
		}
		if err := s.b.SetRole(body.Role); err != nil {
			httpError(w, http.StatusConflict, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, RoleState{Role: s.b.Role(), Pair: true})
	}
	withToken := s.authorized(set)
	return func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			s.metrics.CommandsTotal.WithLabelValues("http", "role_not_loopback").Inc()
			httpError(w, http.StatusForbidden, "the role is switched from this host only (keepalived's notify script)")
			return
		}
		if s.cfg.HTTP.Token.Value() == "" {
			set(w, r)
			return
		}
		withToken(w, r)
	}
}
