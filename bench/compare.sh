#!/usr/bin/env bash
# Compares two builds of the node on this machine, alternating them so that both see the same
# drift in machine speed: for each round, each jar in turn is started standalone (1 GB heap, G1),
# driven by the load generator (target/distro-loadgen.jar, with its in-process baseline measured
# in the same run), and stopped. Prints one line per run: jar, mode, req/s, ratio to the baseline,
# server CPU per request, its ratio to the baseline's and the mean bytes per answer. Extra
# arguments go to the generator.
#   bash bench/compare.sh /tmp/before.jar target/distro-node.jar 3 --modes=register --seconds=10
set -euo pipefail
cd "$(dirname "$0")/.."
A=$1; B=$2; ROUNDS=${3:-3}; shift 3 || shift $#
[ -f target/distro-loadgen.jar ] || mvn -B -q package -DskipTests
PORT=${BENCH_PORT:-18848}
run() {
  local jar=$1
  shift
  java -Xms1g -Xmx1g -XX:+UseG1GC -XX:+AlwaysPreTouch -jar "$jar" --port="$PORT" --host=127.0.0.1 \
    --bind=127.0.0.1 > target/compare-node.log 2>&1 &
  local node=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break
    sleep 0.1
  done
  java -Xmx1g -XX:+UseG1GC -jar target/distro-loadgen.jar --targets="127.0.0.1:$PORT" \
    --json=target/compare.json "$@" > target/compare-run.log 2>&1 || true
  kill "$node"; wait "$node" 2>/dev/null || true
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
