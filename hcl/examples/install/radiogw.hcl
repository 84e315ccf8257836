# /etc/radiogw/radiogw.hcl: starting point installed by `make install`.
#
# Edit, then run `radiogw check /etc/radiogw/radiogw.hcl` and
# `systemctl reload radiogw`. Every block and attribute is described in
# /usr/share/doc/radiogw/config.md (docs/config.md in the source tree).
# Channels, unit types and units are best kept in /etc/radiogw/channels.d/*.hcl.

site = "changeme"

log {
  level  = "info"
  format = "auto"
}

# The systemd unit's StateDirectory.
storage {
  dir = "/var/lib/radiogw"
}

# The secret files below are created with random contents by `make install`
# (mode 0640, group radiogw) and never overwritten. A wall display is set up
# once with http://<this host>:8080/#token=<contents of http-read.token>;
# emergency acknowledgements over HTTP need http-write.token.
http {
  listen          = "127.0.0.1:8080"
  read_token_file = "http-read.token"
  token_file      = "http-write.token"
}

# radiogw's own broker on 127.0.0.1:1883 and a WebSocket listener on
# 127.0.0.1:9001, with logins: the wall map page gets the display login
# (read only) once it has the read token; dispatch consoles log in as
# "dispatch" to acknowledge emergencies. Without auth any process that can
# reach the broker can publish forged units, acknowledgements and status.
broker {
  auth = true

  user "wall" {
    password_file = "broker-wall.pass"
    role          = "display"
  }

  user "dispatch" {
    password_file = "broker-dispatch.pass"
    role          = "dispatcher"
  }
}

# To use the site's mosquitto instead of the embedded broker:
#
# mqtt {
#   broker        = "tcp://127.0.0.1:1883"
#   username      = "radiogw"
#   password_file = "/etc/radiogw/mqtt.pass"
# }

# Without an influx block points stay in the outbox under /var/lib/radiogw.
# InfluxDB 1.8 (token "user:password" in /etc/radiogw/radiogw.env):
#
# influx {
#   url       = "http://127.0.0.1:8086"
#   bucket    = "radiogw/autogen"
#   token_env = "RADIOGW_INFLUX_TOKEN"
# }

# Vehicle modems sending NMEA over UDP.
source "udp" "avl-udp" {
  listen = "127.0.0.1:5005"
  codec  = "nmea"
}

# A console decoder on a USB-serial adapter:
#
# source "serial" "console1" {
#   device  = "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_XXXXXXXX-if00-port0"
#   baud    = 9600
#   codec   = "lines"
#   profile = "mdc1200-app-rpt"
#   channel = "dispatch"
# }

channel "dispatch" {
  alpha_tag = "DISPATCH"
}
