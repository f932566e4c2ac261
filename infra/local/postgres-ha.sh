#!/usr/bin/env bash
# PostgreSQL that fails over, on 127.0.0.1 under $OPEN137_STACK_DIR/postgres-ha: two PostgreSQL 15 nodes in
# streaming replication managed by Patroni (Debian's patroni 3.0), one etcd member as Patroni's store
# (Debian's etcd-server 3.4), and HAProxy (Debian's haproxy 2.6) in front: its `primary` port follows the
# leader by Patroni's REST health check, and is the only address the services know (DATABASE_URL).
#
# Usage: infra/local/postgres-ha.sh COMMAND
#   start            install what is missing, start etcd, both Patroni nodes and HAProxy; wait for a leader and a
#                    synchronous standby; create the database `open137` with PostGIS through the proxy (idempotent)
#   stop             stop HAProxy, both nodes (Patroni stops its PostgreSQL), then etcd
#   status           each node's role and state (Patroni's /cluster), and whether the proxy answers
#   node-start N     start node N's Patroni again (it rejoins as a replica; pg_rewind when its timeline diverged)
#   node-kill N      the machine's loss: SIGKILL node N's Patroni, its postmaster and every child of it at once
#   leader           the number of the node that leads (Patroni's /cluster; empty when none)
#   members          "name role state timeline lag" lines, one a node (Patroni's /cluster)
#   env              KEY=value lines: DATABASE_URL (the proxy), each node's ports and REST URL
#   ctl ARGS...      patronictl against this cluster
#
# Environment (all optional):
#   OPEN137_STACK_DIR   stack directory (default .local/run)
#   OPEN137_PG_PORT     HAProxy's primary port, the one in DATABASE_URL (default 5661; when unset, the port this
#                       stack's pair last started with). Derived: node N's PostgreSQL on it + N (5662, 5663), its
#                       Patroni REST API on it + 3000 + N (8662, 8663), the replicas' port on it + 3 (5664), etcd's
#                       client and peer ports on it + 3003 and + 3004 (8664, 8665). make cluster uses 5621 (5622-5624,
#                       8622-8625), make chaos-cluster 5552 (5553-5555, 8553-8556)
#   OPEN137_PG_MAX_CONNECTIONS  max_connections (default 400, as the single server)
#   OPEN137_PG_HA_START_TIMEOUT seconds to wait for a leader and a synchronous standby (default 180)
#
# Settings (see README "Beyond one machine"): ttl 10 s, loop_wait 2 s, retry_timeout 4 s (a lost leader's key
# expires within 10 s and the standby takes it on its next 2-s loop: promotion in ~10-15 s); synchronous_mode
# on, synchronous_mode_strict off (with two nodes, strict would stop every write while either is down;
# non-strict keeps the city taking reports on the survivor, and Patroni still promotes only the synchronous
# standby, which has every acknowledged commit); synchronous_commit on; use_pg_rewind (the old primary rejoins
# as a replica; when rewinding fails its data is copied afresh). Authentication as the single server has it
# (postgres.sh): `postgres` trusted on loopback, every other role by SCRAM password; `replicator` streams.
# track_commit_timestamp is on so that make chaos-cluster can tell when the first transaction committed on the
# new primary (pg_xact_commit_timestamp), not when a row's own clock column says.
set -euo pipefail
OPEN137_LOG_TAG="postgres-ha"
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STACK="$(stack_dir)"
export OPEN137_STACK_DIR="$STACK"
HA_DIR="$STACK/postgres-ha"
HA_ENV="$HA_DIR/ha.env"
DATABASE=open137
NODES=(1 2)
PG_BIN=/usr/lib/postgresql/15/bin

load_settings() {
    local SAVED_PORT=""
    read_env_file "$HA_ENV" SAVED_
    if [[ "${1:-}" == saved && -n "$SAVED_PORT" ]]; then
        PORT="$SAVED_PORT"
    else
        PORT="${OPEN137_PG_PORT:-${SAVED_PORT:-5661}}"
    fi
    check_port OPEN137_PG_PORT "$PORT"
    check_port OPEN137_PG_PORT $((PORT + 3004))
    ETCD_CLIENT_PORT=$((PORT + 3003))
    ETCD_PEER_PORT=$((PORT + 3004))
    REPLICAS_PORT=$((PORT + 3))
    local base
    base="$(basename "$STACK" | tr -c 'A-Za-z0-9_-' '_')"
    SCOPE="open137-${base%_}"
}

