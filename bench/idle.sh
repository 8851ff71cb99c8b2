#!/usr/bin/env bash
# What nodes cost doing nothing: a 3-node cluster of processes on loopback (512 MB heap each), then
# one standalone node; each measured from /proc (all processes' CPU summed) over MEASURE s (default
# 30) after WAIT s (default 30) of idling from the moment it is ready. A cluster's fixed costs:
# pings, verify rounds, the sync flush timer, and (this early) the JIT.
#   bash bench/idle.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${SKIP_BUILD:-0}" = 1 ] || mvn -B -q package -DskipTests -pl src/node
LOG_PREFIX=target/idle-node
# shellcheck source=bench/lib.sh
. bench/lib.sh
BASE=${BENCH_PORT:-18848}
WAIT=${WAIT:-30}
MEASURE=${MEASURE:-30}
HZ=$(getconf CLK_TCK)
ticks() { local s=0 p; for p in "$@"; do s=$((s + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$s"; }
measure() {
  sleep "$WAIT"
  local a b
  a=$(ticks "${PIDS[@]}")
  sleep "$MEASURE"
  b=$(ticks "${PIDS[@]}")
  echo $(( (b - a) * 1000 / HZ / MEASURE ))
}
start_cluster target/idle-cluster.conf "$BASE" 512m
echo "3-node cluster, idle: $(measure) ms of CPU per s, the three nodes summed"
stop_all
start_ready s "$BASE" 512m
echo "standalone, idle: $(measure) ms of CPU per s"
stop_all
