site = "t"

ha {
  role = "master"
}
