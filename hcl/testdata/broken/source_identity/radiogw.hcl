site = "tustin"

unit "2A12" {
  avl_ids = ["4521"]
}

source "serial" "gps" {
  device = "/dev/ttyUSB0"
  codec  = "nmea"
}

source "serial" "both" {
  device    = "/dev/ttyUSB1"
  codec     = "nmea"
  device_id = "4521"
  unit      = "2A12"
}

source "tcp_client" "taip" {
  address = "10.1.1.5:4001"
  codec   = "taip"
  unit    = "9Z99"
}

source "udp" "modems" {
  listen   = "0.0.0.0:5005"
  codec    = "nmea"
  checksum = "sloppy"
}
