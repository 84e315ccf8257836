package gateway

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/broker"
	"radiogw/gateway/netguard"
	"radiogw/gateway/publish"
	mqttsink "radiogw/gateway/publish/mqtt"
	"radiogw/hcl"
	"radiogw/topicname"
)

func (d *Daemon) startHTTP(cfg *hcl.Config) error {
	if cfg.HTTP.Listen == "" {
		return nil
	}
	raw, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("http listen %s: %w", cfg.HTTP.Listen, err)
	}
	ln := netguard.Wrap(raw, "http", netguard.Limits{MaxConns: cfg.HTTP.MaxConns, MaxPerAddr: cfg.HTTP.MaxPerAddr,
		TimeoutEvent: httpHeaderTimeout},
		func(e string) { d.metrics.HTTPEvents.WithLabelValues(e).Inc() }, d.log)
	d.httpGuard = ln
	// Timeouts against slowloris: the headers must be in within 5 s and the
	// whole request within 10 s of the connection's turn; an idle
	// keep-alive connection is closed after 30 s. With the caps on the
	// listener, a slow client holds at most max_conns_per_addr slots for a
	// few seconds.
	d.http = &http.Server{Handler: d.guardHTTP(cfg, d.routes(cfg)), ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 10 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 30 * time.Second,
		MaxHeaderBytes: 64 << 10, ErrorLog: slog.NewLogLogger(d.log.Handler(), slog.LevelDebug),
		// At the connection cap the oldest connection without a request in
		// progress (a slowloris, an idle keep-alive) makes room.
		ConnState: func(c net.Conn, st http.ConnState) {
			switch st {
			case http.StateActive:
				netguard.SetPending(c, false)
			case http.StateIdle:
				netguard.SetPending(c, true)
			}
		}}
	if cfg.MQTT == nil && cfg.Broker.Auth && cfg.HTTP.ReadToken.Value() == "" {
		for _, u := range cfg.Broker.Users {
			if u.Role == broker.RoleDisplay {
				d.log.Warn("the wall map gets no display login without http.read_token_file: it would be handed to anyone",
					"display_user", u.Name)
				break
			}
		}
	}
	go func() {
		if err := d.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.log.Error("http server stopped", "err", err)
		}
	}()
	d.log.Info("http listening", "addr", ln.Addr().String())
	return nil
}

func (d *Daemon) routes(cfg *hcl.Config) http.Handler {
	mux := http.NewServeMux()
	read := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, d.reads(cfg, h)) }
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) { d.handleReady(w, r, readAuthorized(cfg, r)) })
	read("GET /api/v1/status", d.handleStatus)
	mux.Handle("GET /metrics", d.reads(cfg, promhttp.HandlerFor(d.metrics.Registry, promhttp.HandlerOpts{})))
	read("GET /api/v1/units", d.handleUnits)
	read("GET /api/v1/units/{unit}", d.handleUnit)
	read("GET /api/v1/units/{unit}/track", d.handleTrack)
	read("GET /api/v1/nearest", d.handleNearest)
	read("GET /api/v1/channels", d.handleChannels)
	read("GET /api/v1/emergencies", d.handleEmergencies)
	mux.HandleFunc("POST /api/v1/emergencies/{id}/ack", d.authorized(cfg, d.handleAck("ack")))
	mux.HandleFunc("POST /api/v1/emergencies/{id}/clear", d.authorized(cfg, d.handleAck("clear")))
	mux.HandleFunc("DELETE /api/v1/units/{unit}", d.authorized(cfg, d.handleForget))
	read("GET /api/v1/role", d.handleRole)
	mux.HandleFunc("POST /api/v1/role", d.handleSetRole(cfg))
	if cfg.HTTP.Pprof {
		mux.HandleFunc("GET /debug/pprof/", d.loopbackOnly(pprof.Index))
		mux.HandleFunc("GET /debug/pprof/profile", d.loopbackOnly(pprof.Profile))
		mux.HandleFunc("GET /debug/pprof/trace", d.loopbackOnly(pprof.Trace))
	}
	d.mountWallMap(mux, cfg)
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

