#!/usr/bin/env bash
# Measures the Telegraf peer end to end (see README.md and telegraf/telegraf.conf):
# starts mosquitto, influxd and Telegraf on loopback under $WORK, runs e2e at a ladder of offered
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
WORK=${WORK:-/tmp/bench-peer-telegraf}
PEERS=${PEERS:-/tmp/peers}
INFLUXD=${INFLUXD:-$(go env GOPATH)/bin/influxd}
MOSQUITTO=${MOSQUITTO:-/usr/sbin/mosquitto}

case $WORK in /tmp/?*) ;; *) echo "WORK must be under /tmp" >&2; exit 1 ;; esac
say() { echo "run-peer-telegraf: $*" >&2; }

if [ -z "${IN_NETNS:-}" ]; then
  # --- what it needs (installed under /tmp where missing) ---
  command -v "$MOSQUITTO" >/dev/null || { say "no mosquitto: apt-get install -y mosquitto"; exit 1; }
  if [ ! -x "$INFLUXD" ]; then
    say "installing influxd 1.8.10 (go install, about a minute)"
    go install github.com/influxdata/influxdb/cmd/influxd@v1.8.10
    export INFLUXD=$(go env GOPATH)/bin/influxd
  fi
  if [ ! -x "${TELEGRAF:-$(go env GOPATH)/bin/telegraf}" ]; then
    say "building telegraf 1.37.2 with only the plugins this peer uses (several minutes)"
    go install -tags "custom,inputs.socket_listener,processors.starlark,outputs.mqtt,outputs.influxdb,parsers.value,serializers.json" \
      github.com/influxdata/telegraf/cmd/telegraf@v1.37.2
  fi

  rm -rf "$WORK" && mkdir -p "$WORK/influxdb"
  say "building e2e"
  (cd "$HERE" && go build -o "$WORK/e2e" ./e2e)
  # A network namespace of its own: only loopback, and no port can collide.
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

TELEGRAF=${TELEGRAF:-$(go env GOPATH)/bin/telegraf}
BENCH_UDP_PORT=$UDP_PORT BENCH_MQTT_PORT=$MQTT_PORT BENCH_INFLUX_PORT=$INFLUX_PORT \
  "$TELEGRAF" --config "$HERE/telegraf/telegraf.conf" >"$WORK/telegraf.log" 2>&1 & NR_PID=$!; PIDS+=("$NR_PID")
sleep 3
kill -0 "$NR_PID" || { say "telegraf died"; cat "$WORK/telegraf.log" >&2; exit 1; }

STAMP=$(date -u +%Y-%m-%dT%H%MZ)
FLEET="$UNITS units"
[ -z "$HZ" ] || FLEET="rate/$HZ units, each reporting $HZ times a second"
RESULTS_DIR=${RESULTS_DIR:-$ROOT/testdata/out/ladder}
mkdir -p "$RESULTS_DIR"
RESULTS=$RESULTS_DIR/telegraf-$STAMP${HZ:+-${HZ}hz}.jsonl
{
  echo "Telegraf peer, $STAMP; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)"
  echo "$("${TELEGRAF:-$(go env GOPATH)/bin/telegraf}" --version 2>&1 | head -1), $("$MOSQUITTO" -h | head -1), InfluxDB 1.8.10; $FLEET, $DURATION per rate"
} | tee "$WORK/header.txt"

for rate in $RATES; do
  units=$UNITS
  [ -z "$HZ" ] || units=$(awk -v r="$rate" -v h="$HZ" 'BEGIN { printf "%d", r / h }')
  say "=== $rate reports/s from $units units"
  rc=0
  "$WORK/e2e" -label telegraf -udp "127.0.0.1:$UDP_PORT" \
    -mqtt "127.0.0.1:$MQTT_PORT" -topic 'radiogw/+/units/+' -lat-field fields.lat -lon-field fields.lon -unit-field tags.unit \
    -influx "http://127.0.0.1:$INFLUX_PORT" -db radiogw -measurement unit_position \
    -pid "telegraf=$NR_PID,mosquitto=$MOSQ_PID,influxd=$INFLUX_PID" \
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
