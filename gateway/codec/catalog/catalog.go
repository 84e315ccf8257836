// Package catalog maps configured codec names to decoders. The map is
// explicit: adding a protocol means adding a line here, nothing registers
// itself.
package catalog

import (
	"sort"

	"radiogw/gateway/codec"
	"radiogw/gateway/codec/nmea"
)

var catalog = map[string]codec.Factory{
	"nmea": nmea.New,
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
