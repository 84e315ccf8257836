// Package osmand decodes the OsmAnd protocol: one position report as the
// query string (or form body) of an HTTP request, as the Traccar Client
// phone app, OsmAnd's online tracking and many trackers send it:
//
//	id=4521&lat=33.74562&lon=-117.82311&timestamp=1763935445&speed=23.1&bearing=270&altitude=45&accuracy=8&batt=87
//
// The HTTP side (listening, allow-list, token) belongs to the runtime's
// http source; a frame's Data is the request's parameters, URL-encoded.
//
// Parameters, as Traccar's OsmAndProtocolDecoder reads them:
//
//	id, deviceid      device identity, matched against the roster's avl_ids (required)
//	lat, lon          WGS84 degrees (required; or location=lat,lon)
//	timestamp         Unix seconds, Unix milliseconds, or RFC 3339 / "2006-01-02 15:04:05" UTC
//	speed             knots (what Traccar Client sends), stored as km/h
//	bearing, heading  degrees true
//	altitude          metres
//	accuracy          horizontal accuracy, metres
//	hdop              HDOP
//	valid             false or 0: the device says the fix is not valid
//	batt, and others  accepted and not used
//
// Traccar Client 9 and later (2025) post JSON instead, with Content-Type
// application/json, which the http source hands over as it is:
//
//	{"location": {"timestamp": "2025-08-28T11:51:46.587Z",
//	              "coords": {"latitude": -37.69, "longitude": 145.06, "accuracy": 4.32,
//	                         "speed": 0.11, "heading": 158.44, "altitude": 103},
//	              "is_moving": true, "odometer": 0, "battery": {"level": 0.88}},
//	 "device_id": "82879256"}
//
// There speed is in metres per second, and a negative speed, heading or
// accuracy means unknown (the location library's convention). A batch of
// stored locations comes as a "location" array.
// A mock location (a GPS simulator app) is marked not valid.
package osmand

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"radiogw/avl"
	"radiogw/gateway/decode"
	"radiogw/gateway/frame"
)

// knotsToKmh converts the protocol's speed (knots) to km/h.
const knotsToKmh = 1.852

// maxID bounds a device ID: it becomes a unit name for unlisted devices.
const maxID = 64

type decoder struct{ opts decode.Options }

// New builds a decoder.
func New(opts decode.Options) (decode.Decoder, error) { return &decoder{opts: opts}, nil }

func fail(reason string, err error) (decode.Observations, error) {
	return decode.Observations{}, &decode.Error{Reason: reason, Err: err}
}

// Decode reads one report.
func (d *decoder) Decode(f frame.Frame) (decode.Observations, error) {
	if data := bytes.TrimSpace(f.Data); len(data) > 0 && data[0] == '{' {
		return d.decodeJSON(data, f)
	}
	v, err := url.ParseQuery(string(f.Data))
	if err != nil {
		return fail("syntax", err)
	}
	id := first(v, "id", "deviceid")
	if err := checkID(id); err != nil {
		return fail("invalid", err)
	}
	fx := d.newFix(f, id)
	lat, lon := v.Get("lat"), v.Get("lon")
	if loc := v.Get("location"); lat == "" && lon == "" && loc != "" {
		lat, lon, _ = strings.Cut(loc, ",")
	}
	if fx.Lat, err = number(lat); err != nil {
		return fail("invalid", fmt.Errorf("lat: %w", err))
	}
	if fx.Lon, err = number(lon); err != nil {
		return fail("invalid", fmt.Errorf("lon: %w", err))
	}
	if fx.Time, err = timestamp(v.Get("timestamp"), f.Received); err != nil {
		return fail("invalid", fmt.Errorf("timestamp: %w", err))
	}
	for _, o := range []struct {
		dst  *float64
		keys []string
		mul  float64
	}{
		{&fx.SpeedKmh, []string{"speed"}, knotsToKmh},
		{&fx.Heading, []string{"bearing", "heading"}, 1},
		{&fx.AltitudeM, []string{"altitude"}, 1},
		{&fx.AccuracyM, []string{"accuracy"}, 1},
		{&fx.HDOP, []string{"hdop"}, 1},
	} {
		if s := first(v, o.keys...); s != "" {
			n, err := number(s)
			if err != nil {
				return fail("invalid", fmt.Errorf("%s: %w", o.keys[0], err))
			}
			*o.dst = n * o.mul
		}
	}
	if s := v.Get("valid"); s == "false" || s == "0" {
		fx.Valid = false
	}
	return decode.Observations{Fixes: []avl.Fix{fx}}, nil
}

