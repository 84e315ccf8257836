// Package lrrp decodes Motorola LRRP (Location Request/Response Protocol)
// documents, the MBXML-encoded location reports MOTOTRBO radios send to UDP
// port 4001, and encodes the requests that make radios send them.
//
// One frame is one UDP datagram holding one document. Reports become fixes;
// requests and successful answers are decode.Ignored; answers and reports that
// carry a failure result code (and no position) are errors with reason
// "result_code" wrapping a *ResultError. The radio ID is not in the payload:
// it is derived from the sender address (see DeviceID).
package lrrp

import (
	"math"

	"radiogw/avl"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

type decoder struct{}

// New returns an LRRP decoder. It keeps no state between frames and needs no
// options: the radio ID comes from the sender address.
func New(decode.Options) (decode.Decoder, error) { return decoder{}, nil }

func (decoder) Decode(f frame.Frame) (decode.Observations, error) {
	doc, err := Parse(f.Data)
	if err != nil {
		return decode.Observations{}, err
	}
	switch doc.Type.Class() {
	case ClassRequest:
		return decode.Observations{}, decode.Ignored
	case ClassAnswer:
		if doc.HasResult && doc.ResultCode != 0 {
			return decode.Observations{}, resultError(&doc)
		}
		return decode.Observations{}, decode.Ignored
	}
	if doc.Shape == ShapeNone {
		switch {
		case doc.HasResult && doc.ResultCode != 0:
			return decode.Observations{}, resultError(&doc)
		case doc.Type == DocLocationProtocolReportNCDT, doc.HasResult:
			return decode.Observations{}, decode.Ignored
		}
		return decode.Observations{}, decode.Errorf("invalid", "lrrp: %s without a position or result", doc.Type)
	}
	// A position that comes with a non-zero result code is still a position;
	// the code stays in Document for whoever calls Parse.
	return decode.Observations{Fixes: []avl.Fix{fix(&doc, f)}}, nil
}

func fix(doc *Document, f frame.Frame) avl.Fix {
	t := doc.Time
	if t.IsZero() {
		t = f.Received
	}
	// speed-hor is in metres per second, the unit of the OMA location
	// schema LRRP is built on.
	speed := avl.Unknown
	if avl.Known(doc.SpeedMS) {
		speed = doc.SpeedMS * 3.6
	}
	return avl.Fix{
		Source:    f.Source,
		Peer:      f.Peer,
		DeviceID:  DeviceID(f.Peer),
		IDKind:    avl.RadioID,
		Time:      t,
		Received:  f.Received,
		Lat:       doc.Lat,
		Lon:       doc.Lon,
		Valid:     true, // radios send a shape only for a fix; no fix is a result code
		SpeedKmh:  speed,
		Heading:   doc.Direction,
		HDOP:      math.NaN(),
		AltitudeM: doc.AltitudeM,
		AccuracyM: doc.RadiusM,
	}
}
