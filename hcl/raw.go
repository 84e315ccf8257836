package hcl

import "github.com/hashicorp/hcl/v2"

// The raw* structs mirror the HCL schema for gohcl. Pointer fields are
// optional, plain fields required. Durations and secrets are kept as
// *hcl.Attribute so conversion can point at the attribute on a bad value.

// rawMain is the schema of the main file (radiogw.hcl).
type rawMain struct {
	Site      string    `hcl:"site"`
	SiteRange hcl.Range `hcl:"site,attr_range"`

	Breadcrumbs      *int         `hcl:"breadcrumbs,optional"`
	BreadcrumbsRange hcl.Range    `hcl:"breadcrumbs,attr_range"`
	Log              *rawLog      `hcl:"log,block"`
	Storage          *rawStorage  `hcl:"storage,block"`
	Unlisted         *rawUnlisted `hcl:"unlisted,block"`
	HTTP             *rawHTTP     `hcl:"http,block"`
	MQTT             *rawMQTT     `hcl:"mqtt,block"`
	Broker           *rawBroker   `hcl:"broker,block"`
	Influx           *rawInflux   `hcl:"influx,block"`
	HA               *rawHA       `hcl:"ha,block"`
	WallMap          *rawWallMap  `hcl:"wallmap,block"`
	CAP              *rawCAP      `hcl:"cap,block"`

	// Same fields as rawFragment: gohcl ignores embedded structs.
	Sources      []rawSource      `hcl:"source,block"`
	Channels     []rawChannel     `hcl:"channel,block"`
	UnitTypes    []rawUnitType    `hcl:"unit_type,block"`
	Units        []rawUnit        `hcl:"unit,block"`
	Geofences    []rawGeofence    `hcl:"geofence,block"`
	StatusTables []rawStatusTable `hcl:"status_table,block"`
	Profiles     []rawProfile     `hcl:"profile,block"`
}

func (m *rawMain) fragment() rawFragment {
	return rawFragment{m.Sources, m.Channels, m.UnitTypes, m.Units, m.Geofences, m.StatusTables, m.Profiles}
}

// rawFragment holds the repeatable blocks, the only ones allowed in
// channels.d/*.hcl; it is also the schema of those files.
type rawFragment struct {
	Sources      []rawSource      `hcl:"source,block"`
	Channels     []rawChannel     `hcl:"channel,block"`
	UnitTypes    []rawUnitType    `hcl:"unit_type,block"`
	Units        []rawUnit        `hcl:"unit,block"`
	Geofences    []rawGeofence    `hcl:"geofence,block"`
	StatusTables []rawStatusTable `hcl:"status_table,block"`
	Profiles     []rawProfile     `hcl:"profile,block"`
}

type rawLog struct {
	Level       *string   `hcl:"level,optional"`
	LevelRange  hcl.Range `hcl:"level,attr_range"`
	Format      *string   `hcl:"format,optional"`
	FormatRange hcl.Range `hcl:"format,attr_range"`
}

type rawHA struct {
	Role      *string   `hcl:"role,optional"`
	RoleRange hcl.Range `hcl:"role,attr_range"`
	DefRange  hcl.Range `hcl:",def_range"`
}

type rawStorage struct {
	Dir           *string        `hcl:"dir,optional"`
	Fsync         *string        `hcl:"fsync,optional"`
	FsyncRange    hcl.Range      `hcl:"fsync,attr_range"`
	CommitEvery   *hcl.Attribute `hcl:"commit_interval,optional"`
	MaxBytes      *int64         `hcl:"max_bytes,optional"`
	MaxBytesRange hcl.Range      `hcl:"max_bytes,attr_range"`
	MaxAge        *hcl.Attribute `hcl:"max_age,optional"`
	SnapshotEvery *hcl.Attribute `hcl:"snapshot_every,optional"`
}

type rawUnlisted struct {
	MaxPerSource      *int           `hcl:"max_per_source,optional"`
	MaxPerSourceRange hcl.Range      `hcl:"max_per_source,attr_range"`
	MaxTotal          *int           `hcl:"max_total,optional"`
	MaxTotalRange     hcl.Range      `hcl:"max_total,attr_range"`
	Expire            *bool          `hcl:"expire,optional"`
	Grace             *hcl.Attribute `hcl:"grace,optional"`
}

