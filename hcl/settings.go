package hcl

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Defaults filled in by Load; docs/config.md lists them for technicians.
const (
	DefaultHTTPListen      = "127.0.0.1:8080"
	DefaultBrokerListen    = "127.0.0.1:1883"
	DefaultBrokerWebSocket = "127.0.0.1:9001"
	DefaultUnitType        = "default"
	DefaultUnitRate        = 2.0
	DefaultMQTTKeepAlive   = 30 * time.Second
	DefaultHAPrefix        = "homeassistant" // Home Assistant's discovery prefix
	DefaultAccuracyM       = 50.0            // metres, for fixes with neither accuracy nor HDOP
	DefaultFsync           = "batch"
	// DefaultCommitEvery is outbox.DefaultCommitEvery: at most 200 fsyncs
	// a second per outbox under "batch".
	DefaultCommitEvery   = 5 * time.Millisecond
	MaxCommitEvery       = time.Second
	DefaultSnapshotEvery = 30 * time.Second
	DefaultMaxBytes      = 1 << 30
	DefaultMaxAge        = 7 * 24 * time.Hour
	DefaultInfluxBatch   = 5000
	DefaultInfluxFlush   = time.Second
	DefaultInfluxTimeout = 10 * time.Second
	// DefaultBreadcrumbs keeps a unit under 2 KiB of memory (docs/tracking.md).
	DefaultBreadcrumbs = 50
	// Connection caps: far above a dispatch center's displays and consoles,
	// far below the file descriptors radiogw has (docs/RELIABILITY.md).
	DefaultHTTPMaxConns          = 256
	DefaultHTTPMaxConnsPerAddr   = 64
	DefaultBrokerMaxConns        = 1000
	DefaultBrokerMaxConnsPerAddr = 100
	DefaultBrokerConnectTimeout  = 5 * time.Second
	MaxBreadcrumbs               = 10000
)

// buildBreadcrumbs checks the per-unit trail length.
func (b *builder) buildBreadcrumbs(v *int, rng hcl.Range) {
	b.cfg.Breadcrumbs = DefaultBreadcrumbs
	if v == nil {
		return
	}
	if *v < 0 || *v > MaxBreadcrumbs {
		b.d.add(rng, "Invalid value for breadcrumbs",
			"breadcrumbs = %d must be from 0 (no trail) to %d fixes per unit.", *v, MaxBreadcrumbs)
		return
	}
	b.cfg.Breadcrumbs = *v
}

// buildHA reads the pair settings. An instance of a pair starts as a standby
// unless told otherwise: two actives at once would both publish.
func (b *builder) buildHA(r *rawHA) {
	if r == nil {
		return
	}
	if b.cfg.EmbeddedBroker() {
		b.d.add(r.DefRange, "An active/standby pair needs a shared broker",
			"The ha block makes this instance one of a pair; both must publish to the same broker, so add an mqtt block with a broker (the embedded broker is per host).")
	}
	b.cfg.HA = &HA{Role: b.d.enum(r.Role, r.RoleRange, "role", RoleStandby, RoleActive, RoleStandby)}
}

func (b *builder) buildLog(r *rawLog) {
	if r == nil {
		r = &rawLog{}
	}
	b.cfg.Log = Log{
		Level:  b.d.enum(r.Level, r.LevelRange, "level", "info", "debug", "info", "warn", "error"),
		Format: b.d.enum(r.Format, r.FormatRange, "format", "auto", "auto", "text", "json"),
	}
}

func (b *builder) buildStorage(r *rawStorage) {
	if r == nil {
		r = &rawStorage{}
	}
	s := Storage{
		Dir:           str(r.Dir, ""),
		Fsync:         b.d.enum(r.Fsync, r.FsyncRange, "fsync", DefaultFsync, "always", "batch", "never"),
		MaxBytes:      positive(b.d, r.MaxBytes, r.MaxBytesRange, "max_bytes", DefaultMaxBytes),
		MaxAge:        b.d.duration(r.MaxAge, DefaultMaxAge),
		SnapshotEvery: b.d.duration(r.SnapshotEvery, DefaultSnapshotEvery),
		CommitEvery:   b.d.duration(r.CommitEvery, DefaultCommitEvery),
	}
	if r.CommitEvery != nil && (s.CommitEvery < time.Millisecond || s.CommitEvery > MaxCommitEvery) {
		b.d.add(r.CommitEvery.Expr.Range(), "Invalid commit_interval",
			"commit_interval = %v must be from 1ms to %v: it is the longest a power cut may take back of what radiogw accepted.",
			s.CommitEvery, MaxCommitEvery)
		s.CommitEvery = DefaultCommitEvery
	}
	switch {
	case s.Dir != "":
	case os.Getenv("XDG_STATE_HOME") != "":
		s.Dir = filepath.Join(os.Getenv("XDG_STATE_HOME"), "radiogw")
	default:
		s.Dir = "./data"
	}
	b.cfg.Storage = s
	b.cfg.DataDir = s.Dir
}

