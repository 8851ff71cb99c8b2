#!/usr/bin/env bash
# Registration throughput and server CPU with wrk (a C generator much lighter than ours, so the
# server, not the generator, is what runs out of CPU): the bare handler (the load generator's
# Baseline, one server instance per core), the same handler keeping what it is sent (--keep=true:
# each registration's parameter map in one map of the process, as a registry keeps what it is told:
# the least a registration can cost), and each node build given, one process at a time on the same
# port, alternated for ROUNDS rounds so that all see the same drift in machine speed. Every request
# registers a new instance (bench/wrk/register.lua, a unique ip:port per request and wrk thread).
# Each run: WARM s (default 5) of the same load unmeasured, then MEASURE s (default 10) measured;
# server CPU is the whole process's from /proc/PID/stat over the measured window. Prints req/s and
# CPU µs per request for every run, and each node's ratios to the two baselines of its round. Needs
# wrk (Debian: apt-get install wrk).
#   bash bench/wrk.sh 2 target/distro-node.jar
#   bash bench/wrk.sh 2 /tmp/before/target/distro-node.jar target/distro-node.jar
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is not installed (Debian: apt-get install wrk)" >&2; exit 1; }
ROUNDS=${1:-2}
shift || true
JARS=("$@")
[ ${#JARS[@]} -gt 0 ] || JARS=(target/distro-node.jar)
[ -f target/distro-loadgen.jar ] && [ -f target/distro-node.jar ] || mvn -B -q package -DskipTests
PORT=${BENCH_PORT:-18848}
WARM=${WARM:-5}
MEASURE=${MEASURE:-10}
CONN=${CONNECTIONS:-64}
JVM=(-Xms1g -Xmx1g -XX:+UseG1GC -XX:+AlwaysPreTouch)
PID=""
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null || true' EXIT
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

# run NAME CMD...: starts the server, drives it, prints "NAME req/s cpu-us", stops it
run() {
  local name=$1
  shift
  "$@" > "target/wrk-server.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 150); do
    curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break
    curl -fs "http://127.0.0.1:$PORT/" >/dev/null 2>&1 && break
    sleep 0.1
  done
  wrk -t1 -c"$CONN" -d"${WARM}s" -s bench/wrk/register.lua "http://127.0.0.1:$PORT" > /dev/null
  local t0 t1 out
  t0=$(ticks "$PID")
  out=$(wrk -t1 -c"$CONN" -d"${MEASURE}s" -s bench/wrk/register.lua "http://127.0.0.1:$PORT")
  t1=$(ticks "$PID")
  kill "$PID"; wait "$PID" 2>/dev/null || true
  PID=""
  if echo "$out" | grep -q 'Non-2xx'; then
    echo "$name: some answers were not 2xx:" >&2
    echo "$out" >&2
    exit 1
  fi
  local reqs rps
  reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  python3 -c "print(f'$name {float(\"$rps\"):.0f} {($t1 - $t0) * 1e6 / $HZ / $reqs:.2f}')"
}

for r in $(seq 1 "$ROUNDS"); do
  base=$(run baseline java "${JVM[@]}" -cp target/distro-loadgen.jar dev.distro.loadgen.Baseline --port="$PORT")
  read -r _ brps bcpu <<< "$base"
  printf '%-48s %9.0f/s  cpu %6.2f us/req\n' "round $r baseline" "$brps" "$bcpu"
  keep=$(run keeping java "${JVM[@]}" -cp target/distro-loadgen.jar dev.distro.loadgen.Baseline --port="$PORT" \
    --keep=true)
  read -r _ krps kcpu <<< "$keep"
  python3 -c "print(f'{\"round $r baseline keeping what it is sent\":48s} {$krps:9.0f}/s  cpu {$kcpu:6.2f} us/req'
      f'  ratio {$krps / $brps:.2f}  cpu ratio {$kcpu / $bcpu:.2f}')"
  for jar in "${JARS[@]}"; do
    line=$(run "$jar" java "${JVM[@]}" -jar "$jar" --port="$PORT" --host=127.0.0.1 --bind=127.0.0.1)
    read -r _ rps cpu <<< "$line"
    python3 -c "print(f'{\"round $r $jar\":48s} {$rps:9.0f}/s  cpu {$cpu:6.2f} us/req'
      f'  ratio {$rps / $brps:.2f}  cpu ratio {$cpu / $bcpu:.2f};'
      f' to the keeping one {$rps / $krps:.2f}, {$cpu / $kcpu:.2f}')"
  done
done