type rawHTTP struct {
	Listen          *string        `hcl:"listen,optional"`
	ListenRange     hcl.Range      `hcl:"listen,attr_range"`
	Pprof           *bool          `hcl:"pprof,optional"`
	TokenFile       *hcl.Attribute `hcl:"token_file,optional"`
	TokenEnv        *hcl.Attribute `hcl:"token_env,optional"`
	ReadTokenFile   *hcl.Attribute `hcl:"read_token_file,optional"`
	ReadTokenEnv    *hcl.Attribute `hcl:"read_token_env,optional"`
	AllowedHosts    *[]string      `hcl:"allowed_hosts,optional"`
	AllowedHostsRng hcl.Range      `hcl:"allowed_hosts,attr_range"`
	MaxConns        *int           `hcl:"max_conns,optional"`
	MaxConnsRange   hcl.Range      `hcl:"max_conns,attr_range"`
	MaxPerAddr      *int           `hcl:"max_conns_per_addr,optional"`
	MaxPerAddrRange hcl.Range      `hcl:"max_conns_per_addr,attr_range"`
	DefRange        hcl.Range      `hcl:",def_range"`
}

type rawMQTT struct {
	Broker        *string        `hcl:"broker,optional"`
	BrokerRange   hcl.Range      `hcl:"broker,attr_range"`
	ClientID      *string        `hcl:"client_id,optional"`
	TopicRoot     *string        `hcl:"topic_root,optional"`
	TopicRange    hcl.Range      `hcl:"topic_root,attr_range"`
	Username      *string        `hcl:"username,optional"`
	PasswordFile  *hcl.Attribute `hcl:"password_file,optional"`
	PasswordEnv   *hcl.Attribute `hcl:"password_env,optional"`
	UnitRate      *float64       `hcl:"unit_rate,optional"`
	UnitRateRange hcl.Range      `hcl:"unit_rate,attr_range"`
	OwnTracks     *bool          `hcl:"owntracks,optional"`
	HomeAssistant *bool          `hcl:"homeassistant,optional"`
	HAPrefix      *string        `hcl:"homeassistant_prefix,optional"`
	HAPrefixRange hcl.Range      `hcl:"homeassistant_prefix,attr_range"`
	DefaultAccM   *float64       `hcl:"default_accuracy_m,optional"`
	DefaultAccMR  hcl.Range      `hcl:"default_accuracy_m,attr_range"`
	KeepAlive     *hcl.Attribute `hcl:"keepalive,optional"`
	StateLink     *bool          `hcl:"state_link,optional"`
	TLS           *rawTLS        `hcl:"tls,block"`
	DefRange      hcl.Range      `hcl:",def_range"`
}

type rawTLS struct {
	CAFile     *string `hcl:"ca_file,optional"`
	CertFile   *string `hcl:"cert_file,optional"`
	KeyFile    *string `hcl:"key_file,optional"`
	ServerName *string `hcl:"server_name,optional"`
	Insecure   *bool   `hcl:"insecure,optional"`
}

type rawBroker struct {
	Listen         *string         `hcl:"listen,optional"`
	ListenRange    hcl.Range       `hcl:"listen,attr_range"`
	WebSocket      *string         `hcl:"websocket,optional"`
	WebSocketRange hcl.Range       `hcl:"websocket,attr_range"`
	Auth           *bool           `hcl:"auth,optional"`
	AllowedOrigins *[]string       `hcl:"allowed_origins,optional"`
	MaxConns       *int            `hcl:"max_conns,optional"`
	MaxConnsRange  hcl.Range       `hcl:"max_conns,attr_range"`
	MaxPerAddr     *int            `hcl:"max_conns_per_addr,optional"`
	MaxPerAddrRng  hcl.Range       `hcl:"max_conns_per_addr,attr_range"`
	ConnectTimeout *hcl.Attribute  `hcl:"connect_timeout,optional"`
	Users          []rawBrokerUser `hcl:"user,block"`
}

type rawBrokerUser struct {
	Name         string         `hcl:"name,label"`
	PasswordFile *hcl.Attribute `hcl:"password_file,optional"`
	PasswordEnv  *hcl.Attribute `hcl:"password_env,optional"`
	Role         string         `hcl:"role"`
	RoleRange    hcl.Range      `hcl:"role,attr_range"`
	DefRange     hcl.Range      `hcl:",def_range"`
}

