# Westport PD channels. Conventional UHF with MDC-1200 signalling, plus the
# county-wide P25 talkgroup the department shares with the sheriff.

channel "dispatch" {
  alpha_tag    = "WPD DISPATCH"
  freq         = 460050000
  mode         = "fm"
  signalling   = "mdc1200"
  status_table = "westport"
  hang_time    = "2s"
  stuck_mic    = "60s"
}

channel "tac1" {
  alpha_tag    = "WPD TAC 1"
  freq         = 460125000
  mode         = "fm"
  signalling   = "mdc1200"
  status_table = "westport"
}

channel "tac2" {
  alpha_tag  = "WPD TAC 2"
  freq       = 460175000
  mode       = "fm"
  signalling = "star"
}

channel "tac3" {
  alpha_tag  = "WPD TAC 3"
  freq       = 460225000
  mode       = "fm"
  signalling = "none"
}

channel "county-mutual" {
  alpha_tag  = "CO MUTUAL AID"
  talkgroup  = 10101
  mode       = "p25"
  signalling = "p25"
  stuck_mic  = "2m"
}
