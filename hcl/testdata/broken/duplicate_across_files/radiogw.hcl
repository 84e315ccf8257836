site = "t"

unit "2A12" {
  radio_ids = ["1201"]
}
