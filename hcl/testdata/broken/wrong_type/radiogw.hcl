site = "t"

source "serial" "console" {
  device = "/dev/ttyUSB0"
  baud   = "fast"
  codec  = "nmea"
}

unit "2A12" {
  radio_ids = "1201"
}

status_table "agency" {
  codes = ["available"]
}
