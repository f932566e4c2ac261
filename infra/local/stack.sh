#!/usr/bin/env bash
# The local stack: a private RabbitMQ node and a private PostgreSQL cluster on 127.0.0.1, under
# $OPEN137_STACK_DIR (default .local/run). Usage: infra/local/stack.sh {start|stop|status}
#
# `start` is idempotent and writes $OPEN137_STACK_DIR/stack.env (KEY=value lines, source-able) with
# AMQP_URL, DATABASE_URL, RABBITMQ_MANAGEMENT_URL, RABBITMQ_PROMETHEUS_URL, OPEN137_STACK_DIR and every
# OPEN137_*_PORT in use. Ports and other settings: see rabbitmq.sh and postgres.sh.
#
# OPEN137_CLUSTER=1: a three-node RabbitMQ cluster instead of the one node (rabbitmq-cluster.sh: nodes on
# OPEN137_AMQP_PORT and the next two ports); AMQP_URL then names all three
# (amqp://guest:guest@127.0.0.1:P,127.0.0.1:P+1,127.0.0.1:P+2/), RABBITMQ_MANAGEMENT_URL and
# RABBITMQ_PROMETHEUS_URL are node 1's, and RABBITMQ_NODE<N>_* name each node. The database is then two
# PostgreSQL nodes under Patroni behind HAProxy (postgres-ha.sh): DATABASE_URL names HAProxy's primary port,
# OPEN137_PG_PORT (the nodes on the next two ports), and PG_NODE<N>_* name each node. `stop` and `status`
# follow whatever this stack started.
set -euo pipefail
OPEN137_LOG_TAG="stack"
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STACK="$(stack_dir)"
export OPEN137_STACK_DIR="$STACK"
STACK_ENV="$STACK/stack.env"

cmd_start() {
    local started=$SECONDS
    mkdir -p "$STACK"
    if cluster_mode; then
        start_cluster
        return
    fi
    "$OPEN137_LOCAL_DIR/postgres.sh" start
    "$OPEN137_LOCAL_DIR/rabbitmq.sh" start

    # What really runs (the scripts record their settings), not what the caller asked for.
    local R_AMQP_PORT R_MGMT_PORT R_PROMETHEUS_PORT R_DIST_PORT R_EPMD_PORT R_PLUGINS P_PORT
    read_env_file "$STACK/rabbitmq/node.env" R_
    read_env_file "$STACK/postgres/server.env" P_
    local pg_port
    pg_port="$(sed -n 4p "$STACK/postgres/data/postmaster.pid" 2>/dev/null | tr -dc '0-9')"
    pg_port="${pg_port:-$P_PORT}"
    local lines=(
        "OPEN137_STACK_DIR=$STACK"
        "AMQP_URL=amqp://guest:guest@127.0.0.1:$R_AMQP_PORT/"
        "DATABASE_URL=postgres://postgres@127.0.0.1:$pg_port/open137"
        "OPEN137_AMQP_PORT=$R_AMQP_PORT"
        "OPEN137_PG_PORT=$pg_port"
        "OPEN137_RABBITMQ_MGMT_PORT=$R_MGMT_PORT"
        "OPEN137_RABBITMQ_PROMETHEUS_PORT=$R_PROMETHEUS_PORT"
        "OPEN137_RABBITMQ_DIST_PORT=$R_DIST_PORT"
        "OPEN137_EPMD_PORT=$R_EPMD_PORT"
    )
    [[ ",$R_PLUGINS," == *,rabbitmq_management,* ]] \
        && lines+=("RABBITMQ_MANAGEMENT_URL=http://127.0.0.1:$R_MGMT_PORT/")
    [[ ",$R_PLUGINS," == *,rabbitmq_prometheus,* ]] \
        && lines+=("RABBITMQ_PROMETHEUS_URL=http://127.0.0.1:$R_PROMETHEUS_PORT/metrics")
    write_env_file "$STACK_ENV" "${lines[@]}"
    log "ready in $((SECONDS - started)) s; environment in $STACK_ENV"
}

# cluster_mode — OPEN137_CLUSTER=1, or a cluster this stack started before (stop and status follow it).
cluster_mode() {
    [[ "${OPEN137_CLUSTER:-0}" != 0 && -n "${OPEN137_CLUSTER:-}" ]] || [[ -f "$STACK/rabbitmq-cluster/cluster.env" ]] \
        || [[ -f "$STACK/postgres-ha/ha.env" ]]
}

