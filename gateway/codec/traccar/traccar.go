// Package traccar decodes the JSON that a Traccar server's position
// forwarder sends (forward.type = json, over HTTP POST or MQTT), so any of
// the 200+ protocols Traccar decodes can reach radiogw through a Traccar
// server:
//
//	{"position": {"deviceId": 7, "fixTime": "2026-11-23T22:14:05.000+00:00", "valid": true,
//	              "latitude": 33.74562, "longitude": -117.82311, "altitude": 52,
//	              "speed": 10, "course": 270, "accuracy": 8, "attributes": {"hdop": 0.9}},
//	 "device":   {"id": 7, "name": "Engine 5", "uniqueId": "862123045"}}
//
// The device's uniqueId is the identity matched against the roster's
// avl_ids. Traccar keeps speed in knots; radiogw stores km/h.
package traccar

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"radiogw/avl"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

const (
	knotsToKmh = 1.852
	maxID      = 64
)

type decoder struct{ opts decode.Options }

// New builds a decoder.
func New(opts decode.Options) (decode.Decoder, error) { return &decoder{opts: opts}, nil }

type message struct {
	Position *struct {
		FixTime    string         `json:"fixTime"`
		DeviceTime string         `json:"deviceTime"`
		Valid      *bool          `json:"valid"`
		Latitude   *float64       `json:"latitude"`
		Longitude  *float64       `json:"longitude"`
		Altitude   *float64       `json:"altitude"`
		Speed      *float64       `json:"speed"`
		Course     *float64       `json:"course"`
		Accuracy   *float64       `json:"accuracy"`
		Attributes map[string]any `json:"attributes"`
	} `json:"position"`
	Device *struct {
		UniqueID string `json:"uniqueId"`
	} `json:"device"`
}

func fail(reason string, err error) (decode.Observations, error) {
	return decode.Observations{}, &decode.Error{Reason: reason, Err: err}
}

// Decode reads one forwarded position. A forwarded event without a
// position (an "event" message) is ignored.
func (d *decoder) Decode(f frame.Frame) (decode.Observations, error) {
	var m message
	if err := json.Unmarshal(f.Data, &m); err != nil {
		return fail("syntax", err)
	}
	if m.Position == nil {
		return fail("ignored", errors.New("no position"))
	}
	if m.Device == nil || m.Device.UniqueID == "" {
		return fail("invalid", errors.New("no device.uniqueId"))
	}
	id := m.Device.UniqueID
	if len(id) > maxID || strings.ContainsAny(id, "/+#\x00") || strings.TrimSpace(id) != id {
		return fail("invalid", fmt.Errorf("device uniqueId %q: at most %d bytes, no '/', '+', '#' or surrounding spaces", id, maxID))
	}
	p := m.Position
	if p.Latitude == nil || p.Longitude == nil {
		return fail("invalid", errors.New("no latitude/longitude"))
	}
	ts := p.FixTime
	if ts == "" {
		ts = p.DeviceTime
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return fail("invalid", fmt.Errorf("fixTime %q: %w", ts, err))
	}
	fx := avl.Fix{Source: d.opts.Source, Peer: f.Peer, DeviceID: id, IDKind: avl.AVLID, Received: f.Received,
		Time: t.UTC(), Lat: *p.Latitude, Lon: *p.Longitude, Valid: p.Valid == nil || *p.Valid,
		SpeedKmh: opt(p.Speed, knotsToKmh), Heading: opt(p.Course, 1), AltitudeM: opt(p.Altitude, 1),
		AccuracyM: avl.Unknown, HDOP: avl.Unknown}
	if p.Accuracy != nil && *p.Accuracy > 0 { // Traccar sends 0 for "not reported"
		fx.AccuracyM = *p.Accuracy
	}
	if h, ok := p.Attributes["hdop"].(float64); ok && h > 0 {
		fx.HDOP = h
	}
	return decode.Observations{Fixes: []avl.Fix{fx}}, nil
}

func opt(v *float64, mul float64) float64 {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return avl.Unknown
	}
	return *v * mul
}
