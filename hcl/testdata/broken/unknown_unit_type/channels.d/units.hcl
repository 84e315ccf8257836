unit "2A12" {
  type      = "patrol"
  radio_ids = ["1201"]
}

unit "K9-1" {
  type      = "canine"
  radio_ids = ["1301"]
}
