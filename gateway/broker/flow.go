package broker

import (
	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// flowHook keeps an MQTT 5 client's Receive Maximum in radiogw's own queue
// for that client (queuedConn) instead of in mochi.
//
// An MQTT 5 client announces a Receive Maximum: how many QoS 1/2 messages
// it takes unacknowledged. mochi v2.7.9 keeps a send quota per client from
// it, and its handling is broken three ways:
//   - it can deadlock the broker: with messages in flight and quota left,
//     every packet the client sends makes mochi take the client's in-flight
//     lock for reading twice over (Inflight.NextImmediate calls GetAll); a
//     publisher routing a message to that client at the same moment queues
//     for the write lock between the two, and all three wait for good. Every
//     later publish to that client, radiogw's own state included, then
//     hangs, and the wall goes dark;
//   - it sends the messages it held back in no particular order, so a
//     display could get a unit's older state after its newer one;
//   - it forgets a held message once sent, so the PUBACK gives no quota
//     back, and after Receive Maximum of them the client gets no QoS 1
//     message again on a live connection.
//
// So mochi is told the client has no Receive Maximum (then it never holds a
// message nor takes that path), and the client's queue holds its QoS 1/2
// messages in order instead, sending the next only while fewer than
// Receive Maximum are unacknowledged. MQTT 3.1.1 clients (the wall map's,
// radiogw's own) have no Receive Maximum and are not touched.
type flowHook struct {
	mqtt.HookBase
}

func (h *flowHook) ID() string { return "radiogw-receive-maximum" }

func (h *flowHook) Provides(b byte) bool { return b == mqtt.OnConnect || b == mqtt.OnPacketRead }

// OnConnect runs after mochi has read the client's CONNECT and before it
// sets up the session or sends anything to the client.
func (h *flowHook) OnConnect(cl *mqtt.Client, pk packets.Packet) error {
	rm := cl.Properties.Props.ReceiveMaximum // mochi capped it at MaximumInflight
	if cl.Properties.ProtocolVersion < 5 || rm == 0 {
		return nil
	}
	q := queueOf(cl)
	if q == nil {
		return nil
	}
	q.setReceiveMaximum(int(rm))
	// mochi reads the quota from here again when the client takes over a
	// session with messages in flight.
	cl.Properties.Props.ReceiveMaximum = 0
	cl.State.Inflight.ResetSendQuota(0)
	return nil
}

// OnPacketRead sees the client's acknowledgements before mochi handles
// them: a PUBACK or a PUBCOMP ends a QoS 1 or 2 delivery, and a PUBREC with
// an error code ends a QoS 2 one.
func (h *flowHook) OnPacketRead(cl *mqtt.Client, pk packets.Packet) (packets.Packet, error) {
	switch pk.FixedHeader.Type {
	case packets.Puback, packets.Pubcomp:
	case packets.Pubrec:
		if pk.ReasonCode < 0x80 {
			return pk, nil
		}
	default:
		return pk, nil
	}
	if q := queueOf(cl); q != nil {
		q.acknowledged(pk.PacketID)
	}
	return pk, nil
}

// queueOf is the queue radiogw put under a client's connection, or nil.
func queueOf(cl *mqtt.Client) *queuedConn {
	r, ok := cl.Net.Conn.(*replayConn)
	if !ok {
		return nil
	}
	q, _ := r.Conn.(*queuedConn)
	return q
}
