package source

import "net/netip"

// maxPeerNames bounds the peer-name cache of one UDP socket: about 100
// bytes an entry, so a fleet of 65,536 modems costs some 6 MiB, and a larger
// one only loses the cache's benefit, not correctness.
const maxPeerNames = 1 << 16

// peerNames caches Frame.Peer strings by sender address. Formatting
// "ip:port" allocated for every datagram; a modem sends from the same
// address for hours, and every fix it sends then shares one string.
// Owned by one read loop, so it does not lock.
type peerNames struct {
	max   int
	names map[netip.AddrPort]string
}

func newPeerNames(max int) *peerNames {
	return &peerNames{max: max, names: make(map[netip.AddrPort]string)}
}

func (p *peerNames) name(ap netip.AddrPort) string {
	if s, ok := p.names[ap]; ok {
		return s
	}
	if len(p.names) >= p.max {
		// Forget an arbitrary entry: map iteration starts at a random
		// place, and a sender that is still active comes straight back.
		for k := range p.names {
			delete(p.names, k)
			break
		}
	}
	s := peerString(ap)
	p.names[ap] = s
	return s
}
