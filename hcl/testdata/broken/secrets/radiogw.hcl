site = "t"

http {
  token_file = "secrets/http.token"
}

mqtt {
  broker        = "tcp://127.0.0.1:1883"
  password_file = "secrets/mqtt.pass"
  password_env  = "RADIOGW_MQTT_PASS"
}

influx {
  url       = "http://127.0.0.1:8086"
  bucket    = "radiogw/autogen"
  token_env = "RADIOGW_TEST_UNSET"
}
