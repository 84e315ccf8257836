# Westport Police Department: a mid-size agency (about 40 field units, one
# dispatch channel, three tactical channels and a county P25 talkgroup).
#
# Secrets: the MQTT password is read from secrets/mqtt.pass and the InfluxDB
# token from secrets/influx.token (relative to this file; placeholders here,
# so `radiogw check hcl/examples/midsize` passes as shipped). On a real host
# they live in /etc/radiogw/, mode 0640, or come from the environment with
# token_env = "RADIOGW_INFLUX_TOKEN" and the systemd unit's EnvironmentFile=.
#
# Channels, unit types and the roster live in channels.d/*.hcl.

site = "westport"

# Recent fixes kept per unit for the wall map's trail and
# /api/v1/units/{unit}/track (default 50; 0 keeps none). The full history
# goes to InfluxDB either way.
breadcrumbs = 100

log {
  level  = "info"
  format = "auto"
}

storage {
  dir            = "/var/lib/radiogw"
  fsync          = "batch"
  max_bytes      = 4294967296
  max_age        = "336h"
  snapshot_every = "30s"
}

http {
  listen = "0.0.0.0:8080"
  pprof  = false
}

# The site's own mosquitto broker; the wall maps subscribe there.
mqtt {
  broker        = "tcp://127.0.0.1:1883"
  client_id     = "radiogw-westport"
  topic_root    = "radiogw/westport"
  username      = "radiogw"
  password_file = "secrets/mqtt.pass"
  unit_rate     = 2
  owntracks     = true
  keepalive     = "30s"
}

# InfluxDB 1.8: bucket is "database/retention-policy", org stays empty.
influx {
  url         = "http://10.10.0.20:8086"
  org         = ""
  bucket      = "radiogw/autogen"
  token_file  = "secrets/influx.token"
  batch_size  = 5000
  flush_every = "1s"
  timeout     = "10s"
}

# Dispatch console: MDC-1200 decoder card on an FTDI adapter. Carrier detect
# from the receiver's COR is wired to DCD.
source "serial" "console-dispatch" {
  device       = "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10KZ3Q1-if00-port0"
  baud         = 9600
  data_bits    = 8
  parity       = "none"
  stop_bits    = 1
  read_timeout = "1s"
  startup      = "retry"
  codec        = "lines"
  profile      = "mdc1200-app-rpt"
  channel      = "dispatch"

  cor {
    line     = "dcd"
    invert   = false
    debounce = "50ms"
    poll     = "20ms"
  }
}

# Second console position watches TAC 1 through the same kind of decoder.
source "serial" "console-tac1" {
  device  = "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10KZ3Q2-if00-port0"
  baud    = 9600
  codec   = "lines"
  profile = "westport-console"
  channel = "tac1"

  cor {
    line   = "cts"
    invert = true
  }
}

# A networked GE-STAR decoder on TAC 2, reached through a terminal server.
source "tcp_client" "star-tac2" {
  address         = "10.10.5.21:4001"
  codec           = "lines"
  profile         = "star"
  channel         = "tac2"
  keepalive       = "\r\n"
  keepalive_every = "30s"
  read_timeout    = "90s"
}

# Patrol car modems (Sierra AirLink) send NMEA over UDP from the carrier APN.
source "udp" "avl-nmea" {
  listen = "0.0.0.0:5005"
  codec  = "nmea"
  allow  = ["10.20.0.0/16", "10.21.0.0/16"]
}

# MOTOTRBO portables report LRRP locations and ARS registrations.
source "udp" "trbo-lrrp" {
  listen = "0.0.0.0:4001"
  codec  = "lrrp"
  allow  = ["10.30.0.0/16"]
}

source "udp" "trbo-ars" {
  listen = "0.0.0.0:4005"
  codec  = "ars"
  allow  = ["10.30.0.0/16"]
}

# Older modems keep a TCP session open and send TAIP reports.
source "tcp_listen" "modems" {
  listen       = "0.0.0.0:7000"
  codec        = "taip"
  framing      = "taip"
  allow        = ["10.20.0.0/16"]
  max_conns    = 500
  idle_timeout = "10m"
}

# Line format of the console decoder on the TAC 1 position:
#   I1201      PTT ID of unit 1201
#   E1201      emergency from unit 1201
#   S1201 3    status 3 from unit 1201
profile "westport-console" {
  system = "mdc1200"

  pattern {
    kind  = "ptt_start"
    regex = "^I(?P<unit>[0-9A-F]{4})$"
  }

  pattern {
    kind  = "emergency"
    regex = "^E(?P<unit>[0-9A-F]{4})$"
  }

  pattern {
    kind  = "status"
    regex = "^S(?P<unit>[0-9A-F]{4}) (?P<status>[0-9])$"
  }
}

status_table "westport" {
  codes = {
    "1" = "available"
    "2" = "enroute"
    "3" = "on_scene"
    "4" = "transporting"
    "5" = "at_station"
    "6" = "out_of_service"
    "7" = "meal_break"
    "8" = "report_writing"
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