# start_cluster — the three-node RabbitMQ cluster and the PostgreSQL pair, and stack.env naming every node.
start_cluster() {
    local started=$SECONDS
    [[ ! -f "$STACK/rabbitmq/node.env" ]] || die "$STACK holds a single RabbitMQ node: stop it and delete $STACK/rabbitmq (or use another OPEN137_STACK_DIR) for a cluster"
    # A cluster stack made before the database failed over keeps its single server (and its data).
    local single_pg=""
    if [[ -f "$STACK/postgres/data/PG_VERSION" ]]; then
        single_pg=1
        log "warning: $STACK holds a single PostgreSQL server from before: using it (delete $STACK, e.g. make clean-local, for the pair that fails over)"
        "$OPEN137_LOCAL_DIR/postgres.sh" start
    else
        "$OPEN137_LOCAL_DIR/postgres-ha.sh" start
    fi
    "$OPEN137_LOCAL_DIR/rabbitmq-cluster.sh" start
    local C_AMQP_URL C_RABBITMQ_NODE1_AMQP_PORT C_RABBITMQ_NODE1_MANAGEMENT_URL C_RABBITMQ_NODE1_PROMETHEUS_URL
    local cluster_lines pg_lines
    mapfile -t cluster_lines < <("$OPEN137_LOCAL_DIR/rabbitmq-cluster.sh" env)
    if [[ -n "$single_pg" ]]; then
        local P_PORT="" pg_port
        read_env_file "$STACK/postgres/server.env" P_
        pg_port="$(sed -n 4p "$STACK/postgres/data/postmaster.pid" 2>/dev/null | tr -dc '0-9')"
        pg_lines=("DATABASE_URL=postgres://postgres@127.0.0.1:${pg_port:-$P_PORT}/open137" "OPEN137_PG_PORT=${pg_port:-$P_PORT}")
    else
        mapfile -t pg_lines < <("$OPEN137_LOCAL_DIR/postgres-ha.sh" env)
    fi
    local line
    for line in "${cluster_lines[@]}"; do printf -v "C_${line%%=*}" '%s' "${line#*=}"; done
    write_env_file "$STACK_ENV" \
        "OPEN137_STACK_DIR=$STACK" \
        "OPEN137_CLUSTER=1" \
        "AMQP_URL=$C_AMQP_URL" \
        "OPEN137_AMQP_PORT=$C_RABBITMQ_NODE1_AMQP_PORT" \
        "${pg_lines[@]}" \
        "RABBITMQ_MANAGEMENT_URL=$C_RABBITMQ_NODE1_MANAGEMENT_URL" \
        "RABBITMQ_PROMETHEUS_URL=$C_RABBITMQ_NODE1_PROMETHEUS_URL" \
        "${cluster_lines[@]:1}"
    log "ready in $((SECONDS - started)) s (three-node RabbitMQ cluster, PostgreSQL pair behind HAProxy); environment in $STACK_ENV"
}

cmd_stop() {
    local started=$SECONDS rc=0
    if [[ -f "$STACK/rabbitmq-cluster/cluster.env" ]]; then
        "$OPEN137_LOCAL_DIR/rabbitmq-cluster.sh" stop || rc=1
    fi
    [[ ! -f "$STACK/rabbitmq/node.env" ]] || "$OPEN137_LOCAL_DIR/rabbitmq.sh" stop || rc=1
    [[ ! -f "$STACK/postgres-ha/ha.env" ]] || "$OPEN137_LOCAL_DIR/postgres-ha.sh" stop || rc=1
    "$OPEN137_LOCAL_DIR/postgres.sh" stop || rc=1
    rm -f "$STACK_ENV"
    log "stopped in $((SECONDS - started)) s"
    return "$rc"
}

cmd_status() {
    local rc=0
    if cluster_mode; then
        "$OPEN137_LOCAL_DIR/rabbitmq-cluster.sh" status || rc=$?
    else
        "$OPEN137_LOCAL_DIR/rabbitmq.sh" status || rc=$?
    fi
    local database=postgres.sh
    [[ ! -f "$STACK/postgres-ha/ha.env" ]] || database=postgres-ha.sh
    "$OPEN137_LOCAL_DIR/$database" status || { local r=$?; (( rc != 0 )) || rc=$r; }
    return "$rc"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *) echo "usage: $0 {start|stop|status}" >&2; exit 2 ;;
esac
