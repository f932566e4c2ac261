#!/usr/bin/env bash
# A private RabbitMQ node (Debian's rabbitmq-server) on 127.0.0.1, with its data under
# $OPEN137_STACK_DIR/rabbitmq. Usage: infra/local/rabbitmq.sh {start|stop|status|ctl ARGS...}
# (`ctl` runs rabbitmqctl against this node, e.g. `infra/local/rabbitmq.sh ctl list_queues name messages`)
#
# Environment (all optional):
#   OPEN137_STACK_DIR                 stack directory (default .local/run, relative to the repo root)
#   OPEN137_AMQP_PORT                 AMQP listener (default 5682)
#   OPEN137_RABBITMQ_MGMT_PORT        management HTTP API (default AMQP port + 10000)
#   OPEN137_RABBITMQ_PROMETHEUS_PORT  Prometheus metrics (default AMQP port + 11000)
#   OPEN137_RABBITMQ_DIST_PORT        Erlang distribution (default AMQP port + 20000)
#   OPEN137_EPMD_PORT                 private epmd (default AMQP port + 21000)
#   OPEN137_RABBITMQ_PLUGINS          plugins to enable (default "rabbitmq_management rabbitmq_prometheus")
#   OPEN137_RABBITMQ_START_TIMEOUT    seconds to wait for the node (default 90)
# For one node of a cluster (infra/local/rabbitmq-cluster.sh sets these):
#   OPEN137_RABBITMQ_DIR              the node's directory (default $OPEN137_STACK_DIR/rabbitmq)
#   OPEN137_RABBITMQ_NODENAME         its Erlang node name, on its first start (default open137-<stack>@localhost)
#   OPEN137_RABBITMQ_HOME             HOME holding the Erlang cookie (default <node dir>/home): the nodes of
#                                     one cluster and their CLI share it
#   OPEN137_RABBITMQ_KEEP_EPMD=1      `stop` leaves the epmd running (the other nodes still use it)
# When a variable is unset, the value this stack directory last started with is reused.
set -euo pipefail
OPEN137_LOG_TAG="${OPEN137_RABBITMQ_LOG_TAG:-rabbitmq}"
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RMQ_BIN=/usr/lib/rabbitmq/bin
STACK="$(stack_dir)"
RMQ_DIR="${OPEN137_RABBITMQ_DIR:-$STACK/rabbitmq}"
[[ "$RMQ_DIR" == /* ]] || RMQ_DIR="$OPEN137_ROOT/$RMQ_DIR"
RMQ_HOME="${OPEN137_RABBITMQ_HOME:-$RMQ_DIR/home}"
NODE_ENV="$RMQ_DIR/node.env"
PID_FILE="$RMQ_DIR/rabbitmq.pid"

# Settings: explicit environment > what this stack last started with > defaults derived from the AMQP port.
# `load_settings saved` ignores the environment: for a node that runs already, what it runs with counts.
load_settings() {
    local SAVED_AMQP_PORT="" SAVED_MGMT_PORT="" SAVED_PROMETHEUS_PORT="" SAVED_DIST_PORT="" SAVED_EPMD_PORT="" \
          SAVED_NODENAME="" SAVED_PLUGINS=""
    read_env_file "$NODE_ENV" SAVED_
    local e_amqp="${OPEN137_AMQP_PORT:-}" e_mgmt="${OPEN137_RABBITMQ_MGMT_PORT:-}" \
          e_prom="${OPEN137_RABBITMQ_PROMETHEUS_PORT:-}" e_dist="${OPEN137_RABBITMQ_DIST_PORT:-}" \
          e_epmd="${OPEN137_EPMD_PORT:-}" e_plugins_set="${OPEN137_RABBITMQ_PLUGINS+set}"
    if [[ "${1:-}" == saved && -n "$SAVED_NODENAME" ]]; then
        e_amqp="" e_mgmt="" e_prom="" e_dist="" e_epmd="" e_plugins_set=""
    fi
    AMQP_PORT="${e_amqp:-${SAVED_AMQP_PORT:-5682}}"
    check_port OPEN137_AMQP_PORT "$AMQP_PORT"
    local same=""
    [[ "$AMQP_PORT" == "$SAVED_AMQP_PORT" ]] && same=1
    MGMT_PORT="${e_mgmt:-${same:+$SAVED_MGMT_PORT}}"
    MGMT_PORT="${MGMT_PORT:-$((AMQP_PORT + 10000))}"
    PROMETHEUS_PORT="${e_prom:-${same:+$SAVED_PROMETHEUS_PORT}}"
    PROMETHEUS_PORT="${PROMETHEUS_PORT:-$((AMQP_PORT + 11000))}"
    DIST_PORT="${e_dist:-${same:+$SAVED_DIST_PORT}}"
    DIST_PORT="${DIST_PORT:-$((AMQP_PORT + 20000))}"
    EPMD_PORT="${e_epmd:-${same:+$SAVED_EPMD_PORT}}"
    EPMD_PORT="${EPMD_PORT:-$((AMQP_PORT + 21000))}"
    check_port OPEN137_RABBITMQ_MGMT_PORT "$MGMT_PORT"
    check_port OPEN137_RABBITMQ_PROMETHEUS_PORT "$PROMETHEUS_PORT"
    check_port OPEN137_RABBITMQ_DIST_PORT "$DIST_PORT"
    check_port OPEN137_EPMD_PORT "$EPMD_PORT"
    if [[ -n "$e_plugins_set" ]]; then
        PLUGINS="$OPEN137_RABBITMQ_PLUGINS"
    elif [[ -n "$SAVED_NODENAME" ]]; then
        PLUGINS="${SAVED_PLUGINS//,/ }"
    else
        PLUGINS="rabbitmq_management rabbitmq_prometheus"
    fi
    # The node name is fixed per stack directory: the message store lives under it.
    if [[ -n "$SAVED_NODENAME" ]]; then
        NODENAME="$SAVED_NODENAME"
    elif [[ -n "${OPEN137_RABBITMQ_NODENAME:-}" ]]; then
        NODENAME="$OPEN137_RABBITMQ_NODENAME"
    else
        local base
        base="$(basename "$STACK" | tr -c 'A-Za-z0-9_-' '_')"
        NODENAME="open137-${base%_}@localhost"
    fi
}

save_settings() {
    local plugins_csv="${PLUGINS// /,}"
    write_env_file "$NODE_ENV" \
        "AMQP_PORT=$AMQP_PORT" "MGMT_PORT=$MGMT_PORT" "PROMETHEUS_PORT=$PROMETHEUS_PORT" \
        "DIST_PORT=$DIST_PORT" "EPMD_PORT=$EPMD_PORT" "NODENAME=$NODENAME" "PLUGINS=$plugins_csv"
}

has_plugin() { [[ " $PLUGINS " == *" $1 "* ]]; }

# The environment every rabbitmq-server / rabbitmqctl call of this node runs with.
export_node_env() {
    export PATH="$RMQ_BIN:$PATH"
    export HOME="$RMQ_HOME"                          # Erlang cookie shared by server and CLI (and a cluster's nodes)
    export RABBITMQ_NODENAME="$NODENAME"
    export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
    export RABBITMQ_NODE_PORT="$AMQP_PORT"
    export RABBITMQ_DIST_PORT="$DIST_PORT"
    export ERL_EPMD_ADDRESS=127.0.0.1
    export ERL_EPMD_PORT="$EPMD_PORT"
    export RABBITMQ_MNESIA_BASE="$RMQ_DIR/mnesia"
    export RABBITMQ_LOG_BASE="$RMQ_DIR/log"
    export RABBITMQ_PID_FILE="$PID_FILE"
    export RABBITMQ_CONFIG_FILE="$RMQ_DIR/rabbitmq.conf"
    export RABBITMQ_CONFIG_FILES="$RMQ_DIR/conf.d"   # keep /etc/rabbitmq/conf.d out
    export RABBITMQ_ADVANCED_CONFIG_FILE="$RMQ_DIR/advanced.config"
    export RABBITMQ_ENABLED_PLUGINS_FILE="$RMQ_DIR/enabled_plugins"
    export RABBITMQ_CONF_ENV_FILE=/dev/null
    # No scheduler busy-waiting: on a small machine shared with the services and PostgreSQL, spinning
    # Erlang schedulers take CPU the others need (RabbitMQ's own advice for shared hosts).
    export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1} +sbwt none +sbwtdcpu none +sbwtdio none"
    export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
    export ERL_CRASH_DUMP="$RMQ_DIR/log/erl_crash.dump"
}

write_node_files() {
    mkdir -p "$RMQ_HOME" "$RMQ_DIR/mnesia" "$RMQ_DIR/log" "$RMQ_DIR/conf.d"
    local cookie="$RMQ_HOME/.erlang.cookie"
    if [[ ! -s "$cookie" ]]; then
        # 32 letters from 16 random bytes (hex digits mapped onto A-P); no pipe is cut short.
        (umask 077; od -An -N16 -tx1 /dev/urandom | tr -d ' \n' | tr '0-9a-f' 'A-P' > "$cookie")
    fi
    chmod 400 "$cookie"
    {
        echo "# Written by infra/local/rabbitmq.sh on every start; edit the script, not this file."
        echo "listeners.tcp.default = 127.0.0.1:$AMQP_PORT"
        echo "loopback_users.guest = true"
        if has_plugin rabbitmq_management; then
            echo "management.tcp.ip = 127.0.0.1"
            echo "management.tcp.port = $MGMT_PORT"
            # Fresher queue counts in the HTTP API, and a shorter stop (the plugin waits one interval).
            echo "collect_statistics_interval = 1000"
        fi
        if has_plugin rabbitmq_prometheus; then
            echo "prometheus.tcp.ip = 127.0.0.1"
            echo "prometheus.tcp.port = $PROMETHEUS_PORT"
        fi
        echo "log.console = false"
        echo "log.file.level = info"
    } > "$RMQ_DIR/rabbitmq.conf"
    local list="${PLUGINS// /,}"
    echo "[${list}]." > "$RMQ_DIR/enabled_plugins"
}

ensure_installed() {
    local missing=()
    [[ -x "$RMQ_BIN/rabbitmq-server" ]] || missing+=(rabbitmq-server)
    deb_installed librabbitmq-dev || [[ -f /usr/include/amqp.h ]] || missing+=(librabbitmq-dev)
    apt_install "${missing[@]}"
    [[ -x "$RMQ_BIN/rabbitmq-server" ]] || die "$RMQ_BIN/rabbitmq-server not found after installing rabbitmq-server"
}

node_pid() { read_pid "$PID_FILE"; }

# node_alive PID — PID runs and is an Erlang VM (a stale pid file may name a reused pid).
node_alive() {
    pid_alive "$1" || return 1
    [[ ! -r "/proc/$1/comm" ]] || [[ "$(cat "/proc/$1/comm" 2>/dev/null)" == beam* ]]
}

# ping — true when the node answers the CLI.
ping() { rabbitmq-diagnostics -q ping --timeout 10 >/dev/null 2>&1; }

epmd_answers() { ERL_EPMD_PORT="$EPMD_PORT" epmd -names >/dev/null 2>&1; }

kill_epmd() {
    if epmd_answers; then
        ERL_EPMD_PORT="$EPMD_PORT" epmd -kill >/dev/null 2>&1 || log "warning: could not stop epmd on port $EPMD_PORT"
    fi
}

node_log() { echo "$RMQ_DIR/log/$NODENAME.log"; }

print_summary() {
    log "node $NODENAME (pid $(node_pid)) on amqp://127.0.0.1:$AMQP_PORT/"
    has_plugin rabbitmq_management && log "management http://127.0.0.1:$MGMT_PORT/ (guest/guest)"
    has_plugin rabbitmq_prometheus && log "prometheus http://127.0.0.1:$PROMETHEUS_PORT/metrics"
    log "data $RMQ_DIR"
}

cmd_start() {
    ensure_installed
    load_settings
    export_node_env
    mkdir -p "$RMQ_DIR"
    local started=$SECONDS pid
    pid="$(node_pid)"
    if node_alive "$pid"; then
        local wanted=$AMQP_PORT
        load_settings saved
        export_node_env
        [[ "$wanted" == "$AMQP_PORT" ]] || log "warning: already running on AMQP port $AMQP_PORT (not $wanted); reusing it"
        log "already running (pid $pid); waiting until it answers"
        if ! rabbitmqctl -q wait --timeout "${OPEN137_RABBITMQ_START_TIMEOUT:-90}" "$PID_FILE" >/dev/null 2>&1; then
            die "node pid $pid exists but does not answer; see $(node_log), or run '$0 stop'"
        fi
        print_summary
        return 0
    fi
    rm -f "$PID_FILE"

    require_free_port "$AMQP_PORT" OPEN137_AMQP_PORT "RabbitMQ AMQP"
    require_free_port "$DIST_PORT" OPEN137_RABBITMQ_DIST_PORT "RabbitMQ Erlang distribution"
    has_plugin rabbitmq_management && require_free_port "$MGMT_PORT" OPEN137_RABBITMQ_MGMT_PORT "RabbitMQ management"
    has_plugin rabbitmq_prometheus && require_free_port "$PROMETHEUS_PORT" OPEN137_RABBITMQ_PROMETHEUS_PORT "RabbitMQ Prometheus"
    if port_in_use "$EPMD_PORT"; then
        # Our own epmd left over from an interrupted stop is fine to reuse; anything else is not.
        epmd_answers || require_free_port "$EPMD_PORT" OPEN137_EPMD_PORT "private epmd"
        log "reusing the epmd already on port $EPMD_PORT"
    fi

    write_node_files
    save_settings
    log "starting node $NODENAME on 127.0.0.1:$AMQP_PORT (data $RMQ_DIR)"
    # Not `rabbitmq-server -detached`: run the server script in its own session as our child, so a node
    # that dies while booting is noticed at once (and its console output, the boot error, is kept).
    local out="$RMQ_DIR/log/startup.log"
    printf '\n=== start %s ===\n' "$(date -u +%FT%TZ)" >> "$out"
    (cd "$RMQ_DIR" && exec setsid rabbitmq-server >> "$out" 2>&1 < /dev/null) &
    local launcher=$!
    rabbitmqctl -q wait --timeout "${OPEN137_RABBITMQ_START_TIMEOUT:-90}" "$PID_FILE" >> "$out" 2>&1 &
    local waiter=$! rc=0
    while pid_alive "$waiter"; do
        if ! pid_alive "$launcher"; then
            kill "$waiter" 2>/dev/null || true
            rc=1
            break
        fi
        sleep 0.3
    done
    wait "$waiter" 2>/dev/null || rc=$?
    if (( rc != 0 )); then
        log "node did not start; last lines of $out:"
        tail -n 25 "$out" >&2 || true
        if pid_alive "$launcher"; then kill -TERM "$launcher" 2>/dev/null || true; fi
        die "RabbitMQ failed to start (node log: $(node_log))"
    fi
    log "ready in $((SECONDS - started)) s"
    print_summary
}

cmd_stop() {
    if [[ ! -f "$NODE_ENV" ]]; then
        log "nothing to stop (no node was started under $RMQ_DIR)"
        return 0
    fi
    load_settings saved
    export_node_env
    local started=$SECONDS pid
    pid="$(node_pid)"
    if node_alive "$pid"; then
        log "stopping node $NODENAME (pid $pid)"
        # `rabbitmqctl stop` asks for an orderly stop; we then wait on the pid ourselves, which (unlike
        # `rabbitmqctl stop <pidfile>`) also notices a zombie left behind when PID 1 does not reap.
        if ! timeout 60 rabbitmqctl -q stop >/dev/null 2>&1; then
            log "rabbitmqctl stop failed; sending SIGTERM to pid $pid"
            kill -TERM "$pid" 2>/dev/null || true
        fi
        if ! wait_pid_gone "$pid" 30; then
            log "node pid $pid still running after 30 s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            wait_pid_gone "$pid" 10 || die "could not stop pid $pid"
        fi
    else
        log "node is not running"
    fi
    rm -f "$PID_FILE"
    [[ "${OPEN137_RABBITMQ_KEEP_EPMD:-0}" != 0 ]] || kill_epmd
    log "stopped in $((SECONDS - started)) s"
}

cmd_status() {
    if [[ ! -f "$NODE_ENV" ]]; then
        log "not started (no node under $RMQ_DIR)"
        return 3
    fi
    load_settings saved
    export_node_env
    local pid
    pid="$(node_pid)"
    if node_alive "$pid" && ping; then
        print_summary
        return 0
    elif node_alive "$pid"; then
        log "pid $pid runs but the node does not answer (starting or stuck?)"
        return 1
    fi
    log "stopped"
    return 3
}

# ctl ARGS... — rabbitmqctl against this stack's node (e.g. `ctl list_queues name messages`).
cmd_ctl() {
    [[ -f "$NODE_ENV" ]] || die "no node was started under $RMQ_DIR"
    load_settings saved
    export_node_env
    exec rabbitmqctl "$@"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    ctl) shift; cmd_ctl "$@" ;;
    *) echo "usage: $0 {start|stop|status|ctl RABBITMQCTL-ARGS...}" >&2; exit 2 ;;
esac
