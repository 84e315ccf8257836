site = "t"

storage {
  max_age        = "7d"
  snapshot_every = "-5s"
}

channel "tac1" {
  hang_time = 2
}

unit_type "patrol" {
  stale = "10 minutes"
}
