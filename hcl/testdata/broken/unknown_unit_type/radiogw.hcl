site = "t"

unit_type "patrol" {}
