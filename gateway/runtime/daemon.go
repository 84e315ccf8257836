// Package runtime starts, reloads and stops radiogw: it builds the rooms of
// gateway/ from a configuration (sources → decoders → the pipeline → sinks,
// the broker, the HTTP API) and wires them together, reloads them on SIGHUP
// without losing state, and shuts them down in order. It is the only
// package that knows them all; none of them imports it.
package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"radiogw/gateway/broker"
	"radiogw/gateway/cap"
	"radiogw/gateway/change"
	"radiogw/gateway/metrics"
	"radiogw/gateway/netguard"
	"radiogw/gateway/pipeline"
	"radiogw/gateway/publish/influx"
	mqttsink "radiogw/gateway/publish/mqtt"
	"radiogw/gateway/publish/outbox"
	"radiogw/gateway/ratelog"
	"radiogw/gateway/replies"
	"radiogw/gateway/talkgroup"
	"radiogw/gateway/topicname"
	"radiogw/hcl"
)

// Notifier tells the service manager about the daemon's state (systemd's
// sd_notify); nil-safe no-ops when not under systemd.
type Notifier interface {
	Ready()
	Reloading()
	Stopping()
	Status(string)
}

type nopNotifier struct{}

func (nopNotifier) Ready()        {}
func (nopNotifier) Reloading()    {}
func (nopNotifier) Stopping()     {}
func (nopNotifier) Status(string) {}

// Options are the daemon's non-config settings.
type Options struct {
	Logger       *slog.Logger
	Notifier     Notifier
	Version      string
	DrainBudget  time.Duration // how long shutdown waits for sinks to flush (default 10s)
	InboxSoftCap int           // observations queued before positions coalesce (default 100000)
}

// Daemon is one running radiogw.
type Daemon struct {
	opts    Options
	log     *slog.Logger
	metrics *metrics.Metrics
	notify  Notifier

	cfgMu sync.Mutex
	cfg   *hcl.Config

	broker   *broker.Broker
	mqtt     *mqttsink.Sink
	cap      *cap.Publisher // nil without a cap block
	influx   *influx.Sink
	sinks    []change.Sink
	outboxes map[string]*outbox.Outbox
	logs     ratelog.Keys
	pipe     *pipeline.Pipeline // the tracker goroutine and all tracker state
	replyObs prometheus.Counter // observations of kind "reply"

	replies        *replies.Sender // devices' replies, under per-address and overall limits
	replyLogs      *ratelog.Limiter
	outboxDropSeen map[string]uint64 // outbox\x00reason → drops already added to the counter
	lastHealth     time.Time         // loop goroutine only (tick)
	lastStatus     time.Time         // loop goroutine only (tick)

	radioNames atomic.Pointer[map[string]string] // radio ID → call sign, for sinks
	talkgroups atomic.Pointer[talkgroup.Table]   // talkgroup number (and system) → channel name

	srcMu   sync.Mutex
	sources map[string]*runningSource
	srcWG   sync.WaitGroup
	srcCtx  context.Context // parent of every source; cancelled on shutdown
	fatal   chan error      // a source whose startup policy is "fail" could not start

	http      *http.Server
	httpGuard *netguard.Listener
}

// New prepares a daemon from a loaded configuration. Nothing is opened yet.
func New(cfg *hcl.Config, opts Options) (*Daemon, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Notifier == nil {
		opts.Notifier = nopNotifier{}
	}
	if opts.DrainBudget <= 0 {
		opts.DrainBudget = 10 * time.Second
	}
	if opts.InboxSoftCap <= 0 {
		opts.InboxSoftCap = 100000
	}
	ac, cc, err := trackerConfigs(cfg)
	if err != nil {
		return nil, err
	}
	d := &Daemon{opts: opts, log: opts.Logger, metrics: metrics.New(), notify: opts.Notifier, cfg: cfg,
		outboxes: map[string]*outbox.Outbox{}, outboxDropSeen: map[string]uint64{}, sources: map[string]*runningSource{},
		fatal: make(chan error, 1), replies: replies.New(), replyLogs: ratelog.New(10 * time.Second)}
	d.pipe = pipeline.New(ac, cc, pipelineSettings(cfg), pipeline.Options{Logger: opts.Logger, Metrics: d.metrics,
		InboxSoftCap: opts.InboxSoftCap, Output: d.output, Tick: d.tick})
	d.initMetrics()
	d.replyObs = d.metrics.Observations.WithLabelValues("reply")
	d.initRefusalCounters()
	d.setLookups(cfg)
	d.metrics.Drops.WithLabelValues("sink_mqtt", "bad_topic_name").Add(0)
	for _, reason := range topicname.Reasons {
		d.metrics.NamesRejected.WithLabelValues("snapshot", reason).Add(0)
		d.metrics.NamesRejected.WithLabelValues("follower", reason).Add(0)
	}
	return d, nil
}

// Metrics exposes the daemon's metrics (for tests and the HTTP server).
func (d *Daemon) Metrics() *metrics.Metrics { return d.metrics }

func (d *Daemon) config() *hcl.Config {
	d.cfgMu.Lock()
	defer d.cfgMu.Unlock()
	return d.cfg
}

