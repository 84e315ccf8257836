package calamp

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"

	"radiogw/gateway/decode"
)

// ReplyAck is the reply kind of an LM Direct acknowledgement.
const ReplyAck = "calamp_ack"

// Options are the CalAmp codec's settings, from the source's options block:
//
//	source "udp" "lmu" {
//	  ...
//	  codec = "calamp"
//	  options {
//	    ack = false # another system acknowledges; radiogw only listens
//	  }
//	}
type Options struct {
	// Ack answers acknowledged requests (default true). Without the answer
	// an LMU sends the same report again and holds back the rest of its
	// log, so turn it off only where another server, fed the same
	// datagrams, acknowledges them.
	Ack bool
}

// DefaultOptions are the settings of a source without an options block.
func DefaultOptions() Options { return Options{Ack: true} }

// rawOptions is the options block's schema.
type rawOptions struct {
	Ack *bool `hcl:"ack,optional"`
}

// DecodeOptions decodes a source's options block (nil: none) into Options.
func DecodeOptions(body hcl.Body) (any, hcl.Diagnostics) {
	o := DefaultOptions()
	if body == nil {
		return o, nil
	}
	var raw rawOptions
	ds := gohcl.DecodeBody(body, nil, &raw)
	if raw.Ack != nil {
		o.Ack = *raw.Ack
	}
	return o, ds
}

// OptionsFrom takes the codec's options from a source's settings: what
// DecodeOptions made of its options block, or the defaults.
func OptionsFrom(o decode.Options) Options {
	if s, ok := o.Settings.(Options); ok {
		return s
	}
	return DefaultOptions()
}
