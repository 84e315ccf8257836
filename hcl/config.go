// Package hcl loads, validates and formats radiogw's HCL configuration. It is
// the only package that imports hashicorp/hcl; everything else sees the plain
// Config below.
package hcl

import (
	"fmt"
	"time"
)

// Config is a whole, validated configuration: the main file merged with every
// channels.d/*.hcl file beside it.
type Config struct {
	Site       string
	DataDir    string // outbox and snapshot; default ./data or $XDG_STATE_HOME/radiogw
	Files      []string
	Sources    []Source
	Channels   []Channel
	Units      []Unit
	UnitTypes  []UnitType
	Geofences  []Geofence
	StatusTabs []StatusTable
	Profiles   []Profile // decoder line profiles (regex patterns)
	MQTT       *MQTT     // nil, or no broker in it: embedded broker
	Broker     Broker    // embedded broker settings, used when EmbeddedBroker()
	Influx     *Influx   // nil: outbox only, exportable later
	WallMap    WallMap
	HTTP       HTTP
	Storage    Storage
	Unlisted   Unlisted
	Log        Log
	HA         *HA  // nil: a single instance, always active
	CAP        *CAP // nil: no CAP alerts

	// Breadcrumbs is how many recent fixes each unit keeps for its trail;
	// Load sets DefaultBreadcrumbs when absent, 0 keeps none.
	Breadcrumbs int
}

// Unlisted bounds the units not in the roster (unlisted { }): anyone who
// can reach a source can invent them.
type Unlisted struct {
	MaxPerSource int           // default DefaultUnlistedPerSource
	MaxTotal     int           // default DefaultUnlistedTotal
	Expire       bool          // default true
	Grace        time.Duration // after the type's lost threshold; default DefaultUnlistedGrace
}

// Source types.
const (
	SourceSerial    = "serial"
	SourceUDP       = "udp"
	SourceTCPClient = "tcp_client"
	SourceTCPListen = "tcp_listen"
	SourceMQTT      = "mqtt" // subscribe to another system's broker (trunk-recorder)
	SourceHTTP      = "http" // an HTTP listener taking one report per request (OsmAnd / Traccar Client)
)

// Source is one transport feeding one codec.
type Source struct {
	Type  string // serial, udp, tcp_client, tcp_listen
	Name  string
	Codec string // key into the codec catalog
	// CodecOptions are the codec's own settings from the source's options
	// block, as the codec decoded them (nil without Options.CodecOptions).
	CodecOptions any
	Profile      string // for the "lines" codec: the profile name
	Framing      string // defaulted per type by Options.Sources
	Channel      string // optional: channel events from this source belong to
	MaxFrame     int    // bytes; defaulted per type by Options.Sources
	DeviceID     string // the device this source carries, for frames that name none
	Unit         string // or the unit (call sign) it carries
	Checksum     string // lenient (default): accept a wrong checksum when the fields parse, counted; or strict

	// udp, tcp_listen
	Listen          string
	Allow           []string // CIDRs; empty allows all
	MaxConns        int
	MaxConnsPerPeer int           // tcp_listen: connections from one address
	IdleTimeout     time.Duration // tcp_listen: default from Options.Sources.Listener; "0s" never
	// tcp_client
	Address        string
	Keepalive      string // line sent periodically, optional
	KeepaliveEvery time.Duration
	ReadTimeout    time.Duration // silent-peer detection / serial read timeout
	// serial
	Device   string
	Baud     int
	DataBits int
	Parity   string // none, even, odd, mark, space (Options.Sources.Serial)
	StopBits int
	Startup  string // retry (default) or fail
	COR      *COR   // carrier-operated relay on a modem-control line
	// mqtt
	Broker      string   // tcp://host:1883
	TopicPrefix string   // trunk-recorder's topic prefix; default "trunk-recorder"
	Topics      []string // explicit subscription filters; default from the codec
	Username    string
	Password    Secret
	// http (also Listen, Allow, MaxConns)
	Token Secret // required as "Authorization: Bearer" or a token= parameter; empty: none

	DefRange Range
}

// COR configures channel-busy detection from a serial modem-control line.
type COR struct {
	Line     string // dcd, cts, dsr, ri
	Invert   bool
	Debounce time.Duration
	Poll     time.Duration
}

