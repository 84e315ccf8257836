channel "tac2" {
  freq = 460175000
}

unit "2A12" {
  radio_ids = ["1202"]
}