// Defaults of the unlisted { } block: room for a mid-size site with no
// roster at all (every unit unlisted), while a flood of invented IDs stays
// at a few tens of megabytes and as many retained topics.
const (
	DefaultUnlistedPerSource = 10000
	DefaultUnlistedTotal     = 20000
	DefaultUnlistedGrace     = time.Hour
)

func (b *builder) buildUnlisted(r *rawUnlisted) {
	if r == nil {
		r = &rawUnlisted{}
	}
	u := Unlisted{
		MaxPerSource: positive(b.d, r.MaxPerSource, r.MaxPerSourceRange, "max_per_source", DefaultUnlistedPerSource),
		MaxTotal:     positive(b.d, r.MaxTotal, r.MaxTotalRange, "max_total", DefaultUnlistedTotal),
		Expire:       r.Expire == nil || *r.Expire,
		Grace:        b.d.duration(r.Grace, DefaultUnlistedGrace),
	}
	if u.MaxPerSource > u.MaxTotal {
		b.d.add(r.MaxPerSourceRange, "Invalid max_per_source",
			"unlisted max_per_source (%d) must not exceed max_total (%d).", u.MaxPerSource, u.MaxTotal)
	}
	b.cfg.Unlisted = u
}

func (b *builder) buildHTTP(r *rawHTTP) {
	if r == nil {
		b.cfg.HTTP = HTTP{Listen: DefaultHTTPListen, MaxConns: DefaultHTTPMaxConns, MaxPerAddr: DefaultHTTPMaxConnsPerAddr}
		return
	}
	h := HTTP{
		Listen:     str(r.Listen, DefaultHTTPListen),
		Pprof:      boolean(r.Pprof, false),
		Token:      b.d.secret(r.TokenFile, r.TokenEnv, "HTTP token"),
		ReadToken:  b.d.secret(r.ReadTokenFile, r.ReadTokenEnv, "HTTP read token"),
		MaxConns:   positive(b.d, r.MaxConns, r.MaxConnsRange, "max_conns", DefaultHTTPMaxConns),
		MaxPerAddr: positive(b.d, r.MaxPerAddr, r.MaxPerAddrRange, "max_conns_per_addr", DefaultHTTPMaxConnsPerAddr),
	}
	if r.AllowedHosts != nil {
		for _, n := range *r.AllowedHosts {
			if n == "" || strings.ContainsAny(n, "/:@ *") {
				b.d.add(r.AllowedHostsRng, "Invalid host name",
					"allowed_hosts entries are host names such as \"wallmap.example.org\" (no scheme, port or wildcard); got %q.", n)
			}
		}
		h.AllowedHosts = *r.AllowedHosts
	}
	if h.Listen != "" {
		b.d.hostPort(h.Listen, r.ListenRange, "listen")
	}
	if h.Token.Value() != "" && h.Token.Value() == h.ReadToken.Value() {
		b.d.add(r.DefRange, "Read token equals write token",
			"read_token is handed to every wall display; it must differ from token, which acknowledges emergencies.")
	}
	b.cfg.HTTP = h
}

// mqttSchemes are the broker URL schemes paho accepts.
var mqttSchemes = []string{"tcp", "ssl", "tls", "mqtt", "mqtts", "ws", "wss"}

// mqttBroker checks a broker URL has a scheme paho accepts and a host part.
func (d *diags) mqttBroker(url string, rng hcl.Range) {
	if d.inlineCredentials("MQTT broker URL", url, rng, "password_file") {
		return
	}
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok || rest == "" || !slices.Contains(mqttSchemes, scheme) {
		d.add(rng, "Invalid MQTT broker URL",
			"%q must look like \"tcp://host:1883\"; schemes: %s.", url, quoteList(mqttSchemes))
	}
}

