package osmand

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"radiogw/avl"
	"radiogw/gateway/codec"
	"radiogw/gateway/frame"
)

// msToKmh converts the JSON form's speed (metres per second) to km/h.
const msToKmh = 3.6

// jsonReport is the JSON body Traccar Client 9 and later posts (with
// Content-Type: application/json), as Traccar's OsmAndProtocolDecoder
// reads it: the device ID at the top, everything else under "location".
// Unknown speed and heading are negative.
type jsonReport struct {
	DeviceID *string `json:"device_id"`
	Location *struct {
		Timestamp *string `json:"timestamp"`
		Coords    *struct {
			Latitude  *float64 `json:"latitude"`
			Longitude *float64 `json:"longitude"`
			Accuracy  *float64 `json:"accuracy"`
			Speed     *float64 `json:"speed"`
			Heading   *float64 `json:"heading"`
			Altitude  *float64 `json:"altitude"`
		} `json:"coords"`
		// A mock location comes from a GPS simulator app on the phone,
		// not from its receiver.
		Mock bool `json:"mock"`
	} `json:"location"`
}

// isJSON reports whether a frame is the JSON form: the http source hands
// a JSON body over as it came.
func isJSON(data []byte) bool {
	data = bytes.TrimLeft(data, " \t\r\n")
	return len(data) > 0 && data[0] == '{'
}

func (d *decoder) decodeJSON(f frame.Frame) (codec.Observations, error) {
	var r jsonReport
	if err := json.Unmarshal(f.Data, &r); err != nil {
		return fail("syntax", fmt.Errorf("JSON report: %w", err))
	}
	if r.DeviceID == nil || *r.DeviceID == "" {
		return fail("invalid", errors.New("no device_id"))
	}
	id := *r.DeviceID
	if err := checkID(id); err != nil {
		return fail("invalid", err)
	}
	if r.Location == nil {
		return fail("invalid", errors.New("no location"))
	}
	if r.Location.Coords == nil {
		// A report without a position (the app's heartbeat): Traccar
		// repeats the last position, radiogw already shows it.
		return codec.Observations{}, codec.Ignored
	}
	c := r.Location.Coords
	if c.Latitude == nil || c.Longitude == nil {
		return fail("invalid", errors.New("coords without latitude or longitude"))
	}
	fx := avl.Fix{Source: d.opts.Source, Peer: f.Peer, DeviceID: id, IDKind: avl.AVLID, Received: f.Received,
		Valid: !r.Location.Mock, Lat: *c.Latitude, Lon: *c.Longitude, SpeedKmh: avl.Unknown, Heading: avl.Unknown,
		HDOP: avl.Unknown, AltitudeM: avl.Unknown, AccuracyM: avl.Unknown}
	ts := ""
	if r.Location.Timestamp != nil {
		ts = *r.Location.Timestamp
	}
	var err error
	if fx.Time, err = timestamp(ts, f.Received); err != nil {
		return fail("invalid", fmt.Errorf("timestamp: %w", err))
	}
	if c.Speed != nil && *c.Speed >= 0 {
		fx.SpeedKmh = *c.Speed * msToKmh
	}
	if c.Heading != nil && *c.Heading >= 0 {
		fx.Heading = *c.Heading
	}
	if c.Accuracy != nil && *c.Accuracy >= 0 {
		fx.AccuracyM = *c.Accuracy
	}
	if c.Altitude != nil {
		fx.AltitudeM = *c.Altitude
	}
	return codec.Observations{Fixes: []avl.Fix{fx}}, nil
}
