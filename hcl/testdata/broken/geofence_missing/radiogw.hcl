site = "t"

geofence "beats" {
  file = "geo/beats.geojson"
  kind = "beat"
}
