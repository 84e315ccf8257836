// Package ars decodes MOTOTRBO ARS (Automatic Registration Service) messages,
// which radios send to UDP port 4005 when they power up, come into coverage,
// refresh their registration or leave.
//
// A device registration becomes a decode.Identity binding the sender address
// to the radio ID the registration names, plus two replies: RegistrationAck
// to the radio's ARS port and an LRRP triggered location request to its LRRP
// port, sent from the LRRP source (see Options). A user registration gives
// the identity alone. Everything else (deregistrations, queries, answers) is
// decode.Ignored.
package ars

import (
	"radiogw/avl"
	"radiogw/gateway/codec/lrrp"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

type decoder struct{ opts Options }

// New returns an ARS decoder. It keeps no state between frames: the sender
// address is the radio.
func New(o decode.Options) (decode.Decoder, error) { return decoder{OptionsFrom(o)}, nil }

func (d decoder) Decode(f frame.Frame) (decode.Observations, error) {
	m, err := Parse(f.Data)
	if err != nil {
		return decode.Observations{}, err
	}
	switch m.Type {
	case PDUDeviceRegistration, PDUUserRegistration:
		// The registration names the radio; a radio that leaves the ID empty
		// is still known by its MOTOTRBO address.
		id := m.DeviceID
		if id == "" {
			id = lrrp.DeviceID(f.Peer)
		}
		if id == "" {
			return decode.Observations{}, decode.Errorf("invalid", "ars: %s without a device ID from an unknown peer", m.Type)
		}
		obs := decode.Observations{Identities: []decode.Identity{{Peer: f.Peer, DeviceID: id, Kind: avl.RadioID}}}
		// A user logging on at an already registered radio needs no new
		// location request; only the device registration asks for one.
		if m.Type == PDUDeviceRegistration {
			obs.Replies = d.opts.replies(f.Peer, id)
		}
		return obs, nil
	}
	return decode.Observations{}, decode.Ignored
}
