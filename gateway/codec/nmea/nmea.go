// Package nmea decodes NMEA 0183 sentences.
package nmea

import (
	"radiogw/gateway/codec"
	"radiogw/gateway/frame"
)

type decoder struct{ opts codec.Options }

// New returns an NMEA decoder.
func New(opts codec.Options) (codec.Decoder, error) { return &decoder{opts: opts}, nil }

func (d *decoder) Decode(f frame.Frame) (codec.Observations, error) {
	return codec.Observations{}, codec.Errorf("unsupported", "not implemented yet")
}
