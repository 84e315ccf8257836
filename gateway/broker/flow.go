package broker

import (
	"sync/atomic"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// quotaHook gives an MQTT 5 subscriber its send quota back for the QoS 1
// messages mochi held for it.
//
// An MQTT 5 client announces a Receive Maximum: how many QoS 1/2 messages
// it takes unacknowledged. mochi v2.7.9 keeps a send quota per client from
// it; at zero it holds a message back and sends one held message each time
// the client sends a packet. But it forgets a held message's packet ID once
// it has sent it, so the PUBACK that follows finds nothing in flight and
// gives no quota back. Every held message costs one unit of quota for good:
// after Receive Maximum of them (a flood of unit states is enough) every
// later QoS 1 message to that client is held forever, while its connection
// stays live and answers pings. A PUBACK for an ID not in flight is that
// case: its quota comes back here, before mochi reads the PUBACK. mochi
// caps the quota at the client's Receive Maximum, so a client that
// acknowledges an ID twice cannot take more than it asked for. MQTT 3.1.1
// clients (the wall map's, radiogw's own) have no send quota and never
// reach this path.
type quotaHook struct {
	mqtt.HookBase
	returned *atomic.Int64
}

func (h *quotaHook) ID() string { return "radiogw-send-quota" }

func (h *quotaHook) Provides(b byte) bool { return b == mqtt.OnPacketRead }

func (h *quotaHook) OnPacketRead(cl *mqtt.Client, pk packets.Packet) (packets.Packet, error) {
	if pk.FixedHeader.Type != packets.Puback || cl.Properties.ProtocolVersion < 5 {
		return pk, nil
	}
	if _, inflight := cl.State.Inflight.Get(pk.PacketID); !inflight {
		cl.State.Inflight.IncreaseSendQuota()
		h.returned.Add(1)
	}
	return pk, nil
}
