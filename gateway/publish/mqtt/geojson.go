package mqtt

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"radiogw/avl"
)

// MapPayload encodes every positioned unit as a GeoJSON FeatureCollection,
// for map clients that want one message with everything.
func MapPayload(site string, units []*avl.Unit, now time.Time) ([]byte, error) {
	fc := geojson.NewFeatureCollection()
	for _, u := range units {
		if u.Position == nil {
			continue
		}
		f := geojson.NewFeature(orb.Point{u.Position.Lon, u.Position.Lat})
		f.ID = u.ID
		f.Properties["unit"] = u.ID
		f.Properties["fix_time"] = u.Position.FixTime.UTC().Format(time.RFC3339)
		f.Properties["fix_age_s"] = int64(now.Sub(u.Position.FixTime) / time.Second)
		f.Properties["stale"] = u.Stale.String()
		f.Properties["talking"] = u.Talking
		f.Properties["emergency"] = u.Emergency != nil
		for k, v := range map[string]string{"unit_alpha_tag": u.AlphaTag, "type": u.Type,
			"status": u.Status, "beat": u.Beat, "channel": u.Channel, "motion": u.Motion.String()} {
			if v != "" {
				f.Properties[k] = v
			}
		}
		if avl.Known(u.Position.SpeedKmh) {
			f.Properties["speed_kmh"] = u.Position.SpeedKmh
		}
		if avl.Known(u.Position.Heading) {
			f.Properties["heading"] = u.Position.Heading
		}
		fc.Append(f)
	}
	fc.ExtraMembers = geojson.Properties{"class": "map", "v": SchemaVersion, "site": site}
	b, err := json.Marshal(fc)
	if err != nil {
		return nil, fmt.Errorf("map payload: %w", err)
	}
	return b, nil
}
