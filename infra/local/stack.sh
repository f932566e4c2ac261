#!/usr/bin/env bash
# The local stack: a private RabbitMQ node and a private PostgreSQL cluster on 127.0.0.1, under
# $OPEN137_STACK_DIR (default .local/run). Usage: infra/local/stack.sh {start|stop|status}
#
# `start` is idempotent and writes $OPEN137_STACK_DIR/stack.env (KEY=value lines, source-able) with
# AMQP_URL, DATABASE_URL, RABBITMQ_MANAGEMENT_URL, RABBITMQ_PROMETHEUS_URL, OPEN137_STACK_DIR and every
# OPEN137_*_PORT in use. Ports and other settings: see rabbitmq.sh and postgres.sh.
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

cmd_stop() {
    local started=$SECONDS rc=0
    "$OPEN137_LOCAL_DIR/rabbitmq.sh" stop || rc=1
    "$OPEN137_LOCAL_DIR/postgres.sh" stop || rc=1
    rm -f "$STACK_ENV"
    log "stopped in $((SECONDS - started)) s"
    return "$rc"
}

cmd_status() {
    local rc=0
    "$OPEN137_LOCAL_DIR/rabbitmq.sh" status || rc=$?
    "$OPEN137_LOCAL_DIR/postgres.sh" status || { local r=$?; (( rc != 0 )) || rc=$r; }
    return "$rc"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *) echo "usage: $0 {start|stop|status}" >&2; exit 2 ;;
esac