func (d *Daemon) topicRoot() string {
	cfg := d.config()
	if cfg.MQTT != nil && cfg.MQTT.TopicRoot != "" {
		return cfg.MQTT.TopicRoot
	}
	return "radiogw/" + cfg.Site
}

// Run starts everything and blocks until ctx is cancelled, then shuts down in
// order: sources stop, the trackers drain, sinks flush within the budget.
func (d *Daemon) Run(ctx context.Context) error {
	cfg := d.config()
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("data dir %s: %w", cfg.DataDir, err)
	}
	httpLn, err := d.listenHTTP(cfg)
	if err != nil {
		return err
	}
	serving := false
	defer func() {
		if httpLn != nil && !serving { // a start that failed after the bind
			httpLn.Close()
		}
	}()
	if err := d.pipe.OpenJournal(cfg.DataDir, cfg.Storage.MaxBytes); err != nil {
		d.log.Error("journal not opened: a crash will lose the state since the last snapshot", "err", err)
	}
	d.pipe.Restore()
	if err := d.startSinks(cfg); err != nil {
		d.closeAll(context.Background())
		return err
	}
	sinkCtx, stopSinks := context.WithCancel(context.Background())
	var sinkWG sync.WaitGroup
	for _, s := range d.sinks {
		sinkWG.Add(1)
		go func(s change.Sink) {
			defer sinkWG.Done()
			if err := s.Run(sinkCtx); err != nil {
				d.log.Error("sink stopped", "sink", s.Name(), "err", err)
			}
		}(s)
	}
	d.pipe.PublishRestored()
	if cfg.HA != nil {
		d.setRoleGauge()
		sinkWG.Add(1)
		go func() {
			defer sinkWG.Done()
			d.runFollower(sinkCtx, cfg)
		}()
	}

	loopCtx, stopLoop := context.WithCancel(context.Background())
	loopDone := make(chan struct{})
	go func() {
		defer close(loopDone)
		d.pipe.Run(loopCtx)
	}()

	srcCtx, stopSources := context.WithCancel(context.Background())
	d.srcCtx = srcCtx
	if err := d.startSources(srcCtx, cfg.Sources); err != nil {
		stopSources()
		d.srcWG.Wait()
		stopLoop()
		<-loopDone
		stopSinks()
		sinkWG.Wait()
		d.closeAll(context.Background())
		return err
	}
	d.startHTTP(cfg, httpLn)
	serving = true
	d.notify.Ready()
	d.log.Info("radiogw running", "site", cfg.Site, "sources", len(cfg.Sources), "units", len(cfg.Units),
		"channels", len(cfg.Channels), "topic_root", d.topicRoot(), "data_dir", cfg.DataDir)

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-d.fatal:
		d.log.Error("stopping: a required source failed", "err", runErr)
	}
	d.notify.Stopping()
	d.log.Info("shutting down")
	stopSources()
	d.srcWG.Wait()
	stopLoop()
	<-loopDone // the loop drained the inbox and wrote the last snapshot
	drain, cancel := context.WithTimeout(context.Background(), d.opts.DrainBudget)
	defer cancel()
	stopSinks()
	sinkWG.Wait()
	d.closeAll(drain)
	d.log.Info("stopped")
	return runErr
}

func (d *Daemon) closeAll(ctx context.Context) {
	if d.http != nil {
		d.http.Shutdown(ctx)
	}
	for _, s := range d.sinks {
		if err := s.Close(ctx); err != nil {
			d.log.Warn("sink close", "sink", s.Name(), "err", err)
		}
	}
	if d.broker != nil {
		d.broker.Close()
	}
	for name, o := range d.outboxes {
		if err := o.Close(); err != nil {
			d.log.Warn("outbox close", "sink", name, "err", err)
		}
	}
	d.pipe.Close()
}

func (d *Daemon) openOutbox(name string, cfg *hcl.Config) (*outbox.Outbox, error) {
	var reserve int64
	if name == "influx" {
		// Position history can make room on a full disk (outbox/room.go);
		// the MQTT outbox holds only events, which never go for room.
		reserve = outboxReserve
	}
	o, err := outbox.Open(outbox.Options{Dir: filepath.Join(cfg.DataDir, "outbox", name), Fsync: cfg.Storage.Fsync,
		CommitEvery: cfg.Storage.CommitEvery,
		MaxBytes:    cfg.Storage.MaxBytes, MaxAge: cfg.Storage.MaxAge, Reserve: reserve})
	if err != nil {
		return nil, fmt.Errorf("outbox %q: %w", name, err)
	}
	d.outboxes[name] = o
	return o, nil
}

// outboxReserve is the room an outbox keeps back to compact on a full disk.
const outboxReserve = 512 << 10

// ErrBrokerPortInUse wraps the embedded broker's port conflict with advice.
var ErrBrokerPortInUse = errors.New("embedded MQTT broker cannot start")