pg_port() { echo $((PORT + $1)); }
rest_port() { echo $((PORT + 3000 + $1)); }
node_dir() { echo "$HA_DIR/n$1"; }
check_node() { [[ "$1" =~ ^[12]$ ]] || die "node must be 1 or 2 (got '$1')"; }

ensure_installed() {
    local missing=() package
    for package in patroni etcd-server haproxy; do deb_installed "$package" || missing+=("$package"); done
    [[ -x "$PG_BIN/initdb" ]] || missing+=(postgresql-15)
    [[ -f /usr/share/postgresql/15/extension/postgis.control ]] || missing+=(postgresql-15-postgis-3)
    command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
    apt_install "${missing[@]}"
    id -u postgres >/dev/null 2>&1 || die "user 'postgres' does not exist (install the postgresql package)"
}

# as_postgres CMD... — PostgreSQL and Patroni refuse to run as root: as root they run as `postgres`.
as_postgres() {
    if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" -U postgres "${@:2}"; }

# rest N PATH — node N's Patroni REST API (its body; fails when the node does not answer).
rest() { curl -fsS -m 3 "http://127.0.0.1:$(rest_port "$1")$2"; }

# cluster_json — Patroni's view of the cluster, from the first node that answers.
cluster_json() {
    local n
    for n in "${NODES[@]}"; do rest "$n" /cluster 2>/dev/null && return 0; done
    return 1
}

cmd_members() {
    cluster_json | python3 -c '
import json, sys
for m in json.load(sys.stdin).get("members", []):
    print(m.get("name"), m.get("role"), m.get("state"), m.get("timeline", "-"), m.get("lag", 0))
'
}

cmd_leader() { cmd_members 2>/dev/null | awk '$2 == "leader" && $3 == "running" { sub(/^n/, "", $1); print $1; exit }'; }

write_patroni_config() {
    local n=$1 dir
    dir="$(node_dir "$n")"
    as_postgres tee "$dir/patroni.yml" > /dev/null <<YAML
# Written by infra/local/postgres-ha.sh at every start; edits here are lost.
scope: $SCOPE
namespace: /open137/
name: n$n
log:
  level: INFO
restapi:
  listen: 127.0.0.1:$(rest_port "$n")
  connect_address: 127.0.0.1:$(rest_port "$n")
etcd3:
  hosts: 127.0.0.1:$ETCD_CLIENT_PORT
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 2
    retry_timeout: 4
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    synchronous_mode_strict: false
    postgresql:
      use_pg_rewind: true
      use_slots: true
      remove_data_directory_on_rewind_failure: true
      parameters:
        max_connections: ${OPEN137_PG_MAX_CONNECTIONS:-400}
        synchronous_commit: "on"
        wal_level: replica
        wal_log_hints: "on"
        hot_standby: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 256MB
        random_page_cost: 1.1
        track_commit_timestamp: "on"
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
    - auth: trust
postgresql:
  listen: 127.0.0.1:$(pg_port "$n")
  connect_address: 127.0.0.1:$(pg_port "$n")
  data_dir: $dir/data
  bin_dir: $PG_BIN
  pgpass: $dir/pgpass
  authentication:
    superuser:
      username: postgres
    replication:
      username: replicator
    rewind:
      username: postgres
  parameters:
    unix_socket_directories: '$dir'
  pg_hba:
    - local   all          postgres                   trust
    - host    all          postgres   127.0.0.1/32    trust
    - local   replication  replicator                 trust
    - host    replication  replicator 127.0.0.1/32    trust
    - local   all          all                        scram-sha-256
    - host    all          all        127.0.0.1/32    scram-sha-256
YAML
}

write_haproxy_config() {
    tee "$HA_DIR/haproxy.cfg" > /dev/null <<CFG
# Written by infra/local/postgres-ha.sh at every start; edits here are lost.
# The primary port goes to the node whose Patroni answers OPTIONS /primary with 200 (the leader, running);
# a node marked down (2 failed checks, 1 s apart) has its sessions cut, so no client stays on a demoted node.
global
    maxconn 4000
defaults
    mode tcp
    timeout connect 2s
    timeout client 2h
    timeout server 2h
    timeout check 1s
listen primary
    bind 127.0.0.1:$PORT
    option httpchk OPTIONS /primary
    http-check expect status 200
    default-server inter 1s fall 2 rise 2 on-marked-down shutdown-sessions
    server n1 127.0.0.1:$(pg_port 1) check port $(rest_port 1)
    server n2 127.0.0.1:$(pg_port 2) check port $(rest_port 2)
listen replicas
    bind 127.0.0.1:$REPLICAS_PORT
    option httpchk OPTIONS /replica
    http-check expect status 200
    default-server inter 1s fall 2 rise 2 on-marked-down shutdown-sessions
    server n1 127.0.0.1:$(pg_port 1) check port $(rest_port 1)
    server n2 127.0.0.1:$(pg_port 2) check port $(rest_port 2)
CFG
}

start_etcd() {
    local pid
    pid="$(read_pid "$HA_DIR/etcd.pid")"
    if pid_alive "$pid"; then return 0; fi
    require_free_port "$ETCD_CLIENT_PORT" OPEN137_PG_PORT "etcd's client port (the proxy's port + 3003)"
    require_free_port "$ETCD_PEER_PORT" OPEN137_PG_PORT "etcd's peer port (the proxy's port + 3004)"
    mkdir -p "$HA_DIR/etcd"
    chmod 700 "$HA_DIR/etcd"
    setsid etcd --name e1 --data-dir "$HA_DIR/etcd/data" \
        --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
        --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
        --initial-cluster "e1=http://127.0.0.1:$ETCD_PEER_PORT" --initial-cluster-state new --initial-cluster-token "$SCOPE" \
        >> "$HA_DIR/etcd/etcd.log" 2>&1 < /dev/null &
    echo $! > "$HA_DIR/etcd.pid"
    local deadline=$((SECONDS + 30))
    until curl -fsS -m 2 "http://127.0.0.1:$ETCD_CLIENT_PORT/health" 2>/dev/null | grep -q '"health":"true"'; do
        pid_alive "$(read_pid "$HA_DIR/etcd.pid")" || { tail -n 20 "$HA_DIR/etcd/etcd.log" >&2; die "etcd exited (see $HA_DIR/etcd/etcd.log)"; }
        (( SECONDS < deadline )) || die "etcd did not become healthy in 30 s (see $HA_DIR/etcd/etcd.log)"
        sleep 0.3
    done
}

# patroni_pid N — the pid of node N's Patroni when it runs (checked against its command line), else empty.
patroni_pid() {
    local pid
    pid="$(read_pid "$(node_dir "$1")/patroni.pid")"
    if pid_alive "$pid" && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "patroni.*$(node_dir "$1")/patroni.yml"; then
        echo "$pid"
    fi
}

# descendant_named PID NAME — the first process below PID (or PID itself) whose command is NAME.
descendant_named() {
    local pid=$1 child
    [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" != "$2" ]] || { echo "$pid"; return; }
    for child in $(pgrep -P "$pid" 2>/dev/null || true); do
        descendant_named "$child" "$2"
    done | head -n1
}

start_node() {
    local n=$1 dir
    dir="$(node_dir "$n")"
    [[ -z "$(patroni_pid "$n")" ]] || return 0
    require_free_port "$(pg_port "$n")" OPEN137_PG_PORT "node $n's PostgreSQL (the proxy's port + $n)"
    require_free_port "$(rest_port "$n")" OPEN137_PG_PORT "node $n's Patroni REST API (the proxy's port + 300$n)"
    write_patroni_config "$n"
    # Patroni runs in the foreground; it is put in its own session in the background, its pid recorded.
    as_postgres setsid patroni "$dir/patroni.yml" >> "$dir/patroni.log" 2>&1 < /dev/null &
    local pid=$! found=""
    # The recorded pid must be Patroni's own, not that of the shell or runuser between (looked up below them).
    for _ in $(seq 50); do
        found="$(descendant_named "$pid" patroni)"
        [[ -z "$found" ]] || break
        sleep 0.1
    done
    [[ -n "$found" ]] || die "node $n's Patroni did not start (see $dir/patroni.log)"
    echo "$found" > "$dir/patroni.pid"
}

start_haproxy() {
    local pid
    pid="$(read_pid "$HA_DIR/haproxy.pid")"
    if pid_alive "$pid"; then return 0; fi
    require_free_port "$PORT" OPEN137_PG_PORT "HAProxy's primary port (DATABASE_URL)"
    require_free_port "$REPLICAS_PORT" OPEN137_PG_PORT "HAProxy's replicas port (the proxy's port + 3)"
    write_haproxy_config
    haproxy -c -q -f "$HA_DIR/haproxy.cfg" || die "HAProxy refused $HA_DIR/haproxy.cfg"
    haproxy -D -f "$HA_DIR/haproxy.cfg" -p "$HA_DIR/haproxy.pid" >> "$HA_DIR/haproxy.log" 2>&1 \
        || die "HAProxy did not start (see $HA_DIR/haproxy.log)"
}

# wait_ready TIMEOUT — a leader running and the other node its synchronous standby, streaming.
wait_ready() {
    local deadline=$((SECONDS + $1)) members=""
    while (( SECONDS < deadline )); do
        members="$(cmd_members 2>/dev/null || true)"
        if grep -q ' leader running ' <<< "$members" && grep -Eq ' sync_standby (streaming|running) ' <<< "$members"; then
            return 0
        fi
        sleep 1
    done
    log "members: $(tr '\n' ';' <<< "$members")"
    return 1
}

ensure_database() {
    local exists deadline=$((SECONDS + 30))
    # HAProxy marks the leader up after two checks (1 s apart).
    until psql_admin "$PORT" -d postgres -tAc 'SELECT 1' >/dev/null 2>&1; do
        (( SECONDS < deadline )) || die "nothing answers through HAProxy on 127.0.0.1:$PORT"
        sleep 0.5
    done
    exists="$(psql_admin "$PORT" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")"
    if [[ "$exists" != 1 ]]; then
        psql_admin "$PORT" -d postgres -c "CREATE DATABASE $DATABASE" >/dev/null
        log "created database $DATABASE"
    fi
    psql_admin "$PORT" -d "$DATABASE" -c "CREATE EXTENSION IF NOT EXISTS postgis WITH SCHEMA public" >/dev/null
}

cmd_start() {
    ensure_installed
    load_settings
    local started=$SECONDS n
    mkdir -p "$HA_DIR"
    write_env_file "$HA_ENV" "PORT=$PORT"
    start_etcd
    for n in "${NODES[@]}"; do
        mkdir -p "$(node_dir "$n")"
        if [[ $EUID -eq 0 ]]; then chown postgres: "$(node_dir "$n")"; fi
        chmod 700 "$(node_dir "$n")"
    done
    # Node 1 first, so that it bootstraps (initdb) and node 2 copies it (pg_basebackup), not a race for the key.
    start_node 1
    local deadline=$((SECONDS + ${OPEN137_PG_HA_START_TIMEOUT:-180}))
    until cmd_members 2>/dev/null | grep -q ' leader running '; do
        [[ -n "$(patroni_pid 1)" ]] || { tail -n 20 "$(node_dir 1)/patroni.log" >&2; die "node 1's Patroni exited (see $(node_dir 1)/patroni.log)"; }
        (( SECONDS < deadline )) || die "no leader within ${OPEN137_PG_HA_START_TIMEOUT:-180} s (see $(node_dir 1)/patroni.log)"
        sleep 1
    done
    start_node 2
    start_haproxy
    wait_ready $((deadline - SECONDS > 10 ? deadline - SECONDS : 10)) \
        || die "no leader with a synchronous standby within ${OPEN137_PG_HA_START_TIMEOUT:-180} s (see $HA_DIR/n*/patroni.log)"
    ensure_database
    log "a leader and a synchronous standby, ready in $((SECONDS - started)) s"
    print_summary
}

print_summary() {
    local line
    while read -r line; do log "member $line"; done < <(cmd_members 2>/dev/null || true)
    log "DATABASE_URL=postgres://postgres@127.0.0.1:$PORT/$DATABASE (HAProxy → the leader); replicas on $REPLICAS_PORT; data $HA_DIR"
}

# stop_pid PID WHAT SECONDS — SIGTERM, wait, SIGKILL what is left.
stop_pid() {
    local pid=$1
    pid_alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_pid_gone "$pid" "$3"; then
        log "warning: $2 (pid $pid) did not stop in $3 s; SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        wait_pid_gone "$pid" 5 || true
    fi
}

cmd_stop() {
    if [[ ! -f "$HA_ENV" ]]; then
        log "nothing to stop (no PostgreSQL pair under $HA_DIR)"
        return 0
    fi
    load_settings saved
    local started=$SECONDS n
    stop_pid "$(read_pid "$HA_DIR/haproxy.pid")" HAProxy 10
    # The replica first, so that the leader does not wait for it, nor it fail over.
    local leader
    leader="$(cmd_leader || true)"
    for n in 2 1; do
        [[ "$n" != "$leader" ]] || continue
        stop_pid "$(patroni_pid "$n")" "node $n's Patroni" 60
    done
    [[ -z "$leader" ]] || stop_pid "$(patroni_pid "$leader")" "node $leader's Patroni" 60
    # A postmaster left by a killed Patroni.
    for n in "${NODES[@]}"; do
        local pm
        pm="$(read_pid "$(node_dir "$n")/data/postmaster.pid")"
        if pid_alive "$pm" && [[ "$(cat "/proc/$pm/comm" 2>/dev/null)" == postgres* ]]; then
            as_postgres "$PG_BIN/pg_ctl" -D "$(node_dir "$n")/data" -m fast -w -t 30 stop >/dev/null 2>&1 || kill -KILL "$pm" 2>/dev/null || true
        fi
    done
    stop_pid "$(read_pid "$HA_DIR/etcd.pid")" etcd 10
    log "stopped in $((SECONDS - started)) s"
}

cmd_status() {
    [[ -f "$HA_ENV" ]] || { log "not started (no PostgreSQL pair under $HA_DIR)"; return 3; }
    load_settings saved
    local members rc=0
    members="$(cmd_members 2>/dev/null || true)"
    [[ -n "$members" ]] || { log "no Patroni node answers"; return 1; }
    while read -r line; do log "member $line"; done <<< "$members"
    if psql_admin "$PORT" -d "$DATABASE" -tAc 'SELECT 1' >/dev/null 2>&1; then
        log "the proxy on $PORT reaches the leader"
    else
        log "the proxy on $PORT does not reach a leader"; rc=1
    fi
    return "$rc"
}

# cmd_node_kill N — everything of node N at once with SIGKILL, as if its machine were gone: Patroni (no goodbye to
# etcd: its leader key expires after the ttl), the postmaster and every process it started.
cmd_node_kill() {
    load_settings saved
    local n=$1 patroni postmaster pids=()
    patroni="$(patroni_pid "$n")"
    postmaster="$(read_pid "$(node_dir "$n")/data/postmaster.pid")"
    [[ -n "$patroni" ]] && pids+=("$patroni")
    if pid_alive "$postmaster" && [[ "$(cat "/proc/$postmaster/comm" 2>/dev/null)" == postgres* ]]; then
        pids+=("$postmaster")
        mapfile -t -O "${#pids[@]}" pids < <(pgrep -P "$postmaster" || true)
    fi
    (( ${#pids[@]} > 0 )) || die "node $n is not running"
    kill -KILL "${pids[@]}" 2>/dev/null || true
    local pid
    for pid in "${pids[@]}"; do wait_pid_gone "$pid" 10 || die "pid $pid of node $n survived SIGKILL"; done
    log "node n$n killed: Patroni ${patroni:-none}, postmaster ${postmaster:-none} and $(( ${#pids[@]} - 2 )) server processes"
}

cmd_env() {
    load_settings saved
    local n
    echo "DATABASE_URL=postgres://postgres@127.0.0.1:$PORT/$DATABASE"
    echo "OPEN137_PG_PORT=$PORT"
    echo "PG_REPLICAS_URL=postgres://postgres@127.0.0.1:$REPLICAS_PORT/$DATABASE"
    for n in "${NODES[@]}"; do
        echo "PG_NODE${n}_PORT=$(pg_port "$n")"
        echo "PG_NODE${n}_PATRONI_URL=http://127.0.0.1:$(rest_port "$n")/"
    done
    echo "PG_ETCD_URL=http://127.0.0.1:$ETCD_CLIENT_PORT/"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    node-start) check_node "${2:-}"; load_settings saved; start_node "$2"; log "node n$2's Patroni started (pid $(patroni_pid "$2"))" ;;
    node-kill) check_node "${2:-}"; cmd_node_kill "$2" ;;
    leader) load_settings saved; cmd_leader ;;
    members) load_settings saved; cmd_members ;;
    env) cmd_env ;;
    ctl) load_settings saved; shift; as_postgres patronictl -c "$(node_dir 1)/patroni.yml" "$@" ;;
    *) echo "usage: $0 {start|stop|status|node-start N|node-kill N|leader|members|env|ctl ARGS...}" >&2; exit 2 ;;
esac
