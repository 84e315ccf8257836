unit "2A13" {
  radio_ids = ["1202", "1201"]
  avl_ids   = ["4522"]
}

unit "2A14" {
  radio_ids = ["1203"]
  avl_ids   = ["4521"]
}

unit "2A15" {
  radio_ids = ["1205", "1205"]
}
