package lrrp

import (
	"net"
	"net/netip"
	"strconv"
)

// MOTOTRBO gives every radio an IPv4 address built from its 24-bit radio ID:
// <CAI network>.<id bits 23-16>.<id bits 15-8>.<id bits 7-0>. The default
// radio network (CAI) is 12; the server side usually sits on 13 and follows
// the same rule. LRRP and ARS payloads carry no radio ID, so the sender
// address is the identity.

// Default CAI networks.
const (
	CAIRadios  byte = 12
	CAIServers byte = 13
)

// RadioAddress returns the IPv4 address of a radio ID on a CAI network
// ("12.0.4.210" for radio 1234 on CAI 12). Radio IDs are 24 bits; higher bits
// are dropped.
func RadioAddress(radioID uint32, cai byte) string {
	b := make([]byte, 0, 15)
	b = strconv.AppendUint(b, uint64(cai), 10)
	for _, shift := range [...]uint{16, 8, 0} {
		b = append(b, '.')
		b = strconv.AppendUint(b, uint64(radioID>>shift&0xff), 10)
	}
	return string(b)
}

// RadioID returns the radio ID encoded in a sender address ("host:port" or a
// bare host) when the host is an IPv4 address on 12.0.0.0/8 or 13.0.0.0/8.
func RadioID(peer string) (uint32, bool) {
	a, ok := peerAddr(peer)
	if !ok || !a.Is4() {
		return 0, false
	}
	v := a.As4()
	if v[0] != CAIRadios && v[0] != CAIServers {
		return 0, false
	}
	return uint32(v[1])<<16 | uint32(v[2])<<8 | uint32(v[3]), true
}

// DeviceID is the identity radiogw files a frame from peer under: the decimal
// radio ID for MOTOTRBO addresses (12.x.y.z, 13.x.y.z), otherwise the peer's
// host (a radio behind NAT or a gateway keeps a stable, if opaque, identity).
// It is empty for an empty peer.
func DeviceID(peer string) string {
	if id, ok := RadioID(peer); ok {
		return strconv.FormatUint(uint64(id), 10)
	}
	if host, _, err := net.SplitHostPort(peer); err == nil {
		return host
	}
	return peer
}

func peerAddr(peer string) (netip.Addr, bool) {
	host := peer
	if h, _, err := net.SplitHostPort(peer); err == nil {
		host = h
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}