type rawInflux struct {
	URL            string         `hcl:"url"`
	URLRange       hcl.Range      `hcl:"url,attr_range"`
	Org            *string        `hcl:"org,optional"`
	Bucket         string         `hcl:"bucket"`
	TokenFile      *hcl.Attribute `hcl:"token_file,optional"`
	TokenEnv       *hcl.Attribute `hcl:"token_env,optional"`
	BatchSize      *int           `hcl:"batch_size,optional"`
	BatchSizeRange hcl.Range      `hcl:"batch_size,attr_range"`
	FlushEvery     *hcl.Attribute `hcl:"flush_every,optional"`
	Timeout        *hcl.Attribute `hcl:"timeout,optional"`
	GZip           *bool          `hcl:"gzip,optional"`
	DefRange       hcl.Range      `hcl:",def_range"`
}

// rawSource holds the attributes every source type shares; the rest of the
// body is decoded per type so a key of another type is an error.
type rawSource struct {
	Type          string    `hcl:"type,label"`
	TypeRange     hcl.Range `hcl:"type,label_range"`
	Name          string    `hcl:"name,label"`
	NameRange     hcl.Range `hcl:"name,label_range"`
	Codec         string    `hcl:"codec"`
	CodecRange    hcl.Range `hcl:"codec,attr_range"`
	Profile       *string   `hcl:"profile,optional"`
	ProfileRange  hcl.Range `hcl:"profile,attr_range"`
	Framing       *string   `hcl:"framing,optional"`
	FramingRange  hcl.Range `hcl:"framing,attr_range"`
	Channel       *string   `hcl:"channel,optional"`
	ChannelRange  hcl.Range `hcl:"channel,attr_range"`
	MaxFrame      *int      `hcl:"max_frame,optional"`
	MaxFrameRange hcl.Range `hcl:"max_frame,attr_range"`
	DeviceID      *string   `hcl:"device_id,optional"`
	DeviceIDRange hcl.Range `hcl:"device_id,attr_range"`
	Unit          *string   `hcl:"unit,optional"`
	UnitRange     hcl.Range `hcl:"unit,attr_range"`
	Checksum      *string   `hcl:"checksum,optional"`
	ChecksumRange hcl.Range `hcl:"checksum,attr_range"`
	CodecOptions  *rawBody  `hcl:"options,block"` // the codec's own settings, decoded by the codec
	Rest          hcl.Body  `hcl:",remain"`
	DefRange      hcl.Range `hcl:",def_range"`

	// Filled by decodeSourceBodies from Rest, according to Type.
	udp       *rawUDP
	tcpListen *rawTCPListen
	tcpClient *rawTCPClient
	serial    *rawSerial
	mqtt      *rawMQTTSource
	http      *rawHTTPSource
}

// rawBody keeps a block's body for whoever knows its schema.
type rawBody struct {
	Body hcl.Body `hcl:",remain"`
}

type rawMQTTSource struct {
	Broker       string         `hcl:"broker"`
	BrokerRange  hcl.Range      `hcl:"broker,attr_range"`
	TopicPrefix  *string        `hcl:"topic_prefix,optional"`
	Topics       *[]string      `hcl:"topics,optional"`
	Username     *string        `hcl:"username,optional"`
	PasswordFile *hcl.Attribute `hcl:"password_file,optional"`
	PasswordEnv  *hcl.Attribute `hcl:"password_env,optional"`
}

type rawHTTPSource struct {
	Listen        string         `hcl:"listen"`
	ListenRange   hcl.Range      `hcl:"listen,attr_range"`
	Allow         *[]string      `hcl:"allow,optional"`
	AllowRange    hcl.Range      `hcl:"allow,attr_range"`
	MaxConns      *int           `hcl:"max_conns,optional"`
	MaxConnsRange hcl.Range      `hcl:"max_conns,attr_range"`
	TokenFile     *hcl.Attribute `hcl:"token_file,optional"`
	TokenEnv      *hcl.Attribute `hcl:"token_env,optional"`
}

type rawUDP struct {
	Listen      string    `hcl:"listen"`
	ListenRange hcl.Range `hcl:"listen,attr_range"`
	Allow       *[]string `hcl:"allow,optional"`
	AllowRange  hcl.Range `hcl:"allow,attr_range"`
}

