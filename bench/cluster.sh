#!/usr/bin/env bash
# Builds the jar, starts a 3-node cluster on loopback (three processes, one cluster.conf, 512 MB heap
# and G1 each), and drives it with the load generator: registrations at 10,000/s through random
# nodes (round-robin), replication lag measured through one watch connection per node, and the time
# for every node to show every write after the load stops. Extra arguments go to the generator and
# override these, e.g.
#   bash bench/cluster.sh --rate=20000 --seconds=30 --watchers=50
# NODE_JAVA_OPTS adds JVM options to the three nodes ({i} becomes the node's index), e.g. a flight
# recording per node:
#   NODE_JAVA_OPTS='-XX:StartFlightRecording=delay=60s,duration=30s,filename=target/node{i}.jfr' \
#     bash bench/cluster.sh --warmup-seconds=60 --seconds=30
# NODE_JAR runs another build of the node (a before/after figure); SKIP_BUILD=1 skips the build.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${SKIP_BUILD:-0}" = 1 ] || mvn -B -q package -DskipTests
LOG_PREFIX=target/bench-node
# shellcheck source=bench/lib.sh
. bench/lib.sh
start_cluster target/bench-cluster.conf "${BENCH_PORT:-18848}" 512m
java -Xmx1g -XX:+UseG1GC -jar target/distro-loadgen.jar --targets="$TARGETS" --modes=register \
  --rate=10000 --concurrency=1024 --seconds=20 --warmup-seconds=3 --json=target/bench-cluster.json "$@"
for i in 0 1 2; do
  curl -fs "http://127.0.0.1:${PORTS[$i]}/nacos/v1/ns/operator/metrics?onlyStatus=false" > "target/bench-node$i-metrics.json" || true
done
echo "node metrics in target/bench-node{0,1,2}-metrics.json, node logs in target/bench-node{0,1,2}.log"
