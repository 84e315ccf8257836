// Package lines decodes signalling decoder output, one line per frame, with
// regex profiles.
package lines

import (
	"radiogw/gateway/codec"
	"radiogw/gateway/frame"
)

type decoder struct{}

// New compiles opts.Profile into a decoder.
func New(opts codec.Options) (codec.Decoder, error) { return &decoder{}, nil }

func (d *decoder) Decode(f frame.Frame) (codec.Observations, error) {
	return codec.Observations{}, codec.Ignored
}

// BuiltinProfiles returns the built-in profiles by name.
func BuiltinProfiles() map[string]codec.Profile { return map[string]codec.Profile{} }

// BuiltinNames lists the built-in profile names, sorted.
func BuiltinNames() []string { return nil }
