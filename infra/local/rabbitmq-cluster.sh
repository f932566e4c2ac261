#!/usr/bin/env bash
# A private three-node RabbitMQ cluster (Debian's rabbitmq-server) on 127.0.0.1, under
# $OPEN137_STACK_DIR/rabbitmq-cluster: each node is one `infra/local/rabbitmq.sh` node with its own
# directory, name, ports and pid file; the three share one Erlang cookie (HOME) and one private epmd.
#
# Usage: infra/local/rabbitmq-cluster.sh COMMAND
#   start              start the three nodes, join n2 and n3 to n1, check that a quorum queue gets three
#                      replicas (idempotent: running nodes are kept, joined nodes are not joined again)
#   stop               stop every node, then the epmd
#   status             each node: running and in the cluster, or not
#   node-start N       start node N (1-3) again; a node that was in the cluster rejoins it by itself
#   node-stop N        stop node N cleanly (rabbitmqctl stop)
#   node-kill N        SIGKILL node N's Erlang VM (no goodbye to its peers)
#   leaders            "node count" lines: how many quorum queues each node leads (management API)
#   env                KEY=value lines: AMQP_URL (every node), each node's URLs and ports
#   ctl N ARGS...      rabbitmqctl against node N
#
# Environment (all optional):
#   OPEN137_STACK_DIR   stack directory (default .local/run)
#   OPEN137_AMQP_PORT   node 1's AMQP port (default 5682); node N listens on it + N - 1, and derives its
#                       management (+10000), Prometheus (+11000) and distribution (+20000) ports from its own
#                       AMQP port as a single node does; the shared epmd is on node 1's AMQP port + 21000
#   OPEN137_RABBITMQ_START_TIMEOUT  seconds to wait for each node (default 90)
# When unset, the ports this stack's cluster last started with are reused.
#
# Quorum queues get three replicas from RabbitMQ's default initial group size (`quorum_cluster_size`, 3 in
# 3.10), not from an `x-quorum-initial-group-size` argument: an argument would be compared on every
# redeclare and on a single node means nothing. It counts the nodes in the cluster when a queue is
# declared, so the cluster is joined before `open137 topology declare`; `start` checks it with a probe queue.
set -euo pipefail
OPEN137_LOG_TAG="rabbitmq-cluster"
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STACK="$(stack_dir)"
export OPEN137_STACK_DIR="$STACK"
CLUSTER_DIR="$STACK/rabbitmq-cluster"
CLUSTER_ENV="$CLUSTER_DIR/cluster.env"
NODES=(1 2 3)

load_settings() {
    local SAVED_BASE_PORT=""
    read_env_file "$CLUSTER_ENV" SAVED_
    if [[ "${1:-}" == saved && -n "$SAVED_BASE_PORT" ]]; then
        BASE_PORT="$SAVED_BASE_PORT"
    else
        BASE_PORT="${OPEN137_AMQP_PORT:-${SAVED_BASE_PORT:-5682}}"
    fi
    check_port OPEN137_AMQP_PORT "$BASE_PORT"
    check_port OPEN137_AMQP_PORT $((BASE_PORT + 21000))
    EPMD_PORT=$((BASE_PORT + 21000))
    local base
    base="$(basename "$STACK" | tr -c 'A-Za-z0-9_-' '_')"
    NAME_PREFIX="open137-${base%_}"
}

amqp_port() { echo $((BASE_PORT + $1 - 1)); }
mgmt_port() { echo $(($(amqp_port "$1") + 10000)); }
node_name() { echo "$NAME_PREFIX-n$1@localhost"; }

check_node() { [[ "$1" =~ ^[123]$ ]] || die "node must be 1, 2 or 3 (got '$1')"; }

# node N CMD ARGS... — infra/local/rabbitmq.sh CMD for node N (its directory, name, ports; shared cookie and epmd).
node() {
    local n=$1; shift
    env -u OPEN137_RABBITMQ_MGMT_PORT -u OPEN137_RABBITMQ_PROMETHEUS_PORT -u OPEN137_RABBITMQ_DIST_PORT \
        OPEN137_RABBITMQ_DIR="$CLUSTER_DIR/n$n" OPEN137_RABBITMQ_NODENAME="$(node_name "$n")" \
        OPEN137_RABBITMQ_HOME="$CLUSTER_DIR/home" OPEN137_AMQP_PORT="$(amqp_port "$n")" OPEN137_EPMD_PORT="$EPMD_PORT" \
        OPEN137_RABBITMQ_KEEP_EPMD=1 OPEN137_RABBITMQ_LOG_TAG="rabbitmq-n$n" \
        "$OPEN137_LOCAL_DIR/rabbitmq.sh" "$@"
}

