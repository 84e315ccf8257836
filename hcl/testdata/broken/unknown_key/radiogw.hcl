site = "t"
colour = "blue"

log {
  level = "info"
  verbose = true
}

# baud belongs to serial sources, not udp.
source "udp" "avl" {
  listen = "127.0.0.1:5005"
  codec  = "nmea"
  baud   = 9600
}
