#!/usr/bin/env bash
# Measures radiogw end to end on the same infrastructure as run-peer-nodered.sh
# (lib.sh): starts mosquitto, influxd and radiogw (UDP TAIP source, mqtt and
# influx blocks) on loopback under $WORK, runs e2e at a ladder of offered
# rates until loss exceeds MAX_LOSS, prints a table, and stops what it started
# by PID. Everything it sends goes to 127.0.0.1; every run is bounded.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
LABEL=radiogw
WORK=${WORK:-/tmp/bench-radiogw}
. "$HERE/lib.sh"

setup

RADIOGW=${RADIOGW:-$ROOT/bin/radiogw}
[ -x "$RADIOGW" ] || { say "no radiogw binary at $RADIOGW: make build"; exit 1; }
# PPROF="1000 10000": at these rates, a CPU profile of the middle of the
# rung (PPROF_SECONDS, default 10) and an allocation profile at its end go to
# $PROFILES as radiogw-{cpu,allocs}-<rate>.pprof.
PPROF=${PPROF:-}
PPROF_SECONDS=${PPROF_SECONDS:-10}
# E2E_FLAGS: more e2e flags, e.g. -influx= to skip counting points (influxd's
# count over 100,000 series outlasts e2e's query timeout on a busy machine).
PROFILES=${PROFILES:-$LADDER_DIR}
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
# previous run's state would make. With PPROF naming the rate, its profiles
# are taken meanwhile.
before_rung() {
  local rate=$1
  rm -rf "$WORK/radiogw/data" && mkdir -p "$WORK/radiogw/data"
  "$RADIOGW" run -config "$WORK/radiogw" >>"$WORK/radiogw.log" 2>&1 & SUT_PID=$!; PIDS+=("$SUT_PID")
  wait_for radiogw 30 curl -sf "http://127.0.0.1:$HTTP_PORT/readyz"
  prof_pid=
  case " $PPROF " in *" $rate "*)
    mkdir -p "$PROFILES"
    # The probe phase and the baseline take a few seconds; profile the load.
    ( sleep 5
      curl -sf -o "$PROFILES/radiogw-cpu-$rate.pprof" "http://127.0.0.1:$HTTP_PORT/debug/pprof/profile?seconds=$PPROF_SECONDS"
      curl -sf -o "$PROFILES/radiogw-allocs-$rate.pprof" "http://127.0.0.1:$HTTP_PORT/debug/pprof/allocs"
    ) & prof_pid=$!
  esac
}
after_rung() {
  local rate=$1
  [ -z "$prof_pid" ] || wait "$prof_pid" || say "profile at $rate reports/s failed"
  kill -TERM "$SUT_PID" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$SUT_PID" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$SUT_PID" 2>/dev/null || true
}

results_header "radiogw" "$("$RADIOGW" version 2>&1 | head -1)"
# E2E_FLAGS unquoted: it is a list of flags.
ladder radiogw position.lat position.lon unit ${E2E_FLAGS:-}