epmd_env() { ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT="$EPMD_PORT" "$@"; }

# running_nodes N — the cluster's running nodes as node N sees them, one a line (empty when it does not answer).
running_nodes() {
    node "$1" ctl -q cluster_status --formatter json 2>/dev/null \
        | python3 -c 'import json, sys; print("\n".join(json.load(sys.stdin).get("running_nodes", [])))' 2>/dev/null || true
}

# management N METHOD PATH [BODY] — the management API of node N as the administrator (guest, loopback only).
management() {
    local url
    url="http://127.0.0.1:$(mgmt_port "$1")/api$3"
    curl -fsS -m 10 -u guest:guest -X "$2" -H 'content-type: application/json' ${4:+--data "$4"} "$url"
}

write_cluster_env() {
    mkdir -p "$CLUSTER_DIR"
    write_env_file "$CLUSTER_ENV" "BASE_PORT=$BASE_PORT" "EPMD_PORT=$EPMD_PORT" \
        "NODES=$(node_name 1),$(node_name 2),$(node_name 3)"
}

cmd_start() {
    load_settings
    local started=$SECONDS n
    mkdir -p "$CLUSTER_DIR/home"
    local cookie="$CLUSTER_DIR/home/.erlang.cookie"
    if [[ ! -s "$cookie" ]]; then
        # One cookie for the three nodes and their CLI, made before any of them starts.
        (umask 077; od -An -N16 -tx1 /dev/urandom | tr -d ' \n' | tr '0-9a-f' 'A-P' > "$cookie")
        chmod 400 "$cookie"
    fi
    # One private epmd for the three, started first so that no node's start races another's for it.
    if ! epmd_env epmd -names >/dev/null 2>&1; then
        require_free_port "$EPMD_PORT" OPEN137_AMQP_PORT "the cluster's private epmd (node 1's AMQP port + 21000)"
        epmd_env epmd -address 127.0.0.1 -port "$EPMD_PORT" -daemon
        for _ in $(seq 50); do epmd_env epmd -names >/dev/null 2>&1 && break; sleep 0.1; done
    fi
    write_cluster_env
    # The three boot side by side (each waits for its own readiness); the first failure is reported.
    local pids=() rc=0
    for n in "${NODES[@]}"; do
        node "$n" start &
        pids+=($!)
    done
    for n in "${!pids[@]}"; do wait "${pids[$n]}" || rc=1; done
    (( rc == 0 )) || die "a node did not start (see $CLUSTER_DIR/n*/log/)"
    # Join n2 and n3 to n1, unless a node already sees all three (a restarted cluster keeps its membership).
    for n in 2 3; do
        if running_nodes "$n" | grep -qx "$(node_name 1)"; then
            continue
        fi
        log "joining $(node_name "$n") to $(node_name 1)"
        node "$n" ctl -q stop_app >/dev/null
        node "$n" ctl -q join_cluster "$(node_name 1)" >/dev/null
        node "$n" ctl -q start_app >/dev/null
    done
    local running
    running="$(running_nodes 1 | wc -l)"
    (( running == 3 )) || die "the cluster runs $running node(s), not 3: $(running_nodes 1 | paste -sd ' ' -)"
    check_replicas
    log "three nodes in one cluster, ready in $((SECONDS - started)) s"
    print_summary
}

# check_replicas — a probe quorum queue, declared without a group size, must get a member on every node.
check_replicas() {
    local probe="open137.cluster-probe" members
    management 1 PUT "/queues/%2F/$probe" '{"durable": true, "arguments": {"x-queue-type": "quorum"}}' >/dev/null \
        || die "could not declare the probe queue through node 1's management API"
    members="$(management 1 GET "/queues/%2F/$probe" | python3 -c 'import json, sys; print(len(json.load(sys.stdin).get("members", [])))' || echo 0)"
    management 1 DELETE "/queues/%2F/$probe" >/dev/null || true
    (( members == 3 )) || die "a quorum queue got $members replica(s), not 3 (quorum_cluster_size?)"
    log "a quorum queue declared without x-quorum-initial-group-size gets 3 replicas"
}

