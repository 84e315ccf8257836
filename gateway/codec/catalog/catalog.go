// Package catalog maps configured codec names to decoders. The map is
// explicit: adding a protocol means adding a line here, nothing registers
// itself.
package catalog

import (
	"hash/fnv"
	"sort"
	"time"

	"radiogw/channels"
	"radiogw/gateway/codec"
	"radiogw/gateway/codec/ars"
	"radiogw/gateway/codec/lines"
	"radiogw/gateway/codec/lrrp"
	"radiogw/gateway/codec/nmea"
	"radiogw/gateway/codec/osmand"
	"radiogw/gateway/codec/taip"
	"radiogw/gateway/codec/traccar"
	"radiogw/gateway/codec/trunkrecorder"
)

var catalog = map[string]codec.Factory{
	"nmea":           nmea.New,
	"osmand":         osmand.New,
	"taip":           taip.New,
	"traccar":        traccar.New,
	"lrrp":           lrrp.New,
	"ars":            ars.New,
	"lines":          lines.New,
	"trunk_recorder": trunkrecorder.New,
}

// Lookup returns the factory for a codec name.
func Lookup(name string) (codec.Factory, bool) {
	f, ok := catalog[name]
	return f, ok
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

// LocationRequest encodes the triggered location request radiogw sends a
// radio after its ARS registration. The request ID is derived from the radio
// ID so a repeated registration renews the same request.
func LocationRequest(radioID string, interval time.Duration) []byte {
	h := fnv.New32a()
	h.Write([]byte(radioID))
	return lrrp.TriggeredLocationRequest(h.Sum32(), interval)
}

// RegistrationAck is the ARS acknowledgement radios expect after they
// register; they register again within the refresh time.
func RegistrationAck() []byte { return ars.RegistrationAck(30 * time.Minute) }

// PatternKinds lists what a profile pattern may map a line to: every channel
// event kind, plus the lines codec's JSON reader.
func PatternKinds() []string {
	var out []string
	for k := channels.EventKind(1); k.String() != "unknown"; k++ {
		out = append(out, k.String())
	}
	return append(out, lines.KindJSON)
}
