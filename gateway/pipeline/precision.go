package pipeline

import (
	"time"

	"radiogw/avl"
	"radiogw/gateway/change"
)

// roundFix trims a decoded fix to what the device measures before it is
// tracked, so the MQTT payloads, the API, the breadcrumbs and InfluxDB all
// carry 33.762025, not 33.762025000000001.
func roundFix(f *avl.Fix) {
	f.Lat = change.Round(f.Lat, change.CoordDecimals)
	f.Lon = change.Round(f.Lon, change.CoordDecimals)
	f.SpeedKmh = change.Round(f.SpeedKmh, change.TenthDecimals)
	f.Heading = change.Round(f.Heading, change.TenthDecimals)
	f.HDOP = change.Round(f.HDOP, change.HDOPDecimals)
	f.AltitudeM = change.Round(f.AltitudeM, change.TenthDecimals)
	f.AccuracyM = change.Round(f.AccuracyM, change.TenthDecimals)
}

// seconds is a duration in seconds to a tenth, for JSON.
func seconds(d time.Duration) float64 { return change.Round(d.Seconds(), change.TenthDecimals) }