// authorized requires the configured bearer token; without one configured,
// write endpoints are refused (an emergency ack must be attributable).
func (d *Daemon) authorized(cfg *hcl.Config, next http.HandlerFunc) http.HandlerFunc {
	token := cfg.HTTP.Token.Value()
	return func(w http.ResponseWriter, r *http.Request) {
		if token == "" {
			d.metrics.CommandsTotal.WithLabelValues("http", "no_token_configured").Inc()
			httpError(w, http.StatusForbidden, "write endpoints are disabled: set http { token_file = ... }")
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			d.metrics.CommandsTotal.WithLabelValues("http", "unauthorized").Inc()
			httpError(w, http.StatusUnauthorized, "missing or wrong bearer token")
			return
		}
		next(w, r)
	}
}

type sourceStatus struct {
	Name          string   `json:"name"`
	Type          string   `json:"type"`
	Codec         string   `json:"codec"`
	Up            bool     `json:"up"`
	Connections   int      `json:"connections"`
	LastFrameAgeS *float64 `json:"last_frame_age_s,omitempty"`
	Error         string   `json:"error,omitempty"`
}

type sinkStatus struct {
	Name string `json:"name"`
	// Connected is the destination's state: the MQTT connection, or
	// whether InfluxDB took the last write. Absent for an outbox with no
	// destination (no influx block) or before its first write. StateForS is
	// how long the MQTT state has held; for InfluxDB, the time since its
	// last confirmed write.
	Connected     *bool    `json:"connected,omitempty"`
	StateForS     *float64 `json:"state_for_s,omitempty"`
	LastError     string   `json:"last_error,omitempty"`
	OutboxDepth   int      `json:"outbox_depth"`
	OutboxBytes   int64    `json:"outbox_bytes"`
	OldestAgeS    *float64 `json:"oldest_age_s,omitempty"`
	Dropped       uint64   `json:"dropped"`
	MemoryBacklog int      `json:"memory_backlog,omitempty"` // events kept in memory: the outbox could not take them
	WriteFailing  bool     `json:"write_failing,omitempty"`  // the outbox cannot be written (full disk): an alarm
	WriteError    string   `json:"write_error,omitempty"`
}

// Status is the one-screen summary `radiogw status` prints.
type Status struct {
	Site        string            `json:"site"`
	Version     string            `json:"version"`
	Ready       bool              `json:"ready"`
	NotReady    string            `json:"not_ready,omitempty"` // why not
	Sources     []sourceStatus    `json:"sources"`
	Sinks       []sinkStatus      `json:"sinks"`
	Units       map[string]int    `json:"units"`
	Emergencies []EmergencyView   `json:"emergencies"`
	InboxDepth  int               `json:"inbox_depth"`
	Rejections  []RejectionCount  `json:"top_rejections,omitempty"` // most frequent (source, reason) first
	Late        map[string]uint64 `json:"late_fixes,omitempty"`     // history-only fixes by reason
	Broker      *brokerStatus     `json:"broker,omitempty"`
}

// brokerStatus is the embedded broker's part of the status.
type brokerStatus struct {
	Accepting   bool `json:"accepting"`   // false while its accept loop fails (file descriptors exhausted)
	Connections int  `json:"connections"` // open, logged in or not
}

