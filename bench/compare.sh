#!/usr/bin/env bash
# Compares two builds of the node on this machine, alternating them so that both see the same
# drift in machine speed: for each round, each jar in turn is started standalone (1 GB heap, G1),
# driven by the load generator (target/distro-loadgen.jar, with the baseline handler measured in
# the same run), and stopped. The baseline runs as a process of its own with the node's JVM
# settings and one server instance per core, as the node, and both are measured alike: whole-process
# CPU (BASELINE=in-process measures the generator's in-process baseline instead, whose CPU is its one
# event loop thread's, without GC or JIT: the figures before 2026-12-05). Prints one line per run:
# jar, mode, req/s, ratio to the baseline, server CPU per request, its ratio to the baseline's and
# the mean bytes per answer. Extra arguments go to the generator.
#   bash bench/compare.sh /tmp/before.jar target/distro-node.jar 3 --modes=register --seconds=10
set -euo pipefail
cd "$(dirname "$0")/.."
A=$1; B=$2; ROUNDS=${3:-3}; shift 3 || shift $#
[ -f target/distro-loadgen.jar ] || mvn -B -q package -DskipTests
PORT=${BENCH_PORT:-18848}
BASE_PORT=$((PORT + 1))
JVM=(-Xms1g -Xmx1g -XX:+UseG1GC -XX:+AlwaysPreTouch)
run() {
  local jar=$1
  shift
  local base=() basepid=""
  if [ "${BASELINE:-process}" = process ]; then
    java "${JVM[@]}" -cp target/distro-loadgen.jar dev.distro.loadgen.Baseline --port="$BASE_PORT" \
      > target/compare-baseline.log 2>&1 &
    basepid=$!
    for _ in $(seq 1 100); do
      curl -fs "http://127.0.0.1:$BASE_PORT/" >/dev/null 2>&1 && break
      sleep 0.1
    done
    base=(--baseline-target="127.0.0.1:$BASE_PORT" --baseline-pid="$basepid")
  fi
  java "${JVM[@]}" -jar "$jar" --port="$PORT" --host=127.0.0.1 \
    --bind=127.0.0.1 > target/compare-node.log 2>&1 &
  local node=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break
    sleep 0.1
  done
  java -Xmx1g -XX:+UseG1GC -jar target/distro-loadgen.jar --targets="127.0.0.1:$PORT" \
    --json=target/compare.json "${base[@]}" "$@" > target/compare-run.log 2>&1 || true
  kill "$node"; wait "$node" 2>/dev/null || true
  if [ -n "$basepid" ]; then kill "$basepid"; wait "$basepid" 2>/dev/null || true; fi
  python3 - "$jar" <<'PY'
import json, sys
rows = json.load(open("target/compare.json"))
for r in rows:
    if r.get("target", "").startswith("127.0.0.1") and "ratioToBaseline" in r:
        print(f"{sys.argv[1]:40s} {r['mode']:9s} {r['rate']:9.0f}/s  ratio {r['ratioToBaseline']:.2f}"
              f"  cpu {r.get('cpuUsPerRequest') or float('nan'):6.1f} us/req  cpu ratio "
              f"{r.get('cpuRatioToBaseline') or float('nan'):.2f}  {r.get('bytesPerAnswer') or float('nan'):.0f} bytes/answer")
PY
}
for i in $(seq 1 "$ROUNDS"); do
  run "$A" "$@"
  run "$B" "$@"
done