print_summary() {
    local n
    for n in "${NODES[@]}"; do
        log "node $(node_name "$n"): amqp://127.0.0.1:$(amqp_port "$n")/, management http://127.0.0.1:$(mgmt_port "$n")/, prometheus http://127.0.0.1:$(($(amqp_port "$n") + 11000))/metrics"
    done
    log "AMQP_URL=$(cluster_amqp_url) (guest/guest from loopback); data $CLUSTER_DIR"
}

cluster_amqp_url() {
    echo "amqp://guest:guest@127.0.0.1:$(amqp_port 1),127.0.0.1:$(amqp_port 2),127.0.0.1:$(amqp_port 3)/"
}

cmd_stop() {
    if [[ ! -f "$CLUSTER_ENV" ]]; then
        log "nothing to stop (no cluster was started under $CLUSTER_DIR)"
        return 0
    fi
    load_settings saved
    local started=$SECONDS n pids=() rc=0
    for n in "${NODES[@]}"; do
        [[ -f "$CLUSTER_DIR/n$n/node.env" ]] || continue
        node "$n" stop &
        pids+=($!)
    done
    for n in "${!pids[@]}"; do wait "${pids[$n]}" || rc=1; done
    if epmd_env epmd -names >/dev/null 2>&1; then
        epmd_env epmd -kill >/dev/null 2>&1 || log "warning: could not stop the epmd on port $EPMD_PORT"
    fi
    log "stopped in $((SECONDS - started)) s"
    return "$rc"
}

cmd_status() {
    [[ -f "$CLUSTER_ENV" ]] || { log "not started (no cluster under $CLUSTER_DIR)"; return 3; }
    load_settings saved
    local n rc=0 members=""
    for n in "${NODES[@]}"; do
        if node "$n" status >/dev/null 2>&1; then
            [[ -n "$members" ]] || members="$(running_nodes "$n" | paste -sd ' ' -)"
            log "$(node_name "$n") running"
        else
            log "$(node_name "$n") NOT running"
            rc=1
        fi
    done
    log "running in the cluster: ${members:-none}"
    return "$rc"
}

cmd_leaders() {
    load_settings saved
    local n answer=""
    for n in "${NODES[@]}"; do
        answer="$(management "$n" GET "/queues?columns=name,type,leader" 2>/dev/null)" && break
    done
    [[ -n "$answer" ]] || die "no node's management API answered"
    python3 -c '
import collections, json, sys
counts = collections.Counter(q.get("leader") for q in json.load(sys.stdin) if q.get("type") == "quorum" and q.get("leader"))
for node, count in counts.most_common():
    print(node, count)
' <<< "$answer"
}

cmd_env() {
    load_settings saved
    local n
    echo "AMQP_URL=$(cluster_amqp_url)"
    for n in "${NODES[@]}"; do
        echo "RABBITMQ_NODE${n}_NAME=$(node_name "$n")"
        echo "RABBITMQ_NODE${n}_AMQP_PORT=$(amqp_port "$n")"
        echo "RABBITMQ_NODE${n}_MANAGEMENT_URL=http://127.0.0.1:$(mgmt_port "$n")/"
        echo "RABBITMQ_NODE${n}_PROMETHEUS_URL=http://127.0.0.1:$(($(amqp_port "$n") + 11000))/metrics"
    done
}

cmd_node_kill() {
    load_settings saved
    local n=$1 pid
    pid="$(read_pid "$CLUSTER_DIR/n$n/rabbitmq.pid")"
    pid_alive "$pid" || die "node $n is not running (pid '${pid:-none}')"
    [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == beam* ]] || die "pid $pid is not node $n's Erlang VM"
    kill -KILL "$pid"
    wait_pid_gone "$pid" 10 || die "node $n (pid $pid) survived SIGKILL"
    # The next start must not take the stale pid file for a running node.
    rm -f "$CLUSTER_DIR/n$n/rabbitmq.pid"
    log "node $(node_name "$n") (pid $pid) killed"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    node-start) check_node "${2:-}"; load_settings saved; node "$2" start ;;
    node-stop) check_node "${2:-}"; load_settings saved; node "$2" stop ;;
    node-kill) check_node "${2:-}"; cmd_node_kill "$2" ;;
    leaders) cmd_leaders ;;
    env) cmd_env ;;
    ctl) check_node "${2:-}"; load_settings saved; n=$2; shift 2; node "$n" ctl "$@" ;;
    *) echo "usage: $0 {start|stop|status|node-start N|node-stop N|node-kill N|leaders|env|ctl N ARGS...}" >&2; exit 2 ;;
esac