// Channel is a monitored radio channel or talkgroup.
type Channel struct {
	Name        string
	AlphaTag    string
	Freq        int64 // Hz
	Talkgroup   int64
	System      string // the trunked system of Talkgroup (trunk-recorder's sys_name); "" on a one-system site
	Mode        string // fm, p25, dmr, nxdn
	Signalling  string // mdc1200, star, fleetsync, dtmf, none
	StatusTable string
	HangTime    time.Duration
	StuckMic    time.Duration
	DefRange    Range
}

// Unit is a roster entry.
type Unit struct {
	CallSign string
	AlphaTag string
	Type     string
	RadioIDs []string
	AVLIDs   []string
	DefRange Range
}

// UnitType holds per-type tracking policy.
type UnitType struct {
	Name         string
	Aging        time.Duration // fix age thresholds of the stale ladder
	Stale        time.Duration
	Lost         time.Duration
	MaxSpeedKmh  float64 // implied-speed jump limit
	MaxAccuracyM float64 // 0: no accuracy limit
	MaxFixAge    time.Duration
	MaxFuture    time.Duration
	MovingKmh    float64       // motion hysteresis: above is moving
	StoppedKmh   float64       // below is stopped
	LRRPInterval time.Duration // triggered location interval requested on ARS registration
	DefRange     Range
}

// Geofence is a GeoJSON file of polygons.
type Geofence struct {
	Name         string
	File         string // resolved relative to the file that names it
	Kind         string // beat, boundary, zone
	NameProperty string // feature property that names each polygon
	DefRange     Range
}

// StatusTable maps signalling status codes to words.
type StatusTable struct {
	Name  string
	Codes map[string]string // the preset's, then the table's own on top
	// Categories maps a status word to how the wall map colours it
	// (StatusCategories): the preset's, then the table's own.
	Categories map[string]string
	DefRange   Range
}

// Profile is a decoder line profile: regular expressions with named groups.
type Profile struct {
	Name     string
	System   string // signalling system the IDs belong to
	Patterns []Pattern
	DefRange Range
}

// Pattern maps matching lines to one event kind.
type Pattern struct {
	Kind  string // ptt_start, ptt_end, emergency, ...; or empty if the regex has a "kind" group
	Regex string
}

// EmbeddedBroker reports whether radiogw runs its own broker: no mqtt
// block, or one without a broker URL (which still sets the publishing
// options: topic root, OwnTracks, Home Assistant).
func (c *Config) EmbeddedBroker() bool { return c.MQTT == nil || c.MQTT.Broker == "" }

// MQTT configures publishing, and an external broker when Broker is set.
type MQTT struct {
	Broker    string // tcp://host:1883, ssl://host:8883, ws://...; "" is the embedded broker
	ClientID  string
	TopicRoot string // default radiogw/<site>
	Username  string
	Password  Secret
	TLS       *TLS
	UnitRate  float64 // max unit-state publishes per unit per second
	OwnTracks bool
	KeepAlive time.Duration
	// StateLink carries unit topics on a second connection,
	// "<client_id>-state" (docs/mqtt.md); false keeps one connection, for a
	// broker that cannot take two (use_username_as_clientid, client-ID ACLs).
	StateLink bool

	// HomeAssistant publishes Home Assistant MQTT discovery for every unit
	// under HAPrefix (docs/homeassistant.md).
	HomeAssistant bool
	HAPrefix      string
	// DefaultAccuracyM is the horizontal accuracy (metres) reported to
	// OwnTracks and Home Assistant for a fix with neither an accuracy nor an
	// HDOP.
	DefaultAccuracyM float64
}

// Broker configures the embedded broker.
type Broker struct {
	Listen    string // default 127.0.0.1:1883
	WebSocket string // default 127.0.0.1:9001; "" disables
	Auth      bool
	// AllowedOrigins are extra web origins (https://map.example.org) whose
	// pages may use the WebSocket listener; same-host and loopback pages
	// always may.
	AllowedOrigins []string
	Users          []BrokerUser
	MaxConns       int           // open connections per listener (TCP, WebSocket)
	MaxPerAddr     int           // open connections per listener from one IP address
	ConnectTimeout time.Duration // a connection must have sent its CONNECT by then
}

