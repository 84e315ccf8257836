#!/usr/bin/env bash
# Measures radiogw end to end on the same infrastructure as run-peer-nodered.sh:
# starts mosquitto, influxd and radiogw (UDP TAIP source, mqtt and influx
# blocks) on loopback under $WORK, runs e2e at a ladder of offered
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
WORK=${WORK:-/tmp/bench-radiogw}
RESULTS_DIR_DEFAULT=$ROOT/testdata/out/ladder
PEERS=${PEERS:-/tmp/peers}
INFLUXD=${INFLUXD:-$(go env GOPATH)/bin/influxd}
MOSQUITTO=${MOSQUITTO:-/usr/sbin/mosquitto}

case $WORK in /tmp/?*) ;; *) echo "WORK must be under /tmp" >&2; exit 1 ;; esac
say() { echo "run-radiogw: $*" >&2; }

if [ -z "${IN_NETNS:-}" ]; then
  # --- what it needs (installed under /tmp where missing) ---
  command -v "$MOSQUITTO" >/dev/null || { say "no mosquitto: apt-get install -y mosquitto"; exit 1; }
  if [ ! -x "$INFLUXD" ]; then
    say "installing influxd 1.8.10 (go install, about a minute)"
    go install github.com/influxdata/influxdb/cmd/influxd@v1.8.10
    export INFLUXD=$(go env GOPATH)/bin/influxd
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

RADIOGW=${RADIOGW:-$ROOT/bin/radiogw}
[ -x "$RADIOGW" ] || { say "no radiogw binary at $RADIOGW: make build"; exit 1; }
# PPROF="1000 10000": at these rates, a CPU profile of the middle of the
# rung (PPROF_SECONDS, default 10) and an allocation profile at its end go to
# $PROFILES as radiogw-{cpu,allocs}-<rate>.pprof.
PPROF=${PPROF:-}
PPROF_SECONDS=${PPROF_SECONDS:-10}
# E2E_FLAGS: more e2e flags, e.g. -influx= to skip counting points (influxd's
# count over 100,000 series outlasts e2e's query timeout on a busy machine).
PROFILES=${PROFILES:-$RESULTS_DIR_DEFAULT}
PPROF_ON=false
[ -z "$PPROF" ] || PPROF_ON=true
HTTP_PORT=$(free_port 28080)
mkdir -p "$WORK/radiogw/data"
cat >"$WORK/radiogw/radiogw.hcl" <<EOF
site = "test"
log {
  level = "warn"
}
storage {
  dir = "$WORK/radiogw/data"
}
http {
  listen = "127.0.0.1:$HTTP_PORT"
  pprof  = ${PPROF_ON:-false}
}
mqtt {
  broker = "tcp://127.0.0.1:$MQTT_PORT"
}
influx {
  url    = "http://127.0.0.1:$INFLUX_PORT"
  bucket = "radiogw/autogen"
}
# Every simulated modem is a unit not in the roster: the default caps
# (10,000 per source, 20,000 in all) would refuse the larger fleets.
unlisted {
  max_per_source = 200000
  max_total      = 200000
}
source "udp" "taip" {
  listen = "127.0.0.1:$UDP_PORT"
  codec  = "taip"
}
EOF
"$RADIOGW" check -config "$WORK/radiogw" >"$WORK/check.log" 2>&1 || { cat "$WORK/check.log" >&2; exit 1; }
# A fresh radiogw (empty data directory) for every rate: e2e marks each run by
# a longitude offset, and radiogw's fix filter rightly rejects the jump a
# previous run's state would make.
start_radiogw() {
  rm -rf "$WORK/radiogw/data" && mkdir -p "$WORK/radiogw/data"
  "$RADIOGW" run -config "$WORK/radiogw" >>"$WORK/radiogw.log" 2>&1 & NR_PID=$!; PIDS+=("$NR_PID")
  wait_for radiogw 30 curl -sf "http://127.0.0.1:$HTTP_PORT/readyz"
}
stop_radiogw() {
  kill -TERM "$NR_PID" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$NR_PID" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$NR_PID" 2>/dev/null || true
}

STAMP=$(date -u +%Y-%m-%dT%H%MZ)
FLEET="$UNITS units"
[ -z "$HZ" ] || FLEET="rate/$HZ units, each reporting $HZ times a second"
RESULTS_DIR=${RESULTS_DIR:-$RESULTS_DIR_DEFAULT}
mkdir -p "$RESULTS_DIR"
RESULTS=$RESULTS_DIR/radiogw-$STAMP${HZ:+-${HZ}hz}.jsonl
{
  echo "radiogw, $STAMP; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)"
  echo "$("$RADIOGW" version 2>&1 | head -1), $("$MOSQUITTO" -h | head -1), InfluxDB 1.8.10; $FLEET, $DURATION per rate"
} | tee "$WORK/header.txt"

for rate in $RATES; do
  units=$UNITS
  [ -z "$HZ" ] || units=$(awk -v r="$rate" -v h="$HZ" 'BEGIN { printf "%d", r / h }')
  say "=== $rate reports/s from $units units"
  rc=0
  start_radiogw
  prof_pid=
  case " $PPROF " in *" $rate "*)
    mkdir -p "$PROFILES"
    # The probe phase and the baseline take a few seconds; profile the load.
    ( sleep 5
      curl -sf -o "$PROFILES/radiogw-cpu-$rate.pprof" "http://127.0.0.1:$HTTP_PORT/debug/pprof/profile?seconds=$PPROF_SECONDS"
      curl -sf -o "$PROFILES/radiogw-allocs-$rate.pprof" "http://127.0.0.1:$HTTP_PORT/debug/pprof/allocs"
    ) & prof_pid=$!
  esac
  "$WORK/e2e" -label radiogw -udp "127.0.0.1:$UDP_PORT" \
    -mqtt "127.0.0.1:$MQTT_PORT" -topic 'radiogw/+/units/+' -lat-field position.lat -lon-field position.lon -unit-field unit \
    -influx "http://127.0.0.1:$INFLUX_PORT" -db radiogw -measurement unit_position \
    -pid "radiogw=$NR_PID,mosquitto=$MOSQ_PID,influxd=$INFLUX_PID" \
    -rate "$rate" -units "$units" -duration "$DURATION" -max-loss "$MAX_LOSS" -json "$RESULTS" ${E2E_FLAGS:-} || rc=$?
  for pid in "$NR_PID" "$MOSQ_PID" "$INFLUX_PID"; do
    kill -0 "$pid" 2>/dev/null || { say "process $pid died; logs in $WORK"; rc=1; }
  done
  [ -z "$prof_pid" ] || wait "$prof_pid" || say "profile at $rate reports/s failed"
  stop_radiogw
  if [ "$rc" = 3 ]; then say "loss above $MAX_LOSS at $rate reports/s: ladder stops"; break; fi
  [ "$rc" = 0 ] || { say "e2e failed (exit $rc)"; exit "$rc"; }
done

echo
cat "$WORK/header.txt"
echo
"$WORK/e2e" -table "$RESULTS" -max-loss "$MAX_LOSS"
say "results: $RESULTS; logs: $WORK"