func (d *Daemon) startSinks(cfg *hcl.Config) error {
	q, err := d.openOutbox("mqtt", cfg)
	if err != nil {
		return err
	}
	opts := mqttsink.Options{Site: cfg.Site, TopicRoot: d.topicRoot(), ClientID: "radiogw-" + cfg.Site,
		Queue: q, OnMetric: d.mqttMetric, Logger: d.log, UnitRate: 2,
		Resolve:   d.resolveRadio,
		OnCommand: d.onCommand,
		Passive:   cfg.HA != nil && cfg.HA.Role == hcl.RoleStandby}
	if m := cfg.MQTT; m != nil {
		opts.OwnTracks, opts.HomeAssistant, opts.HAPrefix = m.OwnTracks, m.HomeAssistant, m.HAPrefix
		opts.DefaultAccuracyM = m.DefaultAccuracyM
		opts.SingleConnection = !m.StateLink
		if m.UnitRate > 0 {
			opts.UnitRate = m.UnitRate
		}
	}
	if m := cfg.MQTT; !cfg.EmbeddedBroker() {
		tlsCfg, err := tlsConfig(m.TLS)
		if err != nil {
			return err
		}
		opts.Broker, opts.Username, opts.Password, opts.TLS = m.Broker, m.Username, m.Password.Value(), tlsCfg
		opts.KeepAlive = m.KeepAlive
		if m.ClientID != "" {
			opts.ClientID = m.ClientID
		}
	} else {
		b, err := d.startBroker(cfg)
		if err != nil {
			return err
		}
		d.broker = b
		opts.Broker = b.Addr()
		opts.Username, opts.Password = b.GatewayLogin()
	}
	if err := d.wireCAP(cfg, &opts); err != nil {
		return err
	}
	sink, err := mqttsink.New(opts)
	if err != nil {
		return err
	}
	d.mqtt = sink
	d.sinks = append(d.sinks, sink)

	influx, err := d.newInfluxSink(cfg)
	if err != nil {
		return err
	}
	if influx != nil {
		d.sinks = append(d.sinks, influx)
	}
	return nil
}

func (d *Daemon) startBroker(cfg *hcl.Config) (*broker.Broker, error) {
	var users []broker.User
	for _, u := range cfg.Broker.Users {
		users = append(users, broker.User{Name: u.Name, Password: u.Password.Value(), Role: u.Role})
	}
	b, err := broker.Start(broker.Options{Listen: cfg.Broker.Listen, WebSocket: cfg.Broker.WebSocket,
		Auth: cfg.Broker.Auth, Users: users, TopicRoot: d.topicRoot(), Logger: d.log,
		AllowedOrigins: cfg.Broker.AllowedOrigins, AllowedHosts: cfg.HTTP.AllowedHosts,
		Limits:         netguard.Limits{MaxConns: cfg.Broker.MaxConns, MaxPerAddr: cfg.Broker.MaxPerAddr},
		ConnectTimeout: cfg.Broker.ConnectTimeout,
		OnEvent: func(listener, event string) {
			d.metrics.BrokerEvents.WithLabelValues(listener, event).Inc()
		}})
	if errors.Is(err, broker.ErrPortInUse) {
		return nil, fmt.Errorf("%w: %v\n\nAnother MQTT broker (often the site's own mosquitto) already listens there.\n"+
			"To publish to it instead, add this block to the configuration:\n\n    mqtt { broker = \"tcp://%s\" }\n\n"+
			"or move the embedded broker with: broker { listen = \"127.0.0.1:1884\" }",
			ErrBrokerPortInUse, err, cfg.Broker.Listen)
	}
	if err != nil {
		return nil, err
	}
	d.metrics.BrokerDropped.Set(func() []float64 {
		dr := b.Dropped()
		return []float64{float64(dr.InflightFull), float64(dr.WritesPending), float64(dr.Superseded)}
	})
	d.metrics.BrokerFlow.Set(func() []float64 { return []float64{float64(b.FlowHeld())} })
	d.log.Info("embedded MQTT broker listening", "tcp", cfg.Broker.Listen, "websocket", cfg.Broker.WebSocket,
		"auth", cfg.Broker.Auth)
	return b, nil
}

// setLookups refreshes the tables the sinks and decoders read off the loop
// goroutine: talkgroup number → channel name, radio ID → call sign.
func (d *Daemon) setLookups(cfg *hcl.Config) {
	tgs := make([]talkgroup.Channel, 0, len(cfg.Channels))
	for _, c := range cfg.Channels {
		tgs = append(tgs, talkgroup.Channel{Name: c.Name, System: c.System, Talkgroup: c.Talkgroup})
	}
	d.talkgroups.Store(talkgroup.New(tgs))
	d.pipe.SetSettings(pipelineSettings(cfg))
	m := map[string]string{}
	for _, u := range cfg.Units {
		for _, id := range u.RadioIDs {
			m[id] = u.CallSign
		}
	}
	d.radioNames.Store(&m)
}

// Healthy reports whether the tracker loop turned recently; the systemd
// watchdog pings only while it does.
func (d *Daemon) Healthy() bool { return d.pipe.Healthy() }

// call runs f on the tracker goroutine and waits for it.
func (d *Daemon) call(ctx context.Context, f func()) error { return d.pipe.Call(ctx, f) }
