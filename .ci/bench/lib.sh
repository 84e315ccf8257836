# The part of the run-*.sh scripts that is the same for every system under
# test (SUT), so that the infrastructure is identical: settings, installing
# mosquitto's and influxd's prerequisites, the private network namespace,
# mosquitto and influxd on loopback, the ladder of rates, the table, and
# stopping by PID what was started. Sourced, never run: the script sets HERE
# (its own folder), LABEL (the SUT's name in the results and their file
# names) and WORK's default first, and keeps only what is its SUT's own.
ROOT=$(cd "$HERE/../.." && pwd)   # the repository

RATES=${RATES:-"500 1000 2000 3000 4000 5000 6000 8000 10000 20000"}   # reports/s, in order
UNITS=${UNITS:-1000}         # simulated modems; with HZ set, rate/HZ instead (each reports HZ times a second)
HZ=${HZ:-}
DURATION=${DURATION:-20s}
MAX_LOSS=${MAX_LOSS:-0.01}
LADDER_DIR=$ROOT/testdata/out/ladder
RESULTS_DIR=${RESULTS_DIR:-$LADDER_DIR}
INFLUXD=${INFLUXD:-$(go env GOPATH)/bin/influxd}
MOSQUITTO=${MOSQUITTO:-/usr/sbin/mosquitto}

case $WORK in /tmp/?*) ;; *) echo "WORK must be under /tmp" >&2; exit 1 ;; esac
say() { echo "$(basename "$0" .sh): $*" >&2; }

# The script's own hooks: installing its SUT where missing, and around each
# rung (radiogw starts a fresh daemon for each).
install_sut() { :; }
before_rung() { :; }
after_rung() { :; }

# setup [DIR...]: installs what is missing (install_sut too), prepares WORK
# with DIRs under it and continues in a network namespace of its own, then
# starts the infrastructure.
setup() {
  if [ -z "${IN_NETNS:-}" ]; then
    need_infra
    install_sut
    fresh_work "$@"
  else
    ip link set lo up
  fi
  start_infra
}

# need_infra checks for mosquitto and installs influxd where missing.
need_infra() {
  command -v "$MOSQUITTO" >/dev/null || { say "no mosquitto: apt-get install -y mosquitto"; exit 1; }
  if [ ! -x "$INFLUXD" ]; then
    say "installing influxd 1.8.10 (go install, about a minute)"
    go install github.com/influxdata/influxdb/cmd/influxd@v1.8.10
    export INFLUXD=$(go env GOPATH)/bin/influxd
  fi
}

# fresh_work DIR...: wipes WORK, makes it and DIRs under it, builds e2e there,
# and runs the script again in a network namespace of its own: only
# loopback, and no port can collide (NETNS=0 stays in the host's).
fresh_work() {
  local d
  rm -rf "$WORK" && mkdir -p "$WORK/influxdb"
  for d in "$@"; do mkdir -p "$WORK/$d"; done
  say "building e2e"
  (cd "$HERE" && go build -o "$WORK/e2e" ./e2e)
  if [ "${NETNS:-1}" = 1 ] && unshare -n true 2>/dev/null; then
    say "continuing in a new network namespace (loopback only)"
    exec unshare -n env IN_NETNS=1 bash "$HERE/$(basename "$0")"
  fi
}

# --- ports: free on loopback for TCP and UDP ---
free_port() { local p=$1; while ss -Htaun "sport = :$p" | grep -q .; do p=$((p + 1)); done; echo "$p"; }

PIDS=()
stop_all() {
  local pid i
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
}
wait_for() { # what, seconds, command...
  local what=$1 n=$2; shift 2
  for _ in $(seq $((n * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  say "$what did not come up in ${n}s; logs in $WORK"; exit 1
}

# start_infra picks the ports (MQTT_PORT, INFLUX_PORT, UDP_PORT for the SUT)
# and starts mosquitto (MOSQ_PID) and influxd (INFLUX_PID) with database
# radiogw; whatever the script exits by, they are stopped.
start_infra() {
  MQTT_PORT=$(free_port 21883)
  INFLUX_PORT=$(free_port 28086)
  INFLUX_RPC=$(free_port $((INFLUX_PORT + 1)))
  UDP_PORT=$(free_port 25514)
  trap stop_all EXIT
  trap 'exit 130' INT TERM

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
}

# results_header NAME SOFTWARE: sets RESULTS (LABEL-STAMP[-HZhz].jsonl under
# RESULTS_DIR) and writes the run's header: NAME and the machine, then the
# SUT's SOFTWARE with the infrastructure's, and the load.
results_header() {
  local name=$1 software=$2 stamp fleet
  stamp=$(date -u +%Y-%m-%dT%H%MZ)
  fleet="$UNITS units"
  [ -z "$HZ" ] || fleet="rate/$HZ units, each reporting $HZ times a second"
  mkdir -p "$RESULTS_DIR"
  RESULTS=$RESULTS_DIR/$LABEL-$stamp${HZ:+-${HZ}hz}.jsonl
  {
    echo "$name, $stamp; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)"
    echo "$software, $("$MOSQUITTO" -h | head -1), InfluxDB 1.8.10; $fleet, $DURATION per rate"
  } | tee "$WORK/header.txt"
}

# ladder PROC LAT-FIELD LON-FIELD UNIT-FIELD [e2e flag...]: runs e2e against
# the SUT (SUT_PID, named PROC in the CPU figures) once per rate in RATES, in
# order, until loss exceeds MAX_LOSS; then prints the table.
ladder() {
  local procname=$1 latf=$2 lonf=$3 unitf=$4 rate units rc pid
  shift 4
  for rate in $RATES; do
    units=$UNITS
    [ -z "$HZ" ] || units=$(awk -v r="$rate" -v h="$HZ" 'BEGIN { printf "%d", r / h }')
    say "=== $rate reports/s from $units units"
    rc=0
    before_rung "$rate"
    "$WORK/e2e" -label "$LABEL" -udp "127.0.0.1:$UDP_PORT" \
      -mqtt "127.0.0.1:$MQTT_PORT" -topic 'radiogw/+/units/+' -lat-field "$latf" -lon-field "$lonf" -unit-field "$unitf" \
      -influx "http://127.0.0.1:$INFLUX_PORT" -db radiogw -measurement unit_position \
      -pid "$procname=$SUT_PID,mosquitto=$MOSQ_PID,influxd=$INFLUX_PID" \
      -rate "$rate" -units "$units" -duration "$DURATION" -max-loss "$MAX_LOSS" -json "$RESULTS" "$@" || rc=$?
    for pid in "$SUT_PID" "$MOSQ_PID" "$INFLUX_PID"; do
      kill -0 "$pid" 2>/dev/null || { say "process $pid died; logs in $WORK"; rc=1; }
    done
    after_rung "$rate"
    if [ "$rc" = 3 ]; then say "loss above $MAX_LOSS at $rate reports/s: ladder stops"; break; fi
    [ "$rc" = 0 ] || { say "e2e failed (exit $rc)"; exit "$rc"; }
  done

  echo
  cat "$WORK/header.txt"
  echo
  "$WORK/e2e" -table "$RESULTS" -max-loss "$MAX_LOSS"
  say "results: $RESULTS; logs: $WORK"
}
