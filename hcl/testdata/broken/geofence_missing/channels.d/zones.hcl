# Relative to this file: channels.d/geo/schools.geojson does not exist even
# though geo/schools.geojson does beside radiogw.hcl.
geofence "schools" {
  file          = "geo/schools.geojson"
  kind          = "zone"
  name_property = "school"
}
