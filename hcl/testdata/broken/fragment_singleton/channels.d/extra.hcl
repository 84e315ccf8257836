# Settings blocks belong in radiogw.hcl only.
mqtt {
  broker = "tcp://127.0.0.1:1883"
}

channel "tac1" {}
