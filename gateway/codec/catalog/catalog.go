// Package catalog maps configured codec names to decoders. The map is
// explicit: adding a protocol means adding a line here, nothing registers
// itself.
package catalog

import (
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"

	"radiogw/channels"
	"radiogw/gateway/codec/ars"
	"radiogw/gateway/codec/calamp"
	"radiogw/gateway/codec/lines"
	"radiogw/gateway/codec/lrrp"
	"radiogw/gateway/codec/nmea"
	"radiogw/gateway/codec/osmand"
	"radiogw/gateway/codec/taip"
	"radiogw/gateway/codec/traccar"
	"radiogw/gateway/codec/trunkrecorder"
	"radiogw/gateway/decode"
)

// entry is a codec's factory; for a codec with settings of its own, the
// decoder of its source options block; for a text protocol whose modems
// pack several reports into one datagram, how to cut them apart.
type entry struct {
	New     decode.Factory
	Options func(hcl.Body) (any, hcl.Diagnostics)
	Split   func([]byte) [][]byte
}

var catalog = map[string]entry{
	"nmea":           {nmea.New, nil, decode.SplitLines},
	"osmand":         {osmand.New, nil, nil},
	"taip":           {taip.New, nil, taip.SplitDatagram},
	"traccar":        {traccar.New, nil, nil},
	"lrrp":           {lrrp.New, nil, nil},
	"ars":            {ars.New, nil, nil},
	"lines":          {lines.New, nil, decode.SplitLines},
	"trunk_recorder": {trunkrecorder.New, nil, nil},
	"calamp":         {calamp.New, calamp.DecodeOptions, nil},
}

// Lookup returns the factory for a codec name.
func Lookup(name string) (decode.Factory, bool) {
	e, ok := catalog[name]
	return e.New, ok
}

// DatagramSplit returns how codec name cuts one datagram into reports, or nil
// where a datagram is one frame.
func DatagramSplit(name string) func([]byte) [][]byte { return catalog[name].Split }

// DecodeOptions decodes a source's options block (body nil without one)
// with the schema of codec name. A codec without settings accepts only an
// empty block.
func DecodeOptions(name string, body hcl.Body) (any, hcl.Diagnostics) {
	e, ok := catalog[name]
	switch {
	case ok && e.Options != nil:
		return e.Options(body)
	case body == nil:
		return nil, nil
	}
	var none struct{}
	return nil, gohcl.DecodeBody(body, nil, &none)
}

// Names lists the known codec names, sorted.
func Names() []string {
	out := make([]string, 0, len(catalog))
	for n := range catalog {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// BuiltinProfileNames lists the built-in decoder line profiles.
func BuiltinProfileNames() []string { return lines.BuiltinNames() }

// PatternKinds lists what a profile pattern may map a line to: every channel
// event kind, plus the lines codec's JSON reader.
func PatternKinds() []string {
	var out []string
	for k := channels.EventKind(1); k.String() != "unknown"; k++ {
		out = append(out, k.String())
	}
	return append(out, lines.KindJSON)
}
