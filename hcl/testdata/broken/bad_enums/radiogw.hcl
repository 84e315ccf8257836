site = "t"

log {
  level = "verbose"
}

storage {
  fsync = "sometimes"
}

broker {
  user "wallmap" {
    password_file = "wallmap.pass"
    role          = "admin"
  }
}

source "tcp" "modems" {
  listen = "0.0.0.0:7000"
  codec  = "taip"
}

source "serial" "console" {
  device  = "/dev/ttyUSB0"
  codec   = "nmea"
  framing = "slip"
  parity  = "e"

  cor {
    line = "rts"
  }
}
