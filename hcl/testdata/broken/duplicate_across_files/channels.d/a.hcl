# TAC channels

channel "tac2" {
  freq = 460125000
}