func (d *Daemon) status(ctx context.Context) (Status, error) {
	cfg := d.config()
	st := Status{Site: cfg.Site, Version: d.opts.Version, Ready: d.Healthy(), Units: map[string]int{},
		InboxDepth: d.in.depth()}
	if d.broker != nil {
		st.Broker = &brokerStatus{Accepting: d.broker.Accepting(), Connections: d.broker.Connections()}
		// Displays cannot connect to a broker that does not accept.
		st.Ready = st.Ready && st.Broker.Accepting
	}
	now := time.Now()
	d.srcMu.Lock()
	for _, rs := range d.sources {
		up, conns, err := rs.state()
		ss := sourceStatus{Name: rs.cfg.Name, Type: rs.cfg.Type, Codec: rs.cfg.Codec, Up: up, Connections: conns}
		if ns := rs.lastSeen.Load(); ns > 0 {
			age := seconds(now.Sub(time.Unix(0, ns)))
			ss.LastFrameAgeS = &age
		}
		if err != nil {
			ss.Error = err.Error()
		}
		st.Sources = append(st.Sources, ss)
	}
	d.srcMu.Unlock()
	sort.Slice(st.Sources, func(i, j int) bool { return st.Sources[i].Name < st.Sources[j].Name })
	for name, o := range d.outboxes {
		os := o.Stats()
		ss := sinkStatus{Name: name, OutboxDepth: os.Depth, OutboxBytes: os.Bytes,
			WriteFailing: os.WriteFailing, WriteError: os.LastWriteError}
		d.sinkState(name, &ss, now)
		if !os.OldestTime.IsZero() {
			age := seconds(now.Sub(os.OldestTime))
			ss.OldestAgeS = &age
		}
		for _, n := range os.Dropped {
			ss.Dropped += n
		}
		st.Sinks = append(st.Sinks, ss)
	}
	sort.Slice(st.Sinks, func(i, j int) bool { return st.Sinks[i].Name < st.Sinks[j].Name })
	switch {
	case !d.Healthy():
		st.NotReady = "tracker loop stalled"
	case !st.Ready:
		st.NotReady = "embedded broker not accepting connections"
	case d.mqtt != nil && !d.mqtt.Passive(): // a standby stays disconnected by design
		// Readiness includes the wall: radiogw is not ready while the MQTT
		// sink has been disconnected longer than the grace (a reconnect
		// takes well under it). InfluxDB is not part of it: history waits
		// in the outbox and its age is shown.
		if up, since := d.mqtt.Connected(); !up && now.Sub(since) > readyGrace {
			st.Ready = false
			st.NotReady = fmt.Sprintf("mqtt sink disconnected for %.0fs", now.Sub(since).Seconds())
		}
	}
	// A stuck tracker loop must make /readyz answer 503, not hang.
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	err := d.call(ctx, func() {
		counts, noPosition := d.units.Counts()
		for l, n := range counts {
			st.Units[avl.StaleLevel(l).String()] = n
		}
		st.Units["no_position"] = noPosition
		st.Emergencies = d.emergencyViews()
		st.Rejections = d.topRejections(5)
		st.Late = d.units.Late()
	})
	return st, err
}

// EmergencyView is an emergency as the API and `radiogw status` show it:
// with the unit (call sign) beside the radio ID that raised it.
type EmergencyView struct {
	channels.EmergencyState
	Unit         string `json:"unit,omitempty"`
	UnitAlphaTag string `json:"unit_alpha_tag,omitempty"`
}

// emergencyViews names every active emergency's unit; loop goroutine only.
func (d *Daemon) emergencyViews() []EmergencyView {
	out := []EmergencyView{}
	for _, e := range d.chans.Emergencies() {
		v := EmergencyView{EmergencyState: e}
		if id, known := d.units.Resolve(avl.RadioID, e.RadioID); known {
			v.Unit = id
			if u, ok := d.units.Unit(id); ok {
				v.UnitAlphaTag = u.AlphaTag
			}
		}
		out = append(out, v)
	}
	return out
}

