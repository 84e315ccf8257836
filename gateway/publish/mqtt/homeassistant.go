package mqtt

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"radiogw/avl"
)

// Home Assistant MQTT discovery (docs/homeassistant.md). For every unit the
// sink publishes, retained:
//
//   - <prefix>/device_tracker/<object_id>/config: the discovery document,
//     which points Home Assistant at the tracker topic and ties the entity's
//     availability to <root>/status;
//   - <root>/tracker/<unit>: the tracker payload, whose latitude, longitude
//     and gps_accuracy Home Assistant reads as the entity's location.
//
// A forgotten unit gets empty retained messages on both, which removes the
// entity from Home Assistant.

// HAObjectID is the <object_id> of a unit's discovery topic: it is radiogw_<site>_<unit> with every character Home Assistant
// does not accept in an object ID ([a-zA-Z0-9_-], TOPIC_MATCHER in its
// mqtt/discovery.py) replaced by '_'. When anything had to be
// replaced, a hash of the original names is appended, so "2A-12" and "2A 12"
// cannot end up as one entity.
func HAObjectID(site, unit string) string {
	raw := "radiogw_" + site + "_" + unit
	clean := strings.Map(func(r rune) rune {
		if r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, raw)
	if clean == raw {
		return raw
	}
	h := fnv.New32a()
	h.Write([]byte(site + "\x00" + unit))
	return clean + "_" + strconv.FormatUint(uint64(h.Sum32()), 16)
}

// haDiscovery is the device_tracker discovery document. Keys are Home
// Assistant's (homeassistant/components/mqtt/device_tracker.py and its
// shared entity schema); source_type gps makes the entity a GPS tracker.
type haDiscovery struct {
	UniqueID           string   `json:"unique_id"`
	JSONAttributes     string   `json:"json_attributes_topic"`
	Availability       string   `json:"availability_topic"`
	PayloadAvailable   string   `json:"payload_available"`
	PayloadUnavailable string   `json:"payload_not_available"`
	SourceType         string   `json:"source_type"`
	Device             haDevice `json:"device"`
	Origin             haOrigin `json:"origin"`
}

type haDevice struct {
	Identifiers  []string `json:"identifiers"`
	Name         string   `json:"name"`
	Manufacturer string   `json:"manufacturer"`
	Model        string   `json:"model,omitempty"`
}

type haOrigin struct {
	Name string `json:"name"`
}

// haConfigPayload is a unit's discovery document. The device is named by
// the alpha tag when the roster has one, else by the call sign.
func (s *Sink) haConfigPayload(u *avl.Unit) ([]byte, error) {
	id := HAObjectID(s.opts.Site, u.ID)
	name := u.ID
	if u.AlphaTag != "" {
		name = u.AlphaTag
	}
	b, err := json.Marshal(haDiscovery{
		UniqueID: id, JSONAttributes: s.topicFor(topicTracker).name(u.ID),
		Availability: s.topicFor(topicStatus).name(""), PayloadAvailable: "online", PayloadUnavailable: "offline",
		SourceType: "gps",
		Device:     haDevice{Identifiers: []string{id}, Name: name, Manufacturer: "radiogw", Model: u.Type},
		Origin:     haOrigin{Name: "radiogw"},
	})
	if err != nil {
		return nil, fmt.Errorf("unit %q home assistant discovery: %w", u.ID, err)
	}
	return b, nil
}

// AppendTrackerPayload appends a unit's tracker payload (class "tracker",
// docs/schema/tracker.v1.json) to b; a unit without a position appends
// nothing: Home Assistant keeps its last location. None of its keys is one
// that Home Assistant drops from attributes (MQTT_ATTRIBUTES_BLOCKED).
func AppendTrackerPayload(b []byte, site string, u *avl.Unit, defaultAccM float64) ([]byte, error) {
	p := u.Position
	if p == nil {
		return b, nil
	}
	if !finite(p.Lat) || !finite(p.Lon) {
		return b, fmt.Errorf("unit %q tracker payload: %w", u.ID, errNonFinite)
	}
	b = append(b, `{"class":"tracker","v":1,"site":`...)
	b = appendString(b, site)
	b = append(b, `,"unit":`...)
	b = appendString(b, u.ID)
	b = append(b, `,"latitude":`...)
	b = appendFloat(b, p.Lat)
	b = append(b, `,"longitude":`...)
	b = appendFloat(b, p.Lon)
	b = strconv.AppendInt(append(b, `,"gps_accuracy":`...), int64(AccuracyM(p, defaultAccM)), 10)
	b = append(b, `,"fix_time":`...)
	b = appendString(b, p.FixTime.UTC().Format(time.RFC3339Nano))
	b = appendOptString(b, `,"unit_alpha_tag":`, u.AlphaTag)
	b = appendOptString(b, `,"type":`, u.Type)
	b = append(b, `,"stale":`...)
	b = appendString(b, u.Stale.String())
	b = appendOptString(b, `,"status":`, u.Status)
	b = appendOptString(b, `,"beat":`, u.Beat)
	b = appendOptString(b, `,"channel":`, u.Channel)
	b = appendOptInt(b, `,"speed_kmh":`, p.SpeedKmh)
	b = appendOptInt(b, `,"heading":`, p.Heading)
	b = append(b, `,"emergency":`...)
	b = strconv.AppendBool(b, u.Emergency != nil)
	return append(b, '}'), nil
}
