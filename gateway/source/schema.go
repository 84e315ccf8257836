package source

import (
	"slices"
	"time"

	"radiogw/gateway/sourceschema"
)

// The source schema: which framings exist, which a source type takes, how
// large its frames may be, the serial line settings and the listener
// limits. New applies it; the configuration loader
// (hcl) checks a configuration against the same data, handed over as plain
// values by cmd/radiogw as the codec names are, so `radiogw check` refuses
// what a start would refuse and no rule is written twice. Its shape and
// checks are gateway/sourceschema's, a leaf both import.

// Message sources the runtime builds on other clients: an MQTT subscription
// (trunk-recorder) and HTTP reports (OsmAnd, Traccar Client). They are not
// transports of this package, but every message is one frame, limited by
// max_frame like any other, so the schema covers them too.
const (
	TypeMQTT = "mqtt"
	TypeHTTP = "http"
)

// Frame size limits.
const (
	DefaultMaxFrame = 4096
	// DefaultMQTTMaxFrame is larger: a trunk-recorder message
	// (calls_active lists every active call) outgrows a modem's line.
	DefaultMQTTMaxFrame = 64 << 10
	MaxMaxFrame         = 1 << 20
	MaxUDPFrame         = 65507  // largest UDP payload over IPv4
	MaxLengthFrame      = 0xffff // a length_prefixed frame's 16-bit length
)

// Serial line settings. go.bug.st/serial sets mark and space parity on
// Linux (CMSPAR); some radio consoles' data ports use them.
const (
	DefaultBaud     = 9600
	DefaultDataBits = 8
	DefaultStopBits = 1

	ParityNone  = "none"
	ParityEven  = "even"
	ParityOdd   = "odd"
	ParityMark  = "mark"
	ParitySpace = "space"
)

// Serial startup policies.
const (
	StartupRetry = "retry"
	StartupFail  = "fail"
)

// Listener limits (tcp_listen; max_conns also for http).
const (
	DefaultMaxConns = 256
	// A modem keeps one connection; a few more cover a reconnect whose old
	// socket has not timed out yet, or a handful of devices behind one NAT.
	DefaultMaxConnsPerPeer = 16
	// A connection silent this long is closed, so idle sockets cannot hold
	// the slots forever; modems report far more often, and one that
	// reconnects loses nothing.
	DefaultIdleTimeout = 15 * time.Minute
)

var streamFramings = []string{FramingLine, FramingSTXETX, FramingTAIP, FramingLength}

// SourceSchema returns the source schema; callers may keep and change the
// copy.
func SourceSchema() sourceschema.Schema {
	stream := sourceschema.Type{Framings: streamFramings, DefaultMaxFrame: DefaultMaxFrame, MaxMaxFrame: MaxMaxFrame}
	message := func(def, limit int) sourceschema.Type {
		return sourceschema.Type{Framings: []string{FramingDatagram}, DefaultMaxFrame: def, MaxMaxFrame: limit}
	}
	s := sourceschema.Schema{
		Framings: append(slices.Clone(streamFramings), FramingDatagram),
		Types: map[string]sourceschema.Type{
			TypeSerial:    stream,
			TypeTCPClient: stream,
			TypeTCPListen: stream,
			TypeUDP:       message(DefaultMaxFrame, MaxUDPFrame),
			TypeMQTT:      message(DefaultMQTTMaxFrame, MaxMaxFrame),
			TypeHTTP:      message(DefaultMaxFrame, MaxMaxFrame),
		},
		FramingMaxFrame: map[string]int{FramingLength: MaxLengthFrame},
		Serial: sourceschema.Serial{
			DefaultBaud:     DefaultBaud,
			DataBits:        []int{5, 6, 7, 8},
			DefaultDataBits: DefaultDataBits,
			StopBits:        []int{1, 2},
			DefaultStopBits: DefaultStopBits,
			Parities:        []string{ParityNone, ParityEven, ParityOdd, ParityMark, ParitySpace},
			DefaultParity:   ParityNone,
			Startups:        []string{StartupRetry, StartupFail},
			DefaultStartup:  StartupRetry,
		},
		Listener: sourceschema.Listener{
			DefaultMaxConns:        DefaultMaxConns,
			DefaultMaxConnsPerPeer: DefaultMaxConnsPerPeer,
			DefaultIdleTimeout:     DefaultIdleTimeout,
		},
	}
	for typ, t := range s.Types {
		t.Framings = slices.Clone(t.Framings)
		s.Types[typ] = t
	}
	return s
}
