package pipeline

import (
	"time"

	"radiogw/avl"
	"radiogw/gateway/publish"
)

// roundFix trims a decoded fix to what the device measures before it is
// tracked, so the MQTT payloads, the API, the breadcrumbs and InfluxDB all
// carry 33.762025, not 33.762025000000001.
func roundFix(f *avl.Fix) {
	f.Lat = publish.Round(f.Lat, publish.CoordDecimals)
	f.Lon = publish.Round(f.Lon, publish.CoordDecimals)
	f.SpeedKmh = publish.Round(f.SpeedKmh, publish.TenthDecimals)
	f.Heading = publish.Round(f.Heading, publish.TenthDecimals)
	f.HDOP = publish.Round(f.HDOP, publish.HDOPDecimals)
	f.AltitudeM = publish.Round(f.AltitudeM, publish.TenthDecimals)
	f.AccuracyM = publish.Round(f.AccuracyM, publish.TenthDecimals)
}

// seconds is a duration in seconds to a tenth, for JSON.
func seconds(d time.Duration) float64 { return publish.Round(d.Seconds(), publish.TenthDecimals) }
