package source

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The source schema: which framings exist, which a source type takes, how
// large its frames may be, the serial line settings and the listener
// limits. New applies it; the configuration loader
// (hcl) checks a configuration against the same data, handed over as plain
// values by cmd/radiogw as the codec names are, so `radiogw check` refuses
// what a start would refuse and no rule is written twice.

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

// Schema is the source schema as plain data.
type Schema struct {
	Framings []string              // every framing name, in documentation order
	Types    map[string]TypeSchema // by source type
	// FramingMaxFrame caps max_frame for a framing below its type's cap.
	FramingMaxFrame map[string]int
	Serial          SerialSchema
	Listener        ListenerSchema
}

// SerialSchema is what a serial source's line settings may be: the allowed
// values, in documentation order, and the default of each.
type SerialSchema struct {
	DefaultBaud     int
	DataBits        []int
	DefaultDataBits int
	StopBits        []int
	DefaultStopBits int
	Parities        []string
	DefaultParity   string
	Startups        []string
	DefaultStartup  string
}

// ListenerSchema holds a listener's connection limits: max_conns of
// tcp_listen and http sources, max_conns_per_peer and idle_timeout of
// tcp_listen.
type ListenerSchema struct {
	DefaultMaxConns        int
	DefaultMaxConnsPerPeer int
	DefaultIdleTimeout     time.Duration
}

// TypeSchema is what one source type takes.
type TypeSchema struct {
	Framings        []string // the framings it accepts; the first is its default
	DefaultMaxFrame int
	MaxMaxFrame     int // the largest max_frame
}

var streamFramings = []string{FramingLine, FramingSTXETX, FramingTAIP, FramingLength}

// SourceSchema returns the source schema; callers may keep and change the
// copy.
func SourceSchema() Schema {
	stream := TypeSchema{Framings: streamFramings, DefaultMaxFrame: DefaultMaxFrame, MaxMaxFrame: MaxMaxFrame}
	message := func(def, limit int) TypeSchema {
		return TypeSchema{Framings: []string{FramingDatagram}, DefaultMaxFrame: def, MaxMaxFrame: limit}
	}
	s := Schema{
		Framings: append(slices.Clone(streamFramings), FramingDatagram),
		Types: map[string]TypeSchema{
			TypeSerial:    stream,
			TypeTCPClient: stream,
			TypeTCPListen: stream,
			TypeUDP:       message(DefaultMaxFrame, MaxUDPFrame),
			TypeMQTT:      message(DefaultMQTTMaxFrame, MaxMaxFrame),
			TypeHTTP:      message(DefaultMaxFrame, MaxMaxFrame),
		},
		FramingMaxFrame: map[string]int{FramingLength: MaxLengthFrame},
		Serial: SerialSchema{
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
		Listener: ListenerSchema{
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

// SerialLine fills in a serial source's line defaults (for 0 and "") and
// checks them against the schema. The error names the setting.
func (s SerialSchema) SerialLine(baud, dataBits, stopBits int, parity, startup string) (int, int, int, string, string, error) {
	baud = cmp.Or(baud, s.DefaultBaud)
	dataBits = cmp.Or(dataBits, s.DefaultDataBits)
	stopBits = cmp.Or(stopBits, s.DefaultStopBits)
	parity = cmp.Or(parity, s.DefaultParity)
	startup = cmp.Or(startup, s.DefaultStartup)
	switch {
	case baud < 0:
		return 0, 0, 0, "", "", fmt.Errorf("baud %d: must be positive", baud)
	case !slices.Contains(s.DataBits, dataBits):
		return 0, 0, 0, "", "", fmt.Errorf("data_bits %d: want %s", dataBits, oneOf(s.DataBits))
	case !slices.Contains(s.StopBits, stopBits):
		return 0, 0, 0, "", "", fmt.Errorf("stop_bits %d: want %s", stopBits, oneOf(s.StopBits))
	case !slices.Contains(s.Parities, parity):
		return 0, 0, 0, "", "", fmt.Errorf("parity %q: want %s", parity, oneOf(s.Parities))
	case !slices.Contains(s.Startups, startup):
		return 0, 0, 0, "", "", fmt.Errorf("startup %q: want %s", startup, oneOf(s.Startups))
	}
	return baud, dataBits, stopBits, parity, startup, nil
}

// oneOf lists values for a message: "5, 6, 7 or 8".
func oneOf[T any](vals []T) string {
	s := make([]string, len(vals))
	for i, v := range vals {
		s[i] = fmt.Sprint(v)
	}
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// Frames fills in a source's framing and max_frame defaults (for "" and 0)
// and checks both against the schema. The error names the setting.
func (s Schema) Frames(typ, framing string, maxFrame int) (string, int, error) {
	t, ok := s.Types[typ]
	if !ok {
		return "", 0, fmt.Errorf("type %q: not a source type", typ)
	}
	if framing == "" {
		framing = t.Framings[0]
	}
	if !slices.Contains(t.Framings, framing) {
		if !slices.Contains(s.Framings, framing) {
			return "", 0, fmt.Errorf("framing %q: unknown framing; want one of %s", framing, strings.Join(s.Framings, ", "))
		}
		return "", 0, fmt.Errorf("framing %q: a %s source takes %s", framing, typ, strings.Join(t.Framings, ", "))
	}
	if maxFrame == 0 {
		maxFrame = t.DefaultMaxFrame
	}
	if limit := s.MaxFrame(typ, framing); maxFrame < 1 || maxFrame > limit {
		return "", 0, fmt.Errorf("max_frame %d: want 1..%d", maxFrame, limit)
	}
	return framing, maxFrame, nil
}

// MaxFrame is the largest max_frame a source of typ with framing may have.
func (s Schema) MaxFrame(typ, framing string) int {
	limit := s.Types[typ].MaxMaxFrame
	if c, ok := s.FramingMaxFrame[framing]; ok {
		limit = min(limit, c)
	}
	return limit
}
