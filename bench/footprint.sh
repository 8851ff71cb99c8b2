#!/usr/bin/env bash
# Builds the jar, starts one standalone node with the JVM's defaults (no heap flags), and prints the
# time from exec to the first successful readiness probe, the node's own start-up figure, and its
# resident memory after 10 s idle.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q package -DskipTests
PORT=${BENCH_PORT:-18848}
t0=$(date +%s%N)
java -jar target/distro-node.jar --port="$PORT" --host=127.0.0.1 --bind=127.0.0.1 > target/footprint-node.log 2>&1 &
NODE=$!
trap 'kill $NODE 2>/dev/null || true; wait $NODE 2>/dev/null || true' EXIT
until curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1; do
  kill -0 $NODE 2>/dev/null || { cat target/footprint-node.log; exit 1; }
  sleep 0.02
done
t1=$(date +%s%N)
echo "ready (exec to first 200 from /health/ready): $(( (t1 - t0) / 1000000 )) ms"
grep -o "ready: .*" target/footprint-node.log || true
sleep 10
echo "idle RSS after 10 s: $(awk '/VmRSS/ {print int($2/1024)}' /proc/$NODE/status) MB"
