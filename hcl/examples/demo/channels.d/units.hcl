# Demo roster: radio_ids are MDC-1200 unit IDs, avl_ids the modem IDs the
# simulated AVL feeds report.

unit "1A11" {
  alpha_tag = "1A11 Patrol"
  type      = "patrol"
  radio_ids = ["1111"]
  avl_ids   = ["4511"]
}

unit "1A12" {
  alpha_tag = "1A12 Patrol"
  type      = "patrol"
  radio_ids = ["1112"]
  avl_ids   = ["4512"]
}

unit "1A13" {
  alpha_tag = "1A13 Patrol"
  type      = "patrol"
  radio_ids = ["1113"]
  avl_ids   = ["4513"]
}

unit "2A21" {
  alpha_tag = "2A21 Patrol"
  type      = "patrol"
  radio_ids = ["1221"]
  avl_ids   = ["4521"]
}

unit "2A22" {
  alpha_tag = "2A22 Patrol"
  type      = "patrol"
  radio_ids = ["1222"]
  avl_ids   = ["4522"]
}

unit "2A23" {
  alpha_tag = "2A23 Patrol"
  type      = "patrol"
  radio_ids = ["1223"]
  avl_ids   = ["4523"]
}

unit "3A31" {
  alpha_tag = "3A31 Patrol"
  type      = "patrol"
  radio_ids = ["1331"]
  avl_ids   = ["4531"]
}

unit "3A32" {
  alpha_tag = "3A32 Patrol"
  type      = "patrol"
  radio_ids = ["1332"]
  avl_ids   = ["4532"]
}

unit "1S10" {
  alpha_tag = "1S10 Sergeant"
  type      = "supervisor"
  radio_ids = ["1910"]
  avl_ids   = ["4591"]
}

unit "2S20" {
  alpha_tag = "2S20 Sergeant"
  type      = "supervisor"
  radio_ids = ["1920"]
  avl_ids   = ["127.1.0.1"] # a MOTOTRBO radio reporting over LRRP
}

unit "L100" {
  alpha_tag = "Watch Commander"
  type      = "supervisor"
  radio_ids = ["1990"]
  avl_ids   = ["127.1.0.2"] # a MOTOTRBO radio reporting over LRRP
}

unit "CSO7" {
  alpha_tag = "Community Service 7"
  radio_ids = ["1707"]
  avl_ids   = ["127.1.0.3"] # a MOTOTRBO radio reporting over LRRP
}

unit "K9-2" {
  alpha_tag = "K9 Unit 2"
  type      = "patrol"
  radio_ids = ["1902"]
  avl_ids   = ["4631000817"] # a CalAmp LMU (its ESN) reporting LM Direct
}
