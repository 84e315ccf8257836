#!/usr/bin/env bash
# Measures the Telegraf peer end to end (see README.md and telegraf/telegraf.conf)
# on the infrastructure of lib.sh: starts mosquitto, influxd and Telegraf on
# loopback under $WORK, runs e2e at a ladder of offered rates until loss
# exceeds MAX_LOSS, prints a table, and stops what it started by PID.
# Everything it sends goes to 127.0.0.1; every run is bounded.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
LABEL=telegraf
WORK=${WORK:-/tmp/bench-peer-telegraf}
. "$HERE/lib.sh"
TELEGRAF=${TELEGRAF:-$(go env GOPATH)/bin/telegraf}

install_sut() {
  if [ ! -x "$TELEGRAF" ]; then
    say "building telegraf 1.37.2 with only the plugins this peer uses (several minutes)"
    go install -tags "custom,inputs.socket_listener,processors.starlark,outputs.mqtt,outputs.influxdb,parsers.value,serializers.json" \
      github.com/influxdata/telegraf/cmd/telegraf@v1.37.2
  fi
}
setup

BENCH_UDP_PORT=$UDP_PORT BENCH_MQTT_PORT=$MQTT_PORT BENCH_INFLUX_PORT=$INFLUX_PORT \
  "$TELEGRAF" --config "$HERE/telegraf/telegraf.conf" >"$WORK/telegraf.log" 2>&1 & SUT_PID=$!; PIDS+=("$SUT_PID")
sleep 3
kill -0 "$SUT_PID" || { say "telegraf died"; cat "$WORK/telegraf.log" >&2; exit 1; }

results_header "Telegraf peer" "$("$TELEGRAF" --version 2>&1 | head -1)"
ladder telegraf fields.lat fields.lon tags.unit
