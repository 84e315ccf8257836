# Monitored channels of the demo site.

channel "dispatch" {
  alpha_tag    = "PD DISPATCH"
  freq         = 460050000
  mode         = "fm"
  signalling   = "mdc1200"
  status_table = "agency"
}

channel "tac1" {
  alpha_tag    = "PD TAC 1"
  freq         = 460125000
  mode         = "fm"
  signalling   = "mdc1200"
  status_table = "agency"
  hang_time    = "2s"
  stuck_mic    = "60s"
}

channel "tac2" {
  alpha_tag    = "PD TAC 2"
  freq         = 460175000
  mode         = "fm"
  signalling   = "mdc1200"
  status_table = "agency"
}