func (b *builder) buildMQTT(r *rawMQTT) {
	if r == nil {
		return
	}
	m := &MQTT{
		Broker:    str(r.Broker, ""),
		ClientID:  str(r.ClientID, "radiogw-"+b.cfg.Site),
		TopicRoot: str(r.TopicRoot, "radiogw/"+b.cfg.Site),
		Username:  str(r.Username, ""),
		Password:  b.d.secret(r.PasswordFile, r.PasswordEnv, "MQTT password"),
		UnitRate:  positive(b.d, r.UnitRate, r.UnitRateRange, "unit_rate", DefaultUnitRate),
		OwnTracks: boolean(r.OwnTracks, false),
		KeepAlive: b.d.duration(r.KeepAlive, DefaultMQTTKeepAlive),
		StateLink: boolean(r.StateLink, true),

		HomeAssistant:    boolean(r.HomeAssistant, false),
		HAPrefix:         str(r.HAPrefix, DefaultHAPrefix),
		DefaultAccuracyM: positive(b.d, r.DefaultAccM, r.DefaultAccMR, "default_accuracy_m", DefaultAccuracyM),
	}
	if m.Broker != "" { // no broker: the embedded one, with this block's options
		b.d.mqttBroker(m.Broker, r.BrokerRange)
	}
	if p := m.HAPrefix; p == "" || strings.ContainsAny(p, "+#") || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") {
		b.d.add(r.HAPrefixRange, "Invalid homeassistant_prefix",
			"%q must be non-empty, contain no '+' or '#', and not start or end with '/'.", p)
	}
	if m.TopicRoot == "" || strings.ContainsAny(m.TopicRoot, "+#") || strings.HasPrefix(m.TopicRoot, "/") || strings.HasSuffix(m.TopicRoot, "/") {
		b.d.add(r.TopicRange, "Invalid topic_root",
			"%q must be non-empty, contain no '+' or '#', and not start or end with '/'.", m.TopicRoot)
	}
	if t := r.TLS; t != nil {
		m.TLS = &TLS{
			CAFile:     b.relPath(str(t.CAFile, ""), r.DefRange),
			CertFile:   b.relPath(str(t.CertFile, ""), r.DefRange),
			KeyFile:    b.relPath(str(t.KeyFile, ""), r.DefRange),
			ServerName: str(t.ServerName, ""),
			Insecure:   boolean(t.Insecure, false),
		}
	}
	b.cfg.MQTT = m
}

func (b *builder) buildBroker(r *rawBroker) {
	br := Broker{Listen: DefaultBrokerListen, WebSocket: DefaultBrokerWebSocket, MaxConns: DefaultBrokerMaxConns,
		MaxPerAddr: DefaultBrokerMaxConnsPerAddr, ConnectTimeout: DefaultBrokerConnectTimeout}
	if r != nil {
		br.MaxConns = positive(b.d, r.MaxConns, r.MaxConnsRange, "max_conns", DefaultBrokerMaxConns)
		br.MaxPerAddr = positive(b.d, r.MaxPerAddr, r.MaxPerAddrRng, "max_conns_per_addr", DefaultBrokerMaxConnsPerAddr)
		br.ConnectTimeout = b.d.duration(r.ConnectTimeout, DefaultBrokerConnectTimeout)
		if br.ConnectTimeout == 0 {
			br.ConnectTimeout = DefaultBrokerConnectTimeout
		}
		br.Listen = str(r.Listen, DefaultBrokerListen)
		br.WebSocket = str(r.WebSocket, DefaultBrokerWebSocket)
		br.Auth = boolean(r.Auth, false)
		if r.AllowedOrigins != nil {
			br.AllowedOrigins = *r.AllowedOrigins
		}
		if br.Listen == "" {
			b.d.add(r.ListenRange, "Invalid address", "The embedded broker needs a TCP listen address.")
		} else {
			b.d.hostPort(br.Listen, r.ListenRange, "listen")
		}
		if br.WebSocket != "" {
			b.d.hostPort(br.WebSocket, r.WebSocketRange, "websocket")
		}
		var seen names
		for _, u := range r.Users {
			b.claim(&seen, "broker user", u.Name, u.DefRange)
			if u.PasswordFile == nil && u.PasswordEnv == nil {
				b.d.add(u.DefRange, "Missing broker user password",
					"user %q needs password_file or password_env.", u.Name)
			}
			br.Users = append(br.Users, BrokerUser{
				Name:     u.Name,
				Password: b.d.secret(u.PasswordFile, u.PasswordEnv, "broker password"),
				Role:     b.d.enum(&u.Role, u.RoleRange, "role", "display", "display", "dispatcher"),
			})
		}
	}
	b.cfg.Broker = br
}

func (b *builder) buildInflux(r *rawInflux) {
	if r == nil {
		return
	}
	in := &Influx{
		URL:        r.URL,
		Org:        str(r.Org, ""),
		Bucket:     r.Bucket,
		Token:      b.d.secret(r.TokenFile, r.TokenEnv, "InfluxDB token"),
		BatchSize:  positive(b.d, r.BatchSize, r.BatchSizeRange, "batch_size", DefaultInfluxBatch),
		FlushEvery: b.d.duration(r.FlushEvery, DefaultInfluxFlush),
		Timeout:    b.d.duration(r.Timeout, DefaultInfluxTimeout),
		GZip:       r.GZip,
	}
	if b.d.inlineCredentials("InfluxDB URL", r.URL, r.URLRange, "token_file") {
		// reported; the URL is not echoed
	} else if !strings.HasPrefix(r.URL, "http://") && !strings.HasPrefix(r.URL, "https://") {
		b.d.add(r.URLRange, "Invalid InfluxDB URL", "%q must start with http:// or https://.", r.URL)
	}
	b.cfg.Influx = in
}

// relPath resolves a path relative to the directory of the file at rng.
func (b *builder) relPath(p string, rng hcl.Range) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(rng.Filename), p)
}
