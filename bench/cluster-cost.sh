#!/usr/bin/env bash
# What replication costs: the same open-loop registration load (default 3,000/s, 60 s warm-up,
# 20 s measured, so that the instances' leases run out and their unhealthy marks and expiries are
# part of the cost, as in production, and so that the three JVMs' JIT compilers, which share the two
# cores, are done: 43 s in they still took 10-17% of the cluster's CPU, 3% 80 s in) first against
# one standalone node and then against a 3-node
# cluster of processes on loopback (writes through random nodes), both from one build. Prints the
# node CPU per write standalone, summed over the cluster's three nodes, and their ratio: the figure
# that stays comparable on a machine whose speed varies. NODE_JAR picks another build (a before/after
# figure), e.g.
#   NODE_JAR=/tmp/before-node.jar bash bench/cluster-cost.sh
#   bash bench/cluster-cost.sh --rate=2000
# Extra arguments go to the generator (both runs).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${SKIP_BUILD:-0}" = 1 ] || mvn -B -q package -DskipTests
BASE=${BENCH_PORT:-18848}
LOG_PREFIX=target/cost-node
# shellcheck source=bench/lib.sh
. bench/lib.sh
ARGS=(--modes=register --rate=3000 --concurrency=1024 --warmup-seconds=60 --seconds=20 --lag=false --baseline=false)
echo "== standalone, ${NODE_JAR:-target/distro-node.jar}"
start_ready s "$BASE" 512m
java -Xmx1g -XX:+UseG1GC -jar target/distro-loadgen.jar --targets="127.0.0.1:$BASE" "${ARGS[@]}" \
  --json=target/cost-standalone.json "$@"
stop_all
echo "== 3-node cluster, ${NODE_JAR:-target/distro-node.jar}"
start_cluster target/cost-cluster.conf "$BASE" 512m
java -Xmx1g -XX:+UseG1GC -jar target/distro-loadgen.jar --targets="$TARGETS" "${ARGS[@]}" \
  --json=target/cost-cluster.json "$@"
stop_all
python3 - <<'PY'
import json
s = json.load(open("target/cost-standalone.json"))[0]
c = json.load(open("target/cost-cluster.json"))[0]
print()
print(f"standalone: {s['rate']:.0f} writes/s of {s['offeredRate']:.0f}, p99 {s['p99Ms']:.1f} ms, "
      f"node CPU {s['cpuUsPerRequest']:.1f} us per write")
per = ", ".join(f"{v:.1f}" for v in c["cpuUsPerRequestByServer"].values())
print(f"cluster:    {c['rate']:.0f} writes/s of {c['offeredRate']:.0f}, p99 {c['p99Ms']:.1f} ms, "
      f"node CPU {c['cpuUsPerRequest']:.1f} us per write summed over the nodes ({per})")
print(f"cluster CPU per write / standalone: {c['cpuUsPerRequest'] / s['cpuUsPerRequest']:.2f}")
PY
