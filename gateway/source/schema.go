package source

import (
	"fmt"
	"slices"
	"strings"
)

// The source schema: which framings exist, which a source type takes, and
// how large its frames may be. New applies it; the configuration loader
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

// Schema is the source schema as plain data.
type Schema struct {
	Framings []string              // every framing name, in documentation order
	Types    map[string]TypeSchema // by source type
	// FramingMaxFrame caps max_frame for a framing below its type's cap.
	FramingMaxFrame map[string]int
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
	}
	for typ, t := range s.Types {
		t.Framings = slices.Clone(t.Framings)
		s.Types[typ] = t
	}
	return s
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
