site = "t"

profile "console-x" {
  system = "mdc1200"

  pattern {
    kind  = "ptt_start"
    regex = "^I(?P<unit>[0-9A-F]{4}$"
  }

  # No kind attribute and no (?P<kind>...) group.
  pattern {
    regex = "^E(?P<unit>[0-9A-F]{4})$"
  }
}