// checkID refuses a device ID that cannot name a unit.
func checkID(id string) error {
	if id == "" {
		return errors.New("no id")
	}
	if len(id) > maxID || strings.ContainsAny(id, "/+#\x00") || strings.TrimSpace(id) != id {
		return fmt.Errorf("device id %q: at most %d bytes, no '/', '+', '#' or surrounding spaces", id, maxID)
	}
	return nil
}

func (d *decoder) newFix(f frame.Frame, id string) avl.Fix {
	return avl.Fix{Source: d.opts.Source, Peer: f.Peer, DeviceID: id, IDKind: avl.AVLID, Received: f.Received,
		Valid: true, SpeedKmh: avl.Unknown, Heading: avl.Unknown, HDOP: avl.Unknown,
		AltitudeM: avl.Unknown, AccuracyM: avl.Unknown}
}

// jsonLocation is one location of Traccar Client's JSON body.
type jsonLocation struct {
	Timestamp string `json:"timestamp"`
	Coords    *struct {
		Latitude  *float64 `json:"latitude"`
		Longitude *float64 `json:"longitude"`
		Accuracy  *float64 `json:"accuracy"`
		Speed     *float64 `json:"speed"`
		Heading   *float64 `json:"heading"`
		Altitude  *float64 `json:"altitude"`
	} `json:"coords"`
	// Mock: the phone's position comes from a GPS simulator app, not its
	// receiver. Such a fix is marked not valid, so it never moves a unit.
	Mock bool `json:"mock"`
}

// maxBatch bounds the locations of one JSON body.
const maxBatch = 100

// decodeJSON reads Traccar Client's JSON body: one location, or a batch.
func (d *decoder) decodeJSON(data []byte, f frame.Frame) (decode.Observations, error) {
	var m struct {
		DeviceID any             `json:"device_id"`
		Location json.RawMessage `json:"location"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return fail("syntax", err)
	}
	id, ok := m.DeviceID.(string)
	if !ok {
		return fail("invalid", fmt.Errorf("device_id %v is not a string", m.DeviceID))
	}
	if err := checkID(id); err != nil {
		return fail("invalid", err)
	}
	var locs []jsonLocation
	switch raw := bytes.TrimSpace(m.Location); {
	case len(raw) == 0:
		return fail("invalid", errors.New("no location"))
	case raw[0] == '[':
		if err := json.Unmarshal(raw, &locs); err != nil {
			return fail("syntax", fmt.Errorf("location: %w", err))
		}
		if len(locs) == 0 || len(locs) > maxBatch {
			return fail("invalid", fmt.Errorf("%d locations, want 1 to %d", len(locs), maxBatch))
		}
	default:
		var l jsonLocation
		if err := json.Unmarshal(raw, &l); err != nil {
			return fail("syntax", fmt.Errorf("location: %w", err))
		}
		locs = []jsonLocation{l}
	}
	var obs decode.Observations
	for i, l := range locs {
		c := l.Coords
		if c == nil || c.Latitude == nil || c.Longitude == nil {
			return fail("invalid", fmt.Errorf("location %d: no coords.latitude/longitude", i+1))
		}
		fx := d.newFix(f, id)
		fx.Lat, fx.Lon, fx.Valid = *c.Latitude, *c.Longitude, !l.Mock
		var err error
		if fx.Time, err = timestamp(l.Timestamp, f.Received); err != nil {
			return fail("invalid", fmt.Errorf("location %d timestamp: %w", i+1, err))
		}
		for _, o := range []struct {
			dst *float64
			src *float64
			mul float64
		}{
			{&fx.SpeedKmh, c.Speed, 3.6}, // metres per second
			{&fx.Heading, c.Heading, 1},
			{&fx.AccuracyM, c.Accuracy, 1},
		} {
			if o.src != nil && *o.src >= 0 {
				*o.dst = *o.src * o.mul
			}
		}
		if c.Altitude != nil {
			fx.AltitudeM = *c.Altitude
		}
		obs.Fixes = append(obs.Fixes, fx)
	}
	return obs, nil
}

func first(v url.Values, keys ...string) string {
	for _, k := range keys {
		if s := v.Get(k); s != "" {
			return s
		}
	}
	return ""
}

// number is a finite decimal.
func number(s string) (float64, error) {
	if s == "" {
		return 0, errors.New("missing")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return f, nil
}

// timestamp reads Unix seconds or milliseconds, RFC 3339, or
// "2006-01-02 15:04:05" (UTC); none means the time of receipt, as Traccar
// does.
func timestamp(s string, received time.Time) (time.Time, error) {
	if s == "" {
		return received.UTC(), nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > 1e11 { // milliseconds (Unix seconds pass 1e11 in the year 5138)
			return time.UnixMilli(n).UTC(), nil
		}
		return time.Unix(n, 0).UTC(), nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) && math.Abs(f) < 1e11 {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time", s)
}
