#!/usr/bin/env bash
# Builds the jar, starts one standalone node with the documented heap and GC settings, runs the
# load generator against it and against the in-process baseline, prints the table and writes
# target/bench.json, then stops the node. Extra arguments go to the generator, e.g.
#   bash bench/run.sh --modes=register --seconds=20
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q package -DskipTests
PORT=${BENCH_PORT:-18848}
java -Xms1g -Xmx1g -XX:+UseG1GC -XX:+AlwaysPreTouch -jar target/distro-node.jar \
  --port="$PORT" --host=127.0.0.1 --bind=127.0.0.1 > target/bench-node.log 2>&1 &
NODE=$!
trap 'kill $NODE 2>/dev/null || true; wait $NODE 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
java -Xmx1g -XX:+UseG1GC -jar target/distro-loadgen.jar --targets="127.0.0.1:$PORT" \
  --json=target/bench.json "$@"
