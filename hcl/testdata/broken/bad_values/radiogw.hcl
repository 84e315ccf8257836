site = "north/east"

http {
  listen = "localhost"
}

source "serial" "console" {
  device    = "/dev/ttyUSB0"
  codec     = "nmea"
  baud      = 0
  data_bits = 9
  max_frame = -1
}

unit_type "patrol" {
  aging       = "10m"
  stale       = "5m"
  moving_kmh  = 2
  stopped_kmh = 5
}