// BrokerUser is a login on the embedded broker.
type BrokerUser struct {
	Name     string
	Password Secret
	Role     string // display (read-only) or dispatcher (may ack emergencies)
}

// Influx configures the InfluxDB sink.
type Influx struct {
	URL        string
	Org        string
	Bucket     string // "db/rp" for InfluxDB 1.8
	Token      Secret
	BatchSize  int
	FlushEvery time.Duration
	Timeout    time.Duration
	GZip       *bool // nil: compress unless the server is on this machine
}

// HTTP configures health, metrics, API and the wall map.
type HTTP struct {
	Listen string // default 127.0.0.1:8080; "" disables
	Pprof  bool   // served to loopback peers only
	Token  Secret // bearer token for write endpoints (emergency ack)
	// ReadToken, when set, is required (or Token) for every read but
	// /healthz and the wall map's static files; it also decides who gets
	// the display login in /config.json.
	ReadToken Secret
	// AllowedHosts are host names radiogw is reached under, besides IP
	// literals, localhost and the machine's own name (DNS rebinding check,
	// HTTP and the broker's WebSocket listener).
	AllowedHosts []string
	MaxConns     int // open connections
	MaxPerAddr   int // open connections from one IP address
}

// WallMap configures the map page radiogw serves: an offline basemap, a
// raster tile alternative, and local GeoJSON overlays.
type WallMap struct {
	Basemap  string // a PMTiles file (Protomaps basemap schema), served with range requests; "" none
	TileURL  string // raster tiles, {z}/{x}/{y} template; "" none
	Region   bool   // subscribe to every site under the topic root's parent (radiogw/+/...)
	Overlays []Overlay
}

// Overlay is a local GeoJSON layer drawn over the basemap: streets,
// hydrants, hospitals, or any layer a site has.
type Overlay struct {
	Name  string
	File  string  // resolved relative to the main file
	Color string  // CSS hex colour, default #8fa3bf
	Width float64 // line width / point radius in pixels, default 2
	Label string  // feature property shown as a label ("" none)
	Roads bool    // the simulator drives its units along this layer's lines
}

// HA makes this instance one of an active/standby pair behind a keepalived
// virtual IP (docs/SCALING.md). Role is the role it starts in; keepalived's
// notify script switches it with `radiogw role`.
type HA struct {
	Role string // RoleActive or RoleStandby
}

// HA roles.
const (
	RoleActive  = "active"
	RoleStandby = "standby"
)

// Storage configures the outbox and the snapshot.
type Storage struct {
	Dir   string
	Fsync string // always, batch (default), never
	// CommitEvery is, under "batch", the shortest time between two fsyncs
	// of an outbox (commit_interval): what a power cut may lose at most.
	CommitEvery   time.Duration
	MaxBytes      int64
	MaxAge        time.Duration
	SnapshotEvery time.Duration
}

// Log configures logging.
type Log struct {
	Level  string // debug, info, warn, error
	Format string // text, json, auto (json under systemd)
}

// TLS configures client TLS.
type TLS struct {
	CAFile     string
	CertFile   string
	KeyFile    string
	ServerName string
	Insecure   bool
}

// Secret is a value read from a file or the environment at load time. Its
// String method never reveals the value.
type Secret struct {
	File string
	Env  string
	// value points at an interned copy: a pointer prints as an address even
	// where fmt bypasses Format (e.g. %s on a struct holding *MQTT), and
	// interning keeps equal secrets equal under ==.
	value *string
}

// Value returns the secret.
func (s Secret) Value() string {
	if s.value == nil {
		return ""
	}
	return *s.value
}

// Set reports whether the secret was configured.
func (s Secret) Set() bool { return s.File != "" || s.Env != "" }

func (s Secret) String() string {
	if s.Value() == "" {
		return ""
	}
	return "[redacted]"
}

// Format makes every fmt verb (%v, %+v, %#v, %d, ...) print String, so a
// secret cannot leak through a debug print of the config.
func (s Secret) Format(f fmt.State, _ rune) { fmt.Fprint(f, s.String()) }

// Range is a position in a config file, for messages about a block.
type Range struct {
	File      string
	Line, Col int
}
