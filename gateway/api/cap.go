package api

import "net/http"

// handleCAPFeed answers GET /api/v1/cap.atom: the Atom feed of current CAP
// alerts (docs/cap.md), 404 without a cap block.
func (s *server) handleCAPFeed(w http.ResponseWriter, _ *http.Request) {
	feed, ok, err := s.b.CAPFeed()
	switch {
	case !ok:
		httpError(w, http.StatusNotFound, "no cap block configured")
	case err != nil:
		httpError(w, http.StatusInternalServerError, err.Error())
	default:
		w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
		w.Write(feed)
	}
}
