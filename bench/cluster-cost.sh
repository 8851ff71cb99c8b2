#!/usr/bin/env bash
# What replication costs: the same open-loop registration load (default 3,000/s, 60 s warm-up,
# 20 s measured, so that the instances' leases run out and their unhealthy marks and expiries are
# part of the cost, as in production, and so that the three JVMs' JIT compilers, which share the two
# cores, are done: 43 s in they still took 10-17% of the cluster's CPU, 3% 80 s in) first against
# one standalone node, then against a 3-node cluster of processes on loopback (writes through the
# nodes in turn, so two in three are forwarded to their owner, as from Nacos 1.x clients), and then
# against a fresh 3-node cluster with each write sent to its owner (--to-owner=true: no forwards,
# as from Nacos 2.x clients, each connected to the node that then owns its instances), all from one
# build. Prints the node CPU per write standalone and summed over each cluster's three nodes, the
# forwards the nodes made, and the ratios to standalone: figures that stay comparable on a machine
# whose speed varies. The two clusters' difference is what forwarding costs. NODE_JAR picks another
# build (a before/after figure); OWNER_RUN=0 leaves the third run out, e.g.
#   NODE_JAR=/tmp/before-node.jar OWNER_RUN=0 bash bench/cluster-cost.sh
#   bash bench/cluster-cost.sh --rate=2000
# Extra arguments go to the generator (every run).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${SKIP_BUILD:-0}" = 1 ] || mvn -B -q package -DskipTests
BASE=${BENCH_PORT:-18848}
LOG_PREFIX=target/cost-node
# shellcheck source=bench/lib.sh
. bench/lib.sh
# forwards: the writes the nodes forwarded to their owners over the whole run, summed
forwards() {
  local p n=0 v
  for p in "${PORTS[@]}"; do
    v=$(curl -fs "http://127.0.0.1:$p/metrics" | awk '/^distro_forwards(_total)? / {print int($2)}')
    n=$((n + ${v:-0}))
  done
  echo "$n"
}
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
forwards > target/cost-cluster-forwards.txt
stop_all
if [ "${OWNER_RUN:-1}" = 1 ]; then
  echo "== 3-node cluster, each write sent to its owner (no forwards), ${NODE_JAR:-target/distro-node.jar}"
  start_cluster target/cost-cluster.conf "$BASE" 512m
  java -Xmx1g -XX:+UseG1GC -jar target/distro-loadgen.jar --targets="$TARGETS" "${ARGS[@]}" \
    --json=target/cost-owner.json "$@" --to-owner=true
  forwards > target/cost-owner-forwards.txt
  stop_all
else
  rm -f target/cost-owner.json
fi
python3 - <<'PY'
import json, os
s = json.load(open("target/cost-standalone.json"))[0]
c = json.load(open("target/cost-cluster.json"))[0]
print()
print(f"standalone: {s['rate']:.0f} writes/s of {s['offeredRate']:.0f}, p99 {s['p99Ms']:.1f} ms, "
      f"node CPU {s['cpuUsPerRequest']:.1f} us per write")
per = ", ".join(f"{v:.1f}" for v in c["cpuUsPerRequestByServer"].values())
print(f"cluster:    {c['rate']:.0f} writes/s of {c['offeredRate']:.0f}, p99 {c['p99Ms']:.1f} ms, "
      f"node CPU {c['cpuUsPerRequest']:.1f} us per write summed over the nodes ({per})")
print(f"            forwards over the whole run: {open('target/cost-cluster-forwards.txt').read().strip()}")
print(f"cluster CPU per write / standalone: {c['cpuUsPerRequest'] / s['cpuUsPerRequest']:.2f}")
if os.path.exists("target/cost-owner.json"):
    o = json.load(open("target/cost-owner.json"))[0]
    per = ", ".join(f"{v:.1f}" for v in o["cpuUsPerRequestByServer"].values())
    print(f"to owners:  {o['rate']:.0f} writes/s of {o['offeredRate']:.0f}, p99 {o['p99Ms']:.1f} ms, "
          f"node CPU {o['cpuUsPerRequest']:.1f} us per write summed over the nodes ({per})")
    print(f"            forwards over the whole run: {open('target/cost-owner-forwards.txt').read().strip()}")
    print(f"cluster CPU per write sent to its owner / standalone: {o['cpuUsPerRequest'] / s['cpuUsPerRequest']:.2f}")
PY
