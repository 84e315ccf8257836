# Westport PD roster. radio_ids: MDC-1200 IDs (conventional) and P25/DMR
# radio IDs; avl_ids: modem IDs as the AVL feeds report them (AirLink device
# ID for NMEA/TAIP, DMR ID for LRRP).

unit "1A10" {
  alpha_tag = "1A10 Beat 10"
  type      = "patrol"
  radio_ids = ["1100"]
  avl_ids   = ["4500"]
}

unit "2B10" {
  alpha_tag = "2B10 Beat 10"
  type      = "patrol"
  radio_ids = ["1101"]
  avl_ids   = ["4501"]
}

unit "3C10" {
  alpha_tag = "3C10 Beat 10"
  type      = "patrol"
  radio_ids = ["1102"]
  avl_ids   = ["4502"]
}

unit "1A11" {
  alpha_tag = "1A11 Beat 11"
  type      = "patrol"
  radio_ids = ["1103"]
  avl_ids   = ["4503"]
}

unit "2B11" {
  alpha_tag = "2B11 Beat 11"
  type      = "patrol"
  radio_ids = ["1104"]
  avl_ids   = ["4504"]
}

unit "3C11" {
  alpha_tag = "3C11 Beat 11"
  type      = "patrol"
  radio_ids = ["1105"]
  avl_ids   = ["4505"]
}

unit "1A12" {
  alpha_tag = "1A12 Beat 12"
  type      = "patrol"
  radio_ids = ["1106"]
  avl_ids   = ["4506"]
}

unit "2B12" {
  alpha_tag = "2B12 Beat 12"
  type      = "patrol"
  radio_ids = ["1107"]
  avl_ids   = ["4507"]
}

unit "3C12" {
  alpha_tag = "3C12 Beat 12"
  type      = "patrol"
  radio_ids = ["1108"]
  avl_ids   = ["4508"]
}

unit "1A13" {
  alpha_tag = "1A13 Beat 13"
  type      = "patrol"
  radio_ids = ["1109"]
  avl_ids   = ["4509"]
}

unit "2B13" {
  alpha_tag = "2B13 Beat 13"
  type      = "patrol"
  radio_ids = ["110A"]
  avl_ids   = ["4510"]
}

unit "3C13" {
  alpha_tag = "3C13 Beat 13"
  type      = "patrol"
  radio_ids = ["110B"]
  avl_ids   = ["4511"]
}

unit "1A20" {
  alpha_tag = "1A20 Beat 20"
  type      = "patrol"
  radio_ids = ["110C"]
  avl_ids   = ["4512"]
}

unit "2B20" {
  alpha_tag = "2B20 Beat 20"
  type      = "patrol"
  radio_ids = ["110D"]
  avl_ids   = ["4513"]
}

unit "3C20" {
  alpha_tag = "3C20 Beat 20"
  type      = "patrol"
  radio_ids = ["110E"]
  avl_ids   = ["4514"]
}

unit "1A21" {
  alpha_tag = "1A21 Beat 21"
  type      = "patrol"
  radio_ids = ["110F"]
  avl_ids   = ["4515"]
}

unit "2B21" {
  alpha_tag = "2B21 Beat 21"
  type      = "patrol"
  radio_ids = ["1110"]
  avl_ids   = ["4516"]
}

unit "3C21" {
  alpha_tag = "3C21 Beat 21"
  type      = "patrol"
  radio_ids = ["1111"]
  avl_ids   = ["4517"]
}

unit "1A22" {
  alpha_tag = "1A22 Beat 22"
  type      = "patrol"
  radio_ids = ["1112"]
  avl_ids   = ["4518"]
}

unit "2B22" {
  alpha_tag = "2B22 Beat 22"
  type      = "patrol"
  radio_ids = ["1113"]
  avl_ids   = ["4519"]
}

unit "3C22" {
  alpha_tag = "3C22 Beat 22"
  type      = "patrol"
  radio_ids = ["1114"]
  avl_ids   = ["4520"]
}

unit "1A23" {
  alpha_tag = "1A23 Beat 23"
  type      = "patrol"
  radio_ids = ["1115"]
  avl_ids   = ["4521"]
}

unit "2B23" {
  alpha_tag = "2B23 Beat 23"
  type      = "patrol"
  radio_ids = ["1116"]
  avl_ids   = ["4522"]
}

unit "3C23" {
  alpha_tag = "3C23 Beat 23"
  type      = "patrol"
  radio_ids = ["1117"]
  avl_ids   = ["4523"]
}

unit "K9-1" {
  alpha_tag = "K9 Unit 1 (Rex)"
  type      = "k9"
  radio_ids = ["1118", "7301124"]
  avl_ids   = ["4524", "7301124"]
}

unit "K9-2" {
  alpha_tag = "K9 Unit 2 (Ayla)"
  type      = "k9"
  radio_ids = ["1119", "7301125"]
  avl_ids   = ["4525", "7301125"]
}

unit "K9-3" {
  alpha_tag = "K9 Unit 3 (Bruno)"
  type      = "k9"
  radio_ids = ["111A", "7301126"]
  avl_ids   = ["4526", "7301126"]
}

unit "S1" {
  alpha_tag = "Sergeant Days"
  type      = "supervisor"
  radio_ids = ["111B", "7301127"]
  avl_ids   = ["4527", "7301127"]
}

unit "S2" {
  alpha_tag = "Sergeant Swing"
  type      = "supervisor"
  radio_ids = ["111C", "7301128"]
  avl_ids   = ["4528", "7301128"]
}

unit "S3" {
  alpha_tag = "Sergeant Nights"
  type      = "supervisor"
  radio_ids = ["111D", "7301129"]
  avl_ids   = ["4529", "7301129"]
}

unit "L1" {
  alpha_tag = "Watch Commander"
  type      = "supervisor"
  radio_ids = ["111E", "7301130"]
  avl_ids   = ["4530", "7301130"]
}

unit "T1" {
  alpha_tag = "Motor 1"
  type      = "traffic"
  radio_ids = ["111F"]
  avl_ids   = ["4531"]
}

unit "T2" {
  alpha_tag = "Motor 2"
  type      = "traffic"
  radio_ids = ["1120"]
  avl_ids   = ["4532"]
}

unit "T3" {
  alpha_tag = "Motor 3"
  type      = "traffic"
  radio_ids = ["1121"]
  avl_ids   = ["4533"]
}

unit "T4" {
  alpha_tag = "Traffic Car 4"
  type      = "traffic"
  radio_ids = ["1122"]
  avl_ids   = ["4534"]
}

unit "CSO1" {
  alpha_tag = "Community Service 1"
  radio_ids = ["1123"]
  avl_ids   = ["4535"]
}

unit "CSO2" {
  alpha_tag = "Community Service 2"
  radio_ids = ["1124"]
  avl_ids   = ["4536"]
}
