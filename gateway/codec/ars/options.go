package ars

import (
	"hash/fnv"
	"net"
	"strconv"
	"time"

	"radiogw/gateway/codec/lrrp"
	"radiogw/gateway/decode"
)

// Reply kinds the ARS codec asks the runtime to send.
const (
	ReplyAck             = "ars_ack"
	ReplyLocationRequest = "lrrp_location_request"
)

// Defaults of Options.
const (
	DefaultRefresh  = 30 * time.Minute // radios register again within this
	DefaultInterval = 30 * time.Second // reporting interval of a radio whose unit type sets none
)

// Options are the ARS codec's settings, taken from the source block and the
// rest of the configuration.
type Options struct {
	// LRRPSource names the source that sends the triggered location request
	// after a registration: the first lrrp source running. "" (no lrrp
	// source) acknowledges registrations and requests nothing.
	LRRPSource func() string
	// LRRPPort is the radio's LRRP port the request goes to.
	LRRPPort int
	// Refresh is the registration refresh time the acknowledgement asks for.
	Refresh time.Duration
	// Interval is a radio's reporting interval (its unit type's
	// lrrp_interval).
	Interval func(radioID string) time.Duration
}

// OptionsFrom builds the codec's options from a source's settings.
func OptionsFrom(o decode.Options) Options {
	return Options{
		LRRPSource: func() string { return o.FirstSource("lrrp") },
		LRRPPort:   lrrp.RadioPort,
		Refresh:    DefaultRefresh,
		Interval:   func(id string) time.Duration { return o.Interval(id, DefaultInterval) },
	}
}

// replies answers a device registration from peer: the acknowledgement from
// the ARS socket the radio registered with, then a triggered location
// request from the LRRP source to the radio's LRRP port, so the radio starts
// reporting without manual setup.
func (o *Options) replies(peer, radioID string) []decode.Reply {
	out := []decode.Reply{{Peer: peer, Data: RegistrationAck(o.Refresh), Kind: ReplyAck}}
	host, _, err := net.SplitHostPort(peer)
	via := o.LRRPSource()
	if via == "" || err != nil {
		return out
	}
	return append(out, decode.Reply{
		Via:  via,
		Peer: net.JoinHostPort(host, strconv.Itoa(o.LRRPPort)),
		Data: LocationRequest(radioID, o.Interval(radioID)),
		Kind: ReplyLocationRequest,
	})
}

// LocationRequest encodes the triggered location request sent to a radio
// after its registration. The request ID is derived from the radio ID so a
// repeated registration renews the same request.
func LocationRequest(radioID string, interval time.Duration) []byte {
	h := fnv.New32a()
	h.Write([]byte(radioID))
	return lrrp.TriggeredLocationRequest(h.Sum32(), interval)
}
