# Sourced by bench/cluster.sh and bench/grpc.sh: node processes on loopback, started and waited for.
# The caller sets LOG_PREFIX (a node's log is ${LOG_PREFIX}INDEX.log) and may set NODE_JAVA_OPTS
# ({i} becomes the node's index) and NODE_JAR (default target/distro-node.jar: another build, for a
# before/after figure). Every node started is killed when the script exits.

PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT

# start_node INDEX PORT HEAP [node args...]: starts $NODE_JAR in the background; its pid
# in NODE_PID (and in PIDS).
start_node() {
  local i=$1 port=$2 heap=$3
  shift 3
  local opts="${NODE_JAVA_OPTS:-}"
  # shellcheck disable=SC2086
  DISTRO_CLUSTER_SECRET=bench-cluster-secret-0123456789 java "-Xms$heap" "-Xmx$heap" -XX:+UseG1GC \
    -XX:+ExitOnOutOfMemoryError ${opts//\{i\}/$i} -jar "${NODE_JAR:-target/distro-node.jar}" --port="$port" --host=127.0.0.1 \
    --bind=127.0.0.1 "$@" > "${LOG_PREFIX}$i.log" 2>&1 &
  NODE_PID=$!
  PIDS+=("$NODE_PID")
}

# await_ready INDEX PORT PID: waits up to 30 s for the node's /health/ready; exits with its log if
# it died, or if it is not ready by then.
await_ready() {
  local i=$1 port=$2 pid=$3
  for _ in $(seq 1 300); do
    curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "node $i exited at start:" >&2
      cat "${LOG_PREFIX}$i.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "node $i not ready after 30 s" >&2
  exit 1
}

# await_members PORT...: waits (up to 30 s each) until every node lists every one of them UP.
await_members() {
  local p
  for p in "$@"; do
    for _ in $(seq 1 300); do
      [ "$(curl -fs "http://127.0.0.1:$p/nacos/v1/ns/operator/servers" | grep -o '"state":"UP"' | wc -l)" -ge $# ] \
        && break
      sleep 0.1
    done
  done
}

# start_ready INDEX PORT HEAP [node args...]: start_node, then await_ready.
start_ready() {
  start_node "$@"
  await_ready "$1" "$2" "$NODE_PID"
}

# start_cluster CONF BASE HEAP [node args...]: three nodes on ports BASE, BASE+10 and BASE+20 with
# one member list (written to CONF); sets PORTS and TARGETS (host:port,...) and returns once every
# node is ready and lists every member UP, so that the ring is whole before any load.
start_cluster() {
  local conf=$1 base=$2 heap=$3 i p
  shift 3
  PORTS=("$base" "$((base + 10))" "$((base + 20))")
  : > "$conf"
  TARGETS=""
  for p in "${PORTS[@]}"; do
    echo "127.0.0.1:$p" >> "$conf"
    TARGETS="${TARGETS:+$TARGETS,}127.0.0.1:$p"
  done
  local started=()
  for i in 0 1 2; do
    start_node "$i" "${PORTS[$i]}" "$heap" --cluster-conf="$conf" "$@"
    started+=("$NODE_PID")
  done
  for i in 0 1 2; do
    await_ready "$i" "${PORTS[$i]}" "${started[$i]}"
  done
  await_members "${PORTS[@]}"
}

# stop_all: kills every node started so far and waits for them.
stop_all() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  PIDS=()
}
