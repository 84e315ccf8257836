package calamp

import "radiogw/gateway/codec"

// ReplyAck is the reply kind of an LM Direct acknowledgement.
const ReplyAck = "calamp_ack"

// Options are the CalAmp codec's settings.
type Options struct {
	// Ack answers acknowledged requests. Without the answer an LMU sends
	// the same report again and holds back the rest of its log.
	Ack bool
}

// OptionsFrom builds the codec's options from a source's settings. No
// source setting changes them yet.
func OptionsFrom(codec.Options) Options { return Options{Ack: true} }
