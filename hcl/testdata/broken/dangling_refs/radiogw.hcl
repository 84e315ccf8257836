site = "t"

source "udp" "console" {
  listen  = "127.0.0.1:5007"
  codec   = "lines"
  profile = "mdc1200-app-rpt"
  framing = "line"
  channel = "tac9"
}

channel "tac1" {
  status_table = "agncy"
}

status_table "agency" {
  codes = { "1" = "available" }
}
