package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/change"
	mqttsink "radiogw/gateway/publish/mqtt"
	"radiogw/gateway/topicname"
)

type trackPoint struct {
	Lat      float64   `json:"lat"`
	Lon      float64   `json:"lon"`
	Time     time.Time `json:"time"`
	SpeedKmh *float64  `json:"speed_kmh,omitempty"`
	Heading  *float64  `json:"heading,omitempty"`
	Source   string    `json:"source,omitempty"`
}

// handleReady answers 200 or 503 to anyone (a load balancer's check); the
// status body only to readers when a read token is configured.
func (s *server) handleReady(w http.ResponseWriter, r *http.Request, reader bool) {
	st, err := s.b.Status(r.Context())
	code := http.StatusOK
	if err != nil || !st.Ready {
		code = http.StatusServiceUnavailable
	}
	if !reader {
		writeJSON(w, code, map[string]bool{"ready": code == http.StatusOK})
		return
	}
	writeJSON(w, code, st)
}

func (s *server) handleStatus(w http.ResponseWriter, r *http.Request) {
	st, err := s.b.Status(r.Context())
	if err != nil {
		httpError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *server) handleUnits(w http.ResponseWriter, r *http.Request) {
	var out [][]byte
	now := time.Now()
	site := s.b.Site()
	units, _ := s.b.Units(r.Context())
	for i := range units {
		if b, err := mqttsink.UnitPayload(site, &units[i], now); err == nil {
			out = append(out, b)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte("["))
	for i, b := range out {
		if i > 0 {
			w.Write([]byte(","))
		}
		w.Write(b)
	}
	w.Write([]byte("]\n"))
}

func (s *server) handleUnit(w http.ResponseWriter, r *http.Request) {
	var (
		u  avl.Unit
		ok bool
	)
	u, ok, _ = s.b.Unit(r.Context(), r.PathValue("unit"))
	if !ok {
		httpError(w, http.StatusNotFound, "no such unit")
		return
	}
	b, err := mqttsink.UnitPayload(s.b.Site(), &u, time.Now())
	if err != nil {
		httpError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

func (s *server) handleTrack(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Has("format") {
		s.handleTrackExport(w, r) // history, not the breadcrumbs
		return
	}
	var fixes []avl.Crumb
	id := r.PathValue("unit")
	var ok bool
	fixes, ok, _ = s.b.Track(r.Context(), id)
	if !ok {
		httpError(w, http.StatusNotFound, "no such unit")
		return
	}
	pts := make([]trackPoint, 0, len(fixes))
	for _, f := range fixes {
		pts = append(pts, trackPoint{Lat: f.Lat, Lon: f.Lon, Time: f.Time.UTC(), SpeedKmh: change.Opt(f.SpeedKmh),
			Heading: change.Opt(f.Heading), Source: f.Source})
	}
	writeJSON(w, http.StatusOK, map[string]any{"class": "track", "v": 1, "unit": id, "points": pts})
}

type nearestResult struct {
	Unit      string  `json:"unit"`
	AlphaTag  string  `json:"unit_alpha_tag,omitempty"`
	Status    string  `json:"status,omitempty"`
	DistanceM float64 `json:"distance_m"`
	FixAgeS   float64 `json:"fix_age_s"`
	Lat       float64 `json:"lat"`
	Lon       float64 `json:"lon"`
	Stale     string  `json:"stale"`
}

func (s *server) handleNearest(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	lat, err1 := strconv.ParseFloat(q.Get("lat"), 64)
	lon, err2 := strconv.ParseFloat(q.Get("lon"), 64)
	if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		httpError(w, http.StatusBadRequest, "lat and lon are required decimal degrees")
		return
	}
	n := 5
	if s := q.Get("n"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 || v > 1000 {
			httpError(w, http.StatusBadRequest, "n must be 1..1000")
			return
		}
		n = v
	}
	var res []avl.NearestResult
	res, _ = s.b.Nearest(r.Context(), avl.NearestQuery{Lat: lat, Lon: lon, Status: q.Get("status"), N: n, Now: time.Now()})
	out := make([]nearestResult, 0, len(res))
	for _, x := range res {
		out = append(out, nearestResult{Unit: x.Unit.ID, AlphaTag: x.Unit.AlphaTag, Status: x.Unit.Status,
			DistanceM: change.Round(x.DistanceM, change.TenthDecimals), FixAgeS: Seconds(x.FixAge), Lat: x.Unit.Position.Lat, Lon: x.Unit.Position.Lon,
			Stale: x.Unit.Stale.String()})
	}
	writeJSON(w, http.StatusOK, map[string]any{"class": "nearest", "v": 1, "units": out})
}

// handleChannels answers with the same payloads as the retained MQTT
// channel topics, talkers resolved to call signs.
func (s *server) handleChannels(w http.ResponseWriter, r *http.Request) {
	var states []channels.ChannelState
	states, _ = s.b.Channels(r.Context())
	site := s.b.Site()
	out := make([]json.RawMessage, 0, len(states))
	for i := range states {
		if b, err := mqttsink.ChannelPayload(site, &states[i], s.b.ResolveRadio); err == nil {
			out = append(out, b)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) handleEmergencies(w http.ResponseWriter, r *http.Request) {
	out, err := s.b.Emergencies(r.Context())
	if err != nil || out == nil {
		out = []EmergencyView{}
	}
	writeJSON(w, http.StatusOK, out)
}

// handleForget removes a unit (a forged or retired ID) from the tracker and
// deletes its retained topics (units/<unit>, the OwnTracks mirror) and its
// place on the map. A name radiogw does not track still gets its retained
// topics deleted: a leftover from before a restart.
func (s *server) handleForget(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("unit")
	if reason := topicname.Check(id); reason != "" {
		httpError(w, http.StatusBadRequest, "not a unit name: "+reason)
		return
	}
	res, err := s.b.Forget(r.Context(), id)
	if err != nil {
		httpError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// handleAck takes {"by": "disp4"} (optional) and validates it, with the
// emergency ID from the path, through the same parser as the MQTT command
// topic, so both paths accept exactly the same commands.
func (s *server) handleAck(action string) http.HandlerFunc {
	topic := map[string]string{"ack": "emergency_ack", "clear": "emergency_clear"}[action]
	return func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if r.ContentLength != 0 {
			dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, mqttsink.MaxCommandBytes))
			if err := dec.Decode(&body); err != nil {
				s.metrics.CommandsTotal.WithLabelValues("http", "malformed").Inc()
				httpError(w, http.StatusBadRequest, "body must be JSON like {\"by\":\"disp4\"}")
				return
			}
		}
		if body == nil {
			body = map[string]any{} // no body, or the JSON literal null
		}
		if _, ok := body["by"]; !ok {
			body["by"] = "http"
		}
		body["id"] = r.PathValue("id")
		payload, _ := json.Marshal(body)
		cmd, err := mqttsink.ParseCommand(topic, payload)
		if err != nil {
			// The same labels as the MQTT command topic (bad_id, bad_by, ...):
			// a refused request is not an unknown emergency.
			s.metrics.CommandsTotal.WithLabelValues("http", mqttsink.CommandResult(err)).Inc()
			httpError(w, http.StatusBadRequest, err.Error())
			return
		}
		err = s.b.Command(r.Context(), cmd, "http")
		switch {
		case errors.Is(err, channels.ErrUnknownEmergency):
			httpError(w, http.StatusNotFound, "no such emergency")
		case err != nil:
			httpError(w, http.StatusServiceUnavailable, err.Error())
		default:
			writeJSON(w, http.StatusOK, map[string]string{"result": "ok"})
		}
	}
}