// handleReady answers 200 or 503 to anyone (a load balancer's check); the
// status body only to readers when a read token is configured.
func (d *Daemon) handleReady(w http.ResponseWriter, r *http.Request, reader bool) {
	st, err := d.status(r.Context())
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

func (d *Daemon) handleStatus(w http.ResponseWriter, r *http.Request) {
	st, err := d.status(r.Context())
	if err != nil {
		httpError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (d *Daemon) handleUnits(w http.ResponseWriter, r *http.Request) {
	var out [][]byte
	now := time.Now()
	site := d.config().Site
	d.call(r.Context(), func() {
		for _, u := range d.units.Units() {
			if b, err := mqttsink.UnitPayload(site, &u, now); err == nil {
				out = append(out, b)
			}
		}
	})
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

func (d *Daemon) handleUnit(w http.ResponseWriter, r *http.Request) {
	var (
		u  avl.Unit
		ok bool
	)
	d.call(r.Context(), func() { u, ok = d.units.Unit(r.PathValue("unit")) })
	if !ok {
		httpError(w, http.StatusNotFound, "no such unit")
		return
	}
	b, err := mqttsink.UnitPayload(d.config().Site, &u, time.Now())
	if err != nil {
		httpError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

type trackPoint struct {
	Lat      float64   `json:"lat"`
	Lon      float64   `json:"lon"`
	Time     time.Time `json:"time"`
	SpeedKmh *float64  `json:"speed_kmh,omitempty"`
	Heading  *float64  `json:"heading,omitempty"`
	Source   string    `json:"source,omitempty"`
}

func (d *Daemon) handleTrack(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Has("format") {
		d.handleTrackExport(w, r) // history, not the breadcrumbs
		return
	}
	var fixes []avl.Crumb
	id := r.PathValue("unit")
	var ok bool
	d.call(r.Context(), func() {
		_, ok = d.units.Unit(id)
		fixes = d.units.Track(id)
	})
	if !ok {
		httpError(w, http.StatusNotFound, "no such unit")
		return
	}
	pts := make([]trackPoint, 0, len(fixes))
	for _, f := range fixes {
		pts = append(pts, trackPoint{Lat: f.Lat, Lon: f.Lon, Time: f.Time.UTC(), SpeedKmh: publish.Opt(f.SpeedKmh),
			Heading: publish.Opt(f.Heading), Source: f.Source})
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

func (d *Daemon) handleNearest(w http.ResponseWriter, r *http.Request) {
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
	// status=available also takes the words the status tables put in that category
	also := d.config().StatusWords(q.Get("status"))
	d.call(r.Context(), func() {
		res = d.units.Nearest(avl.NearestQuery{Lat: lat, Lon: lon, Status: q.Get("status"), StatusAlso: also, N: n, Now: time.Now()})
	})
	out := make([]nearestResult, 0, len(res))
	for _, x := range res {
		out = append(out, nearestResult{Unit: x.Unit.ID, AlphaTag: x.Unit.AlphaTag, Status: x.Unit.Status,
			DistanceM: publish.Round(x.DistanceM, publish.TenthDecimals), FixAgeS: seconds(x.FixAge), Lat: x.Unit.Position.Lat, Lon: x.Unit.Position.Lon,
			Stale: x.Unit.Stale.String()})
	}
	writeJSON(w, http.StatusOK, map[string]any{"class": "nearest", "v": 1, "units": out})
}

// handleChannels answers with the same payloads as the retained MQTT
// channel topics, talkers resolved to call signs.
func (d *Daemon) handleChannels(w http.ResponseWriter, r *http.Request) {
	var states []channels.ChannelState
	d.call(r.Context(), func() { states = d.chans.Channels() })
	site := d.config().Site
	out := make([]json.RawMessage, 0, len(states))
	for i := range states {
		if b, err := mqttsink.ChannelPayload(site, &states[i], d.resolveRadio); err == nil {
			out = append(out, b)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (d *Daemon) handleEmergencies(w http.ResponseWriter, r *http.Request) {
	out := []EmergencyView{}
	d.call(r.Context(), func() { out = d.emergencyViews() })
	writeJSON(w, http.StatusOK, out)
}

// ForgetResult is the answer of DELETE /api/v1/units/{unit}.
type ForgetResult struct {
	Unit    string `json:"unit"`
	Tracked bool   `json:"tracked"` // the unit was tracked and is removed
}

// handleForget removes a unit (a forged or retired ID) from the tracker and
// deletes its retained topics (units/<unit>, the OwnTracks mirror) and its
// place on the map. A name radiogw does not track still gets its retained
// topics deleted: a leftover from before a restart.
func (d *Daemon) handleForget(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("unit")
	if reason := topicname.Check(id); reason != "" {
		httpError(w, http.StatusBadRequest, "not a unit name: "+reason)
		return
	}
	var res ForgetResult
	err := d.call(r.Context(), func() { res = d.forget(id, time.Now()) })
	if err != nil {
		httpError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// forget runs on the loop goroutine.
func (d *Daemon) forget(id string, now time.Time) ForgetResult {
	res := ForgetResult{Unit: id}
	c, ok := d.units.Forget(id, now)
	res.Tracked = ok
	// A peer that announced this ID would bring it back with its next bare fix.
	for k, v := range d.idents {
		if v.id == id {
			delete(d.idents, k)
		}
	}
	if ok {
		d.emit(publish.Batch{Units: []avl.Change{c}}) // the sinks see it; emit deletes the retained topics
	} else if d.mqtt != nil {
		d.mqtt.Forget(id)
	}
	d.metrics.UnitsForgotten.Inc()
	d.log.Info("unit forgotten on request", "unit", id, "was_tracked", ok)
	return res
}

// handleAck takes {"by": "disp4"} (optional) and validates it, with the
// emergency ID from the path, through the same parser as the MQTT command
// topic, so both paths accept exactly the same commands.
func (d *Daemon) handleAck(action string) http.HandlerFunc {
	topic := map[string]string{"ack": "emergency_ack", "clear": "emergency_clear"}[action]
	return func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if r.ContentLength != 0 {
			dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, mqttsink.MaxCommandBytes))
			if err := dec.Decode(&body); err != nil {
				d.metrics.CommandsTotal.WithLabelValues("http", "malformed").Inc()
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
			d.metrics.CommandsTotal.WithLabelValues("http", mqttsink.CommandResult(err)).Inc()
			httpError(w, http.StatusBadRequest, err.Error())
			return
		}
		err = d.command(r.Context(), cmd, "http")
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

// command applies an emergency ack or clear on the loop goroutine.
func (d *Daemon) command(ctx context.Context, c mqttsink.Command, via string) error {
	var err error
	callErr := d.call(ctx, func() {
		var changes []channels.Change
		now := time.Now()
		d.journalAdd(journalRec{K: "c", Cmd: &journalCmd{Action: c.Action, ID: c.ID, By: c.By, At: now}}, now)
		d.journalFlush()
		switch c.Action {
		case "ack":
			changes, err = d.chans.Ack(c.ID, c.By, now)
		case "clear":
			changes, err = d.chans.Clear(c.ID, c.By, now)
		default:
			err = fmt.Errorf("unknown action %q", c.Action)
		}
		var b publish.Batch
		for _, ch := range changes {
			d.addChannelChange(&b, ch)
		}
		d.addUnitEvents(&b)
		d.emit(b)
	})
	if callErr != nil {
		return callErr
	}
	result := "ok"
	switch {
	case errors.Is(err, channels.ErrUnknownEmergency):
		result = "unknown_emergency"
	case err != nil:
		result = "rejected"
	}
	d.metrics.CommandsTotal.WithLabelValues(via, result).Inc()
	return err
}

// onCommand receives MQTT commands on paho's goroutine; it must not block,
// so the command is applied from a goroutine of its own.
func (d *Daemon) onCommand(c mqttsink.Command) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := d.command(ctx, c, "mqtt"); err != nil {
			d.log.Warn("emergency command rejected", "action", c.Action, "id", c.ID, "err", err)
		}
	}()
}

// readyGrace is how long the MQTT sink may be disconnected before /readyz
// says not ready: longer than a reconnect, shorter than an operator's patience.
const readyGrace = 10 * time.Second

// sinkState fills in a sink's destination state.
func (d *Daemon) sinkState(name string, ss *sinkStatus, now time.Time) {
	switch {
	case name == "mqtt" && d.mqtt != nil:
		up, since := d.mqtt.Connected()
		age := now.Sub(since).Seconds()
		ss.Connected, ss.StateForS = &up, &age
		ss.MemoryBacklog = d.mqtt.MemoryBacklog()
		if d.mqtt.Passive() {
			ss.LastError = "standby: not connected by design"
		}
	case name == "influx" && d.influx != nil && d.influx.HasServer():
		st := d.influx.Stats()
		if !st.Tried {
			return
		}
		up := st.Up
		ss.Connected = &up
		if !up {
			ss.LastError = st.LastError
		}
		if !st.LastWrite.IsZero() {
			age := now.Sub(st.LastWrite).Seconds()
			ss.StateForS = &age
		}
	}
}