type rawTCPListen struct {
	Listen        string         `hcl:"listen"`
	ListenRange   hcl.Range      `hcl:"listen,attr_range"`
	Allow         *[]string      `hcl:"allow,optional"`
	AllowRange    hcl.Range      `hcl:"allow,attr_range"`
	MaxConns      *int           `hcl:"max_conns,optional"`
	MaxConnsRange hcl.Range      `hcl:"max_conns,attr_range"`
	MaxPerPeer    *int           `hcl:"max_conns_per_peer,optional"`
	MaxPerPeerRng hcl.Range      `hcl:"max_conns_per_peer,attr_range"`
	IdleTimeout   *hcl.Attribute `hcl:"idle_timeout,optional"`
}

type rawTCPClient struct {
	Address        string         `hcl:"address"`
	AddressRange   hcl.Range      `hcl:"address,attr_range"`
	Keepalive      *string        `hcl:"keepalive,optional"`
	KeepaliveEvery *hcl.Attribute `hcl:"keepalive_every,optional"`
	ReadTimeout    *hcl.Attribute `hcl:"read_timeout,optional"`
}

type rawSerial struct {
	Device        string         `hcl:"device"`
	Baud          *int           `hcl:"baud,optional"`
	BaudRange     hcl.Range      `hcl:"baud,attr_range"`
	DataBits      *int           `hcl:"data_bits,optional"`
	DataBitsRange hcl.Range      `hcl:"data_bits,attr_range"`
	Parity        *string        `hcl:"parity,optional"`
	ParityRange   hcl.Range      `hcl:"parity,attr_range"`
	StopBits      *int           `hcl:"stop_bits,optional"`
	StopBitsRange hcl.Range      `hcl:"stop_bits,attr_range"`
	ReadTimeout   *hcl.Attribute `hcl:"read_timeout,optional"`
	Startup       *string        `hcl:"startup,optional"`
	StartupRange  hcl.Range      `hcl:"startup,attr_range"`
	COR           *rawCOR        `hcl:"cor,block"`
}

type rawCOR struct {
	Line      string         `hcl:"line"`
	LineRange hcl.Range      `hcl:"line,attr_range"`
	Invert    *bool          `hcl:"invert,optional"`
	Debounce  *hcl.Attribute `hcl:"debounce,optional"`
	Poll      *hcl.Attribute `hcl:"poll,optional"`
}

type rawChannel struct {
	Name             string         `hcl:"name,label"`
	NameRange        hcl.Range      `hcl:"name,label_range"`
	AlphaTag         *string        `hcl:"alpha_tag,optional"`
	Freq             *int64         `hcl:"freq,optional"`
	FreqRange        hcl.Range      `hcl:"freq,attr_range"`
	Talkgroup        *int64         `hcl:"talkgroup,optional"`
	TalkgroupRange   hcl.Range      `hcl:"talkgroup,attr_range"`
	System           *string        `hcl:"system,optional"`
	SystemRange      hcl.Range      `hcl:"system,attr_range"`
	Mode             *string        `hcl:"mode,optional"`
	ModeRange        hcl.Range      `hcl:"mode,attr_range"`
	Signalling       *string        `hcl:"signalling,optional"`
	SignallingRange  hcl.Range      `hcl:"signalling,attr_range"`
	StatusTable      *string        `hcl:"status_table,optional"`
	StatusTableRange hcl.Range      `hcl:"status_table,attr_range"`
	HangTime         *hcl.Attribute `hcl:"hang_time,optional"`
	StuckMic         *hcl.Attribute `hcl:"stuck_mic,optional"`
	DefRange         hcl.Range      `hcl:",def_range"`
}

