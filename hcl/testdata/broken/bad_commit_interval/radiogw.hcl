site = "test"

# A power cut may take back up to commit_interval of what radiogw accepted:
# ten seconds is not a group commit, it is a hole.
storage {
  dir             = "./data"
  commit_interval = "10s"
}
