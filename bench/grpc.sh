#!/usr/bin/env bash
# The gRPC figures (Nacos 2.x/3.x SDK connections, see the load generator's gRPC modes):
#   bash bench/grpc.sh standalone   one node (1 GB heap, G1): grpc-register (100 SDK connections,
#                                   128 requests in flight) and grpc-push (1,000 subscribers, a
#                                   writer changing the service 5 times a second)
#   bash bench/grpc.sh idle         one node holding IDLE (default 10000) idle SDK connections, each
#                                   with one instance, for 30 s: heap per connection (a full GC is
#                                   asked for with jcmd before each reading)
#   bash bench/grpc.sh cluster      three node processes as bench/cluster.sh (512 MB each):
#                                   grpc-register with replication lag, grpc-push with the
#                                   subscribers spread over the three nodes
#   NACOS_HOME=/opt/nacos bash bench/grpc.sh nacos
#                                   grpc-register and grpc-push against our standalone node, then
#                                   against Nacos standalone started from NACOS_HOME (a 2.5.1
#                                   distribution: target/nacos-server.jar, conf/), its gRPC port
#                                   9848; server CPU of both from /proc (--cpu-pids), one line each.
#                                   NOT TESTED: no Nacos distribution can be downloaded on the
#                                   machine this was written on.
# Extra arguments go to the generator and override these. SKIP_BUILD=1 uses the jars as built.
set -euo pipefail
cd "$(dirname "$0")/.."
WHAT=${1:-standalone}
shift || true
[ "${SKIP_BUILD:-0}" = 1 ] || mvn -B -q package -DskipTests -pl src/node,src/loadgen
BASE=${BENCH_PORT:-18848}
GEN=(java -Xmx1g -XX:+UseG1GC -jar target/distro-loadgen.jar)
LOG_PREFIX=target/bench-grpc-node
# shellcheck source=bench/lib.sh
. bench/lib.sh

MODES=(--modes=grpc-register,grpc-push --connections=100 --concurrency=128 --warmup-seconds=15 --seconds=15
  --subscribers=1000 --push-rate=5 --push-warmup=10 --changes=50)

case "$WHAT" in
  standalone)
    start_ready 0 "$BASE" 1g
    "${GEN[@]}" --targets="127.0.0.1:$BASE" "${MODES[@]}" --json=target/bench-grpc-standalone.json "$@"
    ;;
  idle)
    echo "this shell's open-file limit (ulimit -n): $(ulimit -n)"
    start_ready 0 "$BASE" 1g
    "${GEN[@]}" --targets="127.0.0.1:$BASE" --modes= --grpc-idle="${IDLE:-10000}" --grpc-idle-seconds=30 \
      --gc-pids="$NODE_PID" --json=target/bench-grpc-idle.json "$@"
    ;;
  cluster)
    start_cluster target/bench-grpc-cluster.conf "$BASE" 512m
    "${GEN[@]}" --targets="$TARGETS" "${MODES[@]}" --json=target/bench-grpc-cluster.json "$@"
    ;;
  nacos)
    if [ -z "${NACOS_HOME:-}" ] || [ ! -f "$NACOS_HOME/target/nacos-server.jar" ]; then
      echo "set NACOS_HOME to a Nacos 2.5.1 distribution (with target/nacos-server.jar)" >&2
      exit 2
    fi
    NACOS_PORT=${NACOS_PORT:-8848}
    start_ready 0 "$BASE" 1g
    "${GEN[@]}" --targets="127.0.0.1:$BASE" "${MODES[@]}" --cpu-pids="$NODE_PID" \
      --json=target/bench-grpc-vs-nacos-node.json "$@"
    stop_all
    # Nacos standalone, embedded storage, default (off) auth, 1 GB heap as our node
    java -Xms1g -Xmx1g -XX:+UseG1GC -Dnacos.standalone=true -Dnacos.home="$NACOS_HOME" \
      -Dnacos.member.list= -Dserver.port="$NACOS_PORT" -jar "$NACOS_HOME/target/nacos-server.jar" \
      --spring.config.additional-location="file:$NACOS_HOME/conf/" > target/bench-grpc-nacos.log 2>&1 &
    NACOS_PID=$!
    PIDS+=("$NACOS_PID")
    for _ in $(seq 1 600); do
      curl -fs "http://127.0.0.1:$NACOS_PORT/nacos/v1/ns/operator/metrics" >/dev/null 2>&1 && break
      kill -0 "$NACOS_PID" 2>/dev/null || { cat target/bench-grpc-nacos.log >&2; exit 1; }
      sleep 0.1
    done
    "${GEN[@]}" --targets="127.0.0.1:$NACOS_PORT" "${MODES[@]}" --cpu-pids="$NACOS_PID" \
      --json=target/bench-grpc-vs-nacos-nacos.json "$@"
    for f in node nacos; do
      jq -r --arg who "$f" '.[] | select(.mode == "grpc-register" or .mode == "grpc-push")
        | "\($who): \(.mode) \(.rate | floor)/s, server CPU \(.cpuUsPerRequest) us per request"' \
        "target/bench-grpc-vs-nacos-$f.json"
    done
    ;;
  *)
    echo "usage: bash bench/grpc.sh standalone|idle|cluster|nacos [generator arguments]" >&2
    exit 2
    ;;
esac