type rawUnitType struct {
	Name              string         `hcl:"name,label"`
	NameRange         hcl.Range      `hcl:"name,label_range"`
	Aging             *hcl.Attribute `hcl:"aging,optional"`
	Stale             *hcl.Attribute `hcl:"stale,optional"`
	Lost              *hcl.Attribute `hcl:"lost,optional"`
	MaxSpeedKmh       *float64       `hcl:"max_speed_kmh,optional"`
	MaxSpeedKmhRange  hcl.Range      `hcl:"max_speed_kmh,attr_range"`
	MaxAccuracyM      *float64       `hcl:"max_accuracy_m,optional"`
	MaxAccuracyMRange hcl.Range      `hcl:"max_accuracy_m,attr_range"`
	MaxFixAge         *hcl.Attribute `hcl:"max_fix_age,optional"`
	MaxFuture         *hcl.Attribute `hcl:"max_future,optional"`
	MovingKmh         *float64       `hcl:"moving_kmh,optional"`
	MovingKmhRange    hcl.Range      `hcl:"moving_kmh,attr_range"`
	StoppedKmh        *float64       `hcl:"stopped_kmh,optional"`
	StoppedKmhRange   hcl.Range      `hcl:"stopped_kmh,attr_range"`
	LRRPInterval      *hcl.Attribute `hcl:"lrrp_interval,optional"`
	DefRange          hcl.Range      `hcl:",def_range"`
}

type rawUnit struct {
	CallSign   string    `hcl:"call_sign,label"`
	NameRange  hcl.Range `hcl:"call_sign,label_range"`
	AlphaTag   *string   `hcl:"alpha_tag,optional"`
	Type       *string   `hcl:"type,optional"`
	TypeRange  hcl.Range `hcl:"type,attr_range"`
	RadioIDs   *[]string `hcl:"radio_ids,optional"`
	RadioRange hcl.Range `hcl:"radio_ids,attr_range"`
	AVLIDs     *[]string `hcl:"avl_ids,optional"`
	AVLRange   hcl.Range `hcl:"avl_ids,attr_range"`
	DefRange   hcl.Range `hcl:",def_range"`
}

type rawGeofence struct {
	Name         string    `hcl:"name,label"`
	NameRange    hcl.Range `hcl:"name,label_range"`
	File         string    `hcl:"file"`
	FileRange    hcl.Range `hcl:"file,attr_range"`
	Kind         *string   `hcl:"kind,optional"`
	KindRange    hcl.Range `hcl:"kind,attr_range"`
	NameProperty *string   `hcl:"name_property,optional"`
	DefRange     hcl.Range `hcl:",def_range"`
}

type rawWallMap struct {
	Basemap      *string      `hcl:"basemap,optional"`
	BasemapRange hcl.Range    `hcl:"basemap,attr_range"`
	TileURL      *string      `hcl:"tile_url,optional"`
	TileURLRange hcl.Range    `hcl:"tile_url,attr_range"`
	Region       *bool        `hcl:"region,optional"`
	Overlays     []rawOverlay `hcl:"overlay,block"`
}

type rawOverlay struct {
	Name       string    `hcl:"name,label"`
	NameRange  hcl.Range `hcl:"name,label_range"`
	File       string    `hcl:"file"`
	FileRange  hcl.Range `hcl:"file,attr_range"`
	Color      *string   `hcl:"color,optional"`
	ColorRange hcl.Range `hcl:"color,attr_range"`
	Width      *float64  `hcl:"width,optional"`
	WidthRange hcl.Range `hcl:"width,attr_range"`
	Label      *string   `hcl:"label,optional"`
	Roads      *bool     `hcl:"roads,optional"`
	DefRange   hcl.Range `hcl:",def_range"`
}

type rawStatusTable struct {
	Name       string            `hcl:"name,label"`
	NameRange  hcl.Range         `hcl:"name,label_range"`
	Codes      map[string]string `hcl:"codes,optional"`
	CodesRange hcl.Range         `hcl:"codes,attr_range"`
	Preset     *string           `hcl:"preset,optional"`
	PresetRng  hcl.Range         `hcl:"preset,attr_range"`
	Categories map[string]string `hcl:"categories,optional"`
	CatRange   hcl.Range         `hcl:"categories,attr_range"`
	DefRange   hcl.Range         `hcl:",def_range"`
}

type rawProfile struct {
	Name      string       `hcl:"name,label"`
	NameRange hcl.Range    `hcl:"name,label_range"`
	System    *string      `hcl:"system,optional"`
	Patterns  []rawPattern `hcl:"pattern,block"`
	DefRange  hcl.Range    `hcl:",def_range"`
}

type rawPattern struct {
	Kind       *string   `hcl:"kind,optional"`
	KindRange  hcl.Range `hcl:"kind,attr_range"`
	Regex      string    `hcl:"regex"`
	RegexRange hcl.Range `hcl:"regex,attr_range"`
	DefRange   hcl.Range `hcl:",def_range"`
}
