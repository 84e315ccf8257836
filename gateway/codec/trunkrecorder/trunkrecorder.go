// Package trunkrecorder decodes trunk-recorder MQTT plugin messages.
package trunkrecorder

import (
	"strconv"

	"radiogw/gateway/codec"
	"radiogw/gateway/frame"
)

type decoder struct{}

// New builds a decoder.
func New(opts codec.Options) (codec.Decoder, error) { return &decoder{}, nil }

func (d *decoder) Decode(f frame.Frame) (codec.Observations, error) {
	return codec.Observations{}, codec.Ignored
}

// ChannelForTalkgroup names the channel events for talkgroup tg belong to.
func ChannelForTalkgroup(tg int64) string { return strconv.FormatInt(tg, 10) }

// Topics returns the MQTT subscription filters for one trunk-recorder instance.
func Topics(prefix string) []string { return nil }
