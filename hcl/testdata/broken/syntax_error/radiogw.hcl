site = "t"

channel "tac1" {
  freq = 460125000

unit "2A12" {
  radio_ids = ["1201"]
}
