# site is missing
mqtt {
  client_id = "radiogw"
}

source "tcp_client" "decoder" {
  codec = "nmea"
}

geofence "beats" {
  kind = "beat"
}
