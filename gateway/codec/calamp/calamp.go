// Package calamp decodes CalAmp LM Direct, the UDP protocol of CalAmp LMU
// vehicle modems: event reports, locate reports, user data and mini event
// reports become fixes named by the unit's mobile ID, and every message the
// device sends as an acknowledged request is answered with an LM Direct
// acknowledgement (a decode.Reply). The wire format is in README.md.
package calamp

import (
	"radiogw/avl"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

type decoder struct{ opts Options }

// New returns an LM Direct decoder. It keeps no state between frames.
func New(o decode.Options) (decode.Decoder, error) { return decoder{OptionsFrom(o)}, nil }

func (d decoder) Decode(f frame.Frame) (decode.Observations, error) {
	m, err := Parse(f.Data)
	if err != nil {
		return decode.Observations{}, err
	}
	if m.Service == ServiceResponse || m.Type == TypeAck {
		return decode.Observations{}, decode.Ignored // an answer, not a report
	}
	var obs decode.Observations
	// A device repeats an acknowledged request until it is answered; it is
	// answered once radiogw has read it, whatever it carries.
	if m.Service == ServiceAcknowledged && d.opts.Ack {
		obs.Replies = []decode.Reply{{Peer: f.Peer, Data: Ack(m.Sequence, m.Type), Kind: ReplyAck}}
	}
	if m.Report == nil {
		if obs.Empty() {
			return obs, decode.Ignored
		}
		return obs, nil
	}
	obs.Fixes = []avl.Fix{fix(&m, f)}
	return obs, nil
}

func fix(m *Message, f frame.Frame) avl.Fix {
	r := m.Report
	t := r.FixTime
	if t.IsZero() || (!r.Mini && r.FixStatus&FixInvalidTime != 0) {
		t = r.UpdateTime
	}
	if t.IsZero() {
		t = f.Received
	}
	alt, hdop := r.AltitudeM, r.HDOP
	if r.Mini {
		alt, hdop = avl.Unknown, avl.Unknown
	}
	if hdop == 0 {
		hdop = avl.Unknown // no receiver reports a perfect 0: the unit did not fill it in
	}
	return avl.Fix{
		Source:    f.Source,
		Peer:      f.Peer,
		DeviceID:  m.MobileID,
		IDKind:    avl.AVLID,
		Time:      t,
		Received:  f.Received,
		Lat:       r.Lat,
		Lon:       r.Lon,
		Valid:     r.Valid(),
		SpeedKmh:  r.SpeedKmh,
		Heading:   float64(r.Heading),
		HDOP:      hdop,
		AltitudeM: alt,
		AccuracyM: avl.Unknown,
	}
}
