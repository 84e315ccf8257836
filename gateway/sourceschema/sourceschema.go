// Package sourceschema is the shape of the source schema: which framings
// exist, which a source type takes, how large its frames may be, the
// serial line settings and the listener limits, as plain data, and the
// checks a start and `radiogw check` both apply with it. The values are
// the transports' (gateway/source.SourceSchema); the configuration loader
// (hcl), which imports no transport, receives them from cmd/radiogw in
// this same type. A leaf: the standard library only.
package sourceschema

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Schema is the source schema as plain data.
type Schema struct {
	Framings []string        // every framing name, in documentation order
	Types    map[string]Type // by source type
	// FramingMaxFrame caps max_frame for a framing below its type's cap.
	FramingMaxFrame map[string]int
	Serial          Serial
	Listener        Listener
}

// Serial is what a serial source's line settings may be: the allowed
// values, in documentation order, and the default of each.
type Serial struct {
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

// Listener holds a listener's connection limits: max_conns of tcp_listen
// and http sources, max_conns_per_peer and idle_timeout of tcp_listen.
type Listener struct {
	DefaultMaxConns        int
	DefaultMaxConnsPerPeer int
	DefaultIdleTimeout     time.Duration
}

// Type is what one source type takes.
type Type struct {
	Framings        []string // the framings it accepts; the first is its default
	DefaultMaxFrame int
	MaxMaxFrame     int // the largest max_frame
}

// SerialLine fills in a serial source's line defaults (for 0 and "") and
// checks them against the schema. The error names the setting.
func (s Serial) SerialLine(baud, dataBits, stopBits int, parity, startup string) (int, int, int, string, string, error) {
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
