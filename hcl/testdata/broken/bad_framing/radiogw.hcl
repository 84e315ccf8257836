site = "t"

source "udp" "avl" {
  listen  = "0.0.0.0:5005"
  codec   = "nmea"
  framing = "line"
}

source "udp" "big" {
  listen    = "0.0.0.0:5006"
  codec     = "nmea"
  max_frame = 70000
}

source "tcp_listen" "modems" {
  listen    = "0.0.0.0:7000"
  codec     = "taip"
  framing   = "length_prefixed"
  max_frame = 70000
}

source "tcp_listen" "dgram" {
  listen  = "0.0.0.0:7001"
  codec   = "taip"
  framing = "datagram"
}

source "mqtt" "trunk" {
  broker    = "tcp://10.1.1.9:1883"
  codec     = "trunk_recorder"
  framing   = "line"
  max_frame = 2000000
}
