# Tracking policy per kind of unit. Anything not set here takes the default
# (see docs/config.md).

unit_type "patrol" {
  aging         = "60s"
  stale         = "5m"
  lost          = "30m"
  max_speed_kmh = 250
  moving_kmh    = 5
  stopped_kmh   = 2
  lrrp_interval = "30s"
}

# K9 handlers leave the car for long tracks on foot.
unit_type "k9" {
  aging          = "90s"
  stale          = "10m"
  lost           = "45m"
  max_accuracy_m = 50
  lrrp_interval  = "15s"
}

unit_type "supervisor" {
  aging = "2m"
  stale = "10m"
  lost  = "1h"
}

# Motors run fast on the freeway and stop often.
unit_type "traffic" {
  aging         = "45s"
  stale         = "5m"
  lost          = "30m"
  max_speed_kmh = 300
  moving_kmh    = 8
  stopped_kmh   = 3
}
