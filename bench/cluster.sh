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
set -euo pipefail
NODE_OPTS="${NODE_JAVA_OPTS:-}"
cd "$(dirname "$0")/.."
mvn -B -q package -DskipTests
BASE=${BENCH_PORT:-18848}
PORTS=("$BASE" "$((BASE + 10))" "$((BASE + 20))")
CONF=target/bench-cluster.conf
: > "$CONF"
TARGETS=""
for p in "${PORTS[@]}"; do
  echo "127.0.0.1:$p" >> "$CONF"
  TARGETS="${TARGETS:+$TARGETS,}127.0.0.1:$p"
done
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT
for i in 0 1 2; do
  # shellcheck disable=SC2086
  DISTRO_CLUSTER_SECRET=bench-cluster-secret-0123456789 java -Xms512m -Xmx512m -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError \
    ${NODE_OPTS//\{i\}/$i} -jar target/distro-node.jar --port="${PORTS[$i]}" --host=127.0.0.1 --bind=127.0.0.1 \
    --cluster-conf="$CONF" > "target/bench-node$i.log" 2>&1 &
  PIDS+=($!)
done
for i in 0 1 2; do
  for _ in $(seq 1 300); do
    curl -fs "http://127.0.0.1:${PORTS[$i]}/health/ready" >/dev/null 2>&1 && break
    if ! kill -0 "${PIDS[$i]}" 2>/dev/null; then
      echo "node $i exited at start:" >&2
      cat "target/bench-node$i.log" >&2
      exit 1
    fi
    sleep 0.1
  done
done
# every member must be in every node's ring before the load starts
for p in "${PORTS[@]}"; do
  for _ in $(seq 1 300); do
    [ "$(curl -fs "http://127.0.0.1:$p/nacos/v1/ns/operator/servers" | grep -o '"state":"UP"' | wc -l)" -ge 3 ] && break
    sleep 0.1
  done
done
java -Xmx1g -XX:+UseG1GC -jar target/distro-loadgen.jar --targets="$TARGETS" --modes=register \
  --rate=10000 --concurrency=1024 --seconds=20 --warmup-seconds=3 --json=target/bench-cluster.json "$@"
for i in 0 1 2; do
  curl -fs "http://127.0.0.1:${PORTS[$i]}/nacos/v1/ns/operator/metrics?onlyStatus=false" > "target/bench-node$i-metrics.json" || true
done
echo "node metrics in target/bench-node{0,1,2}-metrics.json, node logs in target/bench-node{0,1,2}.log"
