site = "t"

source "udp" "gps" {
  listen = "127.0.0.1:5005"
  codec  = "garmin"
}

source "udp" "console" {
  listen  = "127.0.0.1:5007"
  codec   = "lines"
  profile = "mdc-1200"
}

source "udp" "console2" {
  listen = "127.0.0.1:5008"
  codec  = "lines"
}
