package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"time"

	"radiogw/avl"
	"radiogw/channels"
	"radiogw/gateway/api"
	"radiogw/gateway/broker"
	"radiogw/gateway/netguard"
	mqttsink "radiogw/gateway/publish/mqtt"
	"radiogw/gateway/track"
	"radiogw/hcl"
)

// listenHTTP binds the HTTP port before anything else starts: /healthz,
// /metrics, the API and the wall map are how a site sees radiogw, and
// keepalived's notify script switches its role through it (radiogw role),
// so a port that cannot be had fails the start, as the embedded broker's
// does, instead of a daemon running blind.
func (d *Daemon) listenHTTP(cfg *hcl.Config) (net.Listener, error) {
	if cfg.HTTP.Listen == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		return nil, fmt.Errorf("http { listen = %q }: %w (another process holds the address: stop it or choose another; listen = \"\" turns the HTTP server off)",
			cfg.HTTP.Listen, err)
	}
	return ln, nil
}

// startHTTP serves on the listener listenHTTP bound (nil: no HTTP server).
func (d *Daemon) startHTTP(cfg *hcl.Config, raw net.Listener) {
	if raw == nil {
		return
	}
	ln := netguard.Wrap(raw, "http", netguard.Limits{MaxConns: cfg.HTTP.MaxConns, MaxPerAddr: cfg.HTTP.MaxPerAddr,
		TimeoutEvent: api.HeaderTimeout},
		func(e string) { d.metrics.HTTPEvents.WithLabelValues(e).Inc() }, d.log)
	d.httpGuard = ln
	// Timeouts against slowloris: the headers must be in within 5 s and the
	// whole request within 10 s of the connection's turn; an idle
	// keep-alive connection is closed after 30 s. With the caps on the
	// listener, a slow client holds at most max_conns_per_addr slots for a
	// few seconds.
	d.http = &http.Server{Handler: api.Handler(cfg, backend{d}, d.metrics, d.log), ReadHeaderTimeout: 5 * time.Second,
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
}

func (d *Daemon) status(ctx context.Context) (api.Status, error) {
	cfg := d.config()
	st := api.Status{Site: cfg.Site, Version: d.opts.Version, Ready: d.Healthy(), Units: map[string]int{},
		InboxDepth: d.pipe.Depth()}
	if d.broker != nil {
		st.Broker = &api.BrokerStatus{Accepting: d.broker.Accepting(), Connections: d.broker.Connections()}
		// Displays cannot connect to a broker that does not accept.
		st.Ready = st.Ready && st.Broker.Accepting
	}
	now := time.Now()
	d.srcMu.Lock()
	for _, rs := range d.sources {
		up, conns, err := rs.state()
		ss := api.SourceStatus{Name: rs.cfg.Name, Type: rs.cfg.Type, Codec: rs.cfg.Codec, Up: up, Connections: conns}
		if ns := rs.lastSeen.Load(); ns > 0 {
			age := api.Seconds(now.Sub(time.Unix(0, ns)))
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
		ss := api.SinkStatus{Name: name, OutboxDepth: os.Depth, OutboxBytes: os.Bytes,
			WriteFailing: os.WriteFailing, WriteError: os.LastWriteError}
		d.sinkState(name, &ss, now)
		if !os.OldestTime.IsZero() {
			age := api.Seconds(now.Sub(os.OldestTime))
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
		counts, noPosition := d.pipe.Units().Counts()
		for l, n := range counts {
			st.Units[avl.StaleLevel(l).String()] = n
		}
		st.Units["no_position"] = noPosition
		st.Emergencies = d.emergencyViews()
		for _, r := range d.pipe.TopRejections(5) {
			st.Rejections = append(st.Rejections, api.RejectionCount{Source: r.Source, Reason: r.Reason, Count: r.Count})
		}
		st.Late = d.pipe.Units().Late()
	})
	return st, err
}

// emergencyViews names every active emergency's unit; loop goroutine only.
func (d *Daemon) emergencyViews() []api.EmergencyView {
	out := []api.EmergencyView{}
	for _, e := range d.pipe.Channels().Emergencies() {
		v := api.EmergencyView{EmergencyState: e}
		if id, known := d.pipe.Units().Resolve(avl.RadioID, e.RadioID); known {
			v.Unit = id
			if u, ok := d.pipe.Units().Unit(id); ok {
				v.UnitAlphaTag = u.AlphaTag
			}
		}
		out = append(out, v)
	}
	return out
}

// forget runs on the loop goroutine.
func (d *Daemon) forget(id string, now time.Time) api.ForgetResult {
	res := api.ForgetResult{Unit: id}
	res.Tracked = d.pipe.Forget(id, now) // the sinks see it; output deletes the retained topics
	if !res.Tracked && d.mqtt != nil {
		d.mqtt.Forget(id)
	}
	d.metrics.UnitsForgotten.Inc()
	d.log.Info("unit forgotten on request", "unit", id, "was_tracked", res.Tracked)
	return res
}

// command applies an emergency ack or clear on the loop goroutine.
func (d *Daemon) command(ctx context.Context, c mqttsink.Command, via string) error {
	var err error
	callErr := d.call(ctx, func() { err = d.pipe.Command(c.Action, c.ID, c.By) })
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
func (d *Daemon) sinkState(name string, ss *api.SinkStatus, now time.Time) {
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

// backend answers the API's queries: tracker reads on the loop goroutine.
type backend struct{ d *Daemon }

var _ api.Backend = backend{}

func (b backend) Status(ctx context.Context) (api.Status, error) { return b.d.status(ctx) }
func (b backend) Site() string                                   { return b.d.config().Site }
func (b backend) ResolveRadio(id string) string                  { return b.d.resolveRadio(id) }
func (b backend) Role() string                                   { return b.d.Role() }
func (b backend) Pair() bool                                     { return b.d.config().HA != nil }
func (b backend) SetRole(role string) error                      { return b.d.SetRole(role) }

func (b backend) Command(ctx context.Context, c mqttsink.Command, via string) error {
	return b.d.command(ctx, c, via)
}

func (b backend) Units(ctx context.Context) (us []avl.Unit, err error) {
	err = b.d.call(ctx, func() { us = b.d.pipe.Units().Units() })
	return us, err
}

func (b backend) Unit(ctx context.Context, id string) (u avl.Unit, ok bool, err error) {
	err = b.d.call(ctx, func() { u, ok = b.d.pipe.Units().Unit(id) })
	return u, ok, err
}

func (b backend) Track(ctx context.Context, id string) (crumbs []avl.Crumb, ok bool, err error) {
	err = b.d.call(ctx, func() {
		_, ok = b.d.pipe.Units().Unit(id)
		crumbs = b.d.pipe.Units().Track(id)
	})
	return crumbs, ok, err
}

func (b backend) Nearest(ctx context.Context, q avl.NearestQuery) (res []avl.NearestResult, err error) {
	// status=available also takes the words the status tables put in that category
	q.StatusAlso = b.d.config().StatusWords(q.Status)
	err = b.d.call(ctx, func() { res = b.d.pipe.Units().Nearest(q) })
	return res, err
}

func (b backend) Channels(ctx context.Context) (states []channels.ChannelState, err error) {
	err = b.d.call(ctx, func() { states = b.d.pipe.Channels().Channels() })
	return states, err
}

func (b backend) Emergencies(ctx context.Context) (out []api.EmergencyView, err error) {
	err = b.d.call(ctx, func() { out = b.d.emergencyViews() })
	return out, err
}

func (b backend) Forget(ctx context.Context, unit string) (res api.ForgetResult, err error) {
	err = b.d.call(ctx, func() { res = b.d.forget(unit, time.Now()) })
	return res, err
}

// History reads q from InfluxDB when configured, else from the InfluxDB
// outbox, which then holds the whole history within its caps.
func (b backend) History(ctx context.Context, q track.Query) ([]track.Point, error) {
	if c := b.d.config().Influx; c != nil {
		return track.FromInflux(ctx, track.Influx{URL: c.URL, Bucket: c.Bucket, Token: c.Token.Value()}, q)
	}
	o := b.d.outboxes["influx"]
	if o == nil {
		return nil, errors.New("no InfluxDB and no outbox to read history from")
	}
	return track.FromLineProtocol(o.Scan, q)
}

// initRefusalCounters makes every refusal counter present at zero.
func (d *Daemon) initRefusalCounters() {
	api.InitCounters(d.metrics)
	for _, l := range []string{broker.ListenerTCP, broker.ListenerWS} {
		for _, e := range broker.Events {
			d.metrics.BrokerEvents.WithLabelValues(l, e)
		}
	}
}
