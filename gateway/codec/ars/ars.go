// Package ars decodes MOTOTRBO ARS (Automatic Registration Service) messages,
// which radios send to UDP port 4005 when they power up, come into coverage,
// refresh their registration or leave.
//
// A device registration becomes a codec.Request{Kind: "ars_register"} (the
// runtime answers with RegistrationAck and starts location reporting with an
// LRRP triggered location request) plus a codec.Identity binding the sender
// address to the radio ID the registration names. A deregistration becomes a
// codec.Request{Kind: "ars_deregister"}. Everything else is codec.Ignored.
package ars

import (
	"radiogw/avl"
	"radiogw/gateway/codec"
	"radiogw/gateway/codec/lrrp"
	"radiogw/gateway/frame"
)

// Request kinds this decoder emits.
const (
	KindRegister   = "ars_register"
	KindDeregister = "ars_deregister"
)

type decoder struct{}

// New returns an ARS decoder. It keeps no state between frames and needs no
// options: the sender address is the radio.
func New(codec.Options) (codec.Decoder, error) { return decoder{}, nil }

func (decoder) Decode(f frame.Frame) (codec.Observations, error) {
	m, err := Parse(f.Data)
	if err != nil {
		return codec.Observations{}, err
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
			return codec.Observations{}, codec.Errorf("invalid", "ars: %s without a device ID from an unknown peer", m.Type)
		}
		obs := codec.Observations{Identities: []codec.Identity{{Peer: f.Peer, DeviceID: id, Kind: avl.RadioID}}}
		// A user logging on at an already registered radio needs no new
		// location request; only the device registration asks for one.
		if m.Type == PDUDeviceRegistration {
			obs.Requests = []codec.Request{{Kind: KindRegister, Peer: f.Peer, DeviceID: id}}
		}
		return obs, nil
	case PDUDeviceDeregistration:
		// The notice carries no ID: the sender address is the radio.
		return codec.Observations{Requests: []codec.Request{{Kind: KindDeregister, Peer: f.Peer, DeviceID: lrrp.DeviceID(f.Peer)}}}, nil
	}
	return codec.Observations{}, codec.Ignored
}
