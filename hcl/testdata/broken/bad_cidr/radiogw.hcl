site = "t"

source "udp" "avl" {
  listen = "0.0.0.0:5005"
  codec  = "nmea"
  allow  = ["10.20.0.0/16", "10.300.0.0/16"]
}

source "tcp_listen" "modems" {
  listen = "0.0.0.0:7000"
  codec  = "taip"
  allow  = ["modems.example.net"]
}
