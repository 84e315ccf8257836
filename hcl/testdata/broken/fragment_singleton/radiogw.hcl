site = "t"
