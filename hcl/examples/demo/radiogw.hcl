# radiogw demo configuration, used by `make run`.
#
# No mqtt block: radiogw starts its embedded broker (the broker block below).
# No influx block: time series stay in the on-disk outbox under ./data and can
# be replayed into InfluxDB later. Channels and units live in channels.d/*.hcl.
#
# The demo's broker has no logins (auth = false), on loopback only: any
# process on this machine can publish forged units, acknowledgements and
# status to it. A site installs from hcl/examples/install, which requires
# logins.
#
# `make run` (.ci/demo) runs a copy of this directory under ./data with every
# port below moved to a free one when it is taken (a system mosquitto on 1883,
# another service on 8080), and prints the ports it chose.

site = "demo"

log {
  level  = "info"
  format = "auto"
}

storage {
  dir            = "./data"
  snapshot_every = "30s"
}

http {
  listen = "127.0.0.1:8080"
}

# The embedded MQTT broker, for radiogw itself and the wall map's WebSocket.
broker {
  listen    = "127.0.0.1:1883"
  websocket = "127.0.0.1:9001"
}

# Simulated vehicle modems send NMEA sentences, one per datagram.
source "udp" "avl-udp" {
  listen = "127.0.0.1:5005"
  codec  = "nmea"
  allow  = ["127.0.0.0/8"]
}

# Simulated AirLink-style modems send TAIP reports.
source "udp" "taip-udp" {
  listen = "127.0.0.1:5006"
  codec  = "taip"
  allow  = ["127.0.0.0/8"]
}

# Simulated MOTOTRBO radios register over ARS; radiogw answers with a
# triggered location request and they report over LRRP. On loopback each
# radio has its own address (127.1.0.x), which is its identity.
source "udp" "ars" {
  listen = "127.0.0.1:4005"
  codec  = "ars"
  allow  = ["127.0.0.0/8"]
}

# Location requests go out from this socket, only to addresses its allow
# list admits: a forged registration cannot aim them elsewhere.
source "udp" "lrrp" {
  listen = "127.0.0.1:4001"
  codec  = "lrrp"
  allow  = ["127.0.0.0/8"]
}

# A simulated CalAmp LMU sends LM Direct event reports and waits for
# radiogw's acknowledgement of each (real LMUs report to port 20500).
source "udp" "calamp" {
  listen = "127.0.0.1:20500"
  codec  = "calamp"
  allow  = ["127.0.0.0/8"]
}

# A simulated MDC-1200 decoder on a serial port: the simulator creates a
# pseudo-terminal and links it here, as udev links a USB adapter under
# /dev/serial/by-id. Until it exists the source retries; a device missing
# at startup is logged as information, and as a warning only after 30 s.
source "serial" "console-tac1" {
  device  = "./data/console-tac1"
  baud    = 9600
  codec   = "lines"
  profile = "mdc1200-app-rpt"
  channel = "tac1"
}

unit_type "patrol" {
  aging       = "60s"
  stale       = "5m"
  lost        = "30m"
  moving_kmh  = 5
  stopped_kmh = 2
}

unit_type "supervisor" {
  aging = "2m"
  stale = "10m"
  lost  = "1h"
}

status_table "agency" {
  codes = {
    "1" = "available"
    "2" = "enroute"
    "3" = "on_scene"
    "4" = "transporting"
    "5" = "at_station"
    "6" = "out_of_service"
  }
}

geofence "city" {
  file          = "geo/city.geojson"
  kind          = "boundary"
  name_property = "name"
}

geofence "beats" {
  file          = "geo/beats.geojson"
  kind          = "beat"
  name_property = "beat"
}
