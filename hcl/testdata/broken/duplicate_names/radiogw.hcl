site = "t"

source "udp" "avl" {
  listen = "127.0.0.1:5005"
  codec  = "nmea"
}

source "udp" "avl" {
  listen = "127.0.0.1:5006"
  codec  = "nmea"
}

unit_type "patrol" {}
unit_type "patrol" {}

geofence "beats" {
  file = "beats.geojson"
  kind = "beat"
  name_property = "beat"
}

geofence "beats" {
  file = "beats.geojson"
  kind = "beat"
  name_property = "beat"
}

status_table "agency" {
  codes = { "1" = "available" }
}

status_table "agency" {
  codes = { "1" = "available" }
}

profile "p" {
  pattern {
    kind  = "ptt_start"
    regex = "^I(?P<unit>[0-9]+)$"
  }
}

profile "p" {
  pattern {
    kind  = "ptt_start"
    regex = "^I(?P<unit>[0-9]+)$"
  }
}
