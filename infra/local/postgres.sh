#!/usr/bin/env bash
# A private PostgreSQL cluster (Debian's postgresql, version 15 preferred) on 127.0.0.1, with its data
# under $OPEN137_STACK_DIR/postgres, trust authentication for user `postgres` (every other role needs its
# password), and a database `open137` with the PostGIS extension (Debian's postgresql-15-postgis-3,
# installed when missing).
# Usage: infra/local/postgres.sh {start|stop [fast|immediate]|status}   (`stop immediate`: pg_ctl's crash-like stop,
# no checkpoint — what make chaos does to the database once; the next start recovers from the WAL)
#
# Environment (all optional):
#   OPEN137_STACK_DIR  stack directory (default .local/run, relative to the repo root)
#   OPEN137_PG_PORT    port (default 5442; when unset, the port this stack last started with)
#   OPEN137_PG_BIN     PostgreSQL bin directory (default /usr/lib/postgresql/15/bin, else the newest installed)
#   OPEN137_PG_MAX_CONNECTIONS  max_connections (default 400: every service copy pools up to 20 connections,
#                      and WORKERS=2 with a load generator passed PostgreSQL's default of 100)
#
# random_page_cost is 1.1 (the usual value when the data is in memory or on SSD, as here): with the
# default 4 the planner joined a batch of 10–256 events to intake's reports by scanning the whole table
# while it held fewer than ~10,000 rows (2.8 ms per batch at 4,700 rows) instead of probing the key.
set -euo pipefail
OPEN137_LOG_TAG="postgres"
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STACK="$(stack_dir)"
PG_DIR="$STACK/postgres"          # owned by the server's user; holds the socket and the log
DATA="$PG_DIR/data"
SERVER_ENV="$PG_DIR/server.env"
PG_LOG="$PG_DIR/postgres.log"
DATABASE=open137

find_pg_bin() {
    if [[ -n "${OPEN137_PG_BIN:-}" ]]; then
        echo "$OPEN137_PG_BIN"
    elif [[ -x /usr/lib/postgresql/15/bin/initdb ]]; then
        echo /usr/lib/postgresql/15/bin
    else
        local dir
        dir="$(printf '%s\n' /usr/lib/postgresql/*/bin | grep -v '\*' | sort -V | tail -n1 || true)"
        echo "${dir:-/usr/lib/postgresql/15/bin}"
    fi
}

ensure_installed() {
    PG_BIN="$(find_pg_bin)"
    if [[ ! -x "$PG_BIN/initdb" ]]; then
        apt_install postgresql
        PG_BIN="$(find_pg_bin)"
    fi
    [[ -x "$PG_BIN/initdb" && -x "$PG_BIN/pg_ctl" ]] || die "PostgreSQL not found in $PG_BIN (set OPEN137_PG_BIN)"
    command -v psql >/dev/null 2>&1 || [[ -x "$PG_BIN/psql" ]] || apt_install postgresql-client
    ensure_postgis
}

# ensure_postgis — PostGIS for the server's major version (Debian's postgresql-<major>-postgis-3): intake's
# nearby search keeps report locations as geography with a GiST index. Installed here, beside the server;
# the extension itself is created in the database by the administrator (ensure_database), since the
# services' roles are not superusers.
ensure_postgis() {
    local major
    major="$(basename "$(dirname "$PG_BIN")")"
    [[ -f "/usr/share/postgresql/$major/extension/postgis.control" ]] || apt_install "postgresql-$major-postgis-3"
    [[ -f "/usr/share/postgresql/$major/extension/postgis.control" ]] \
        || die "PostGIS for PostgreSQL $major not found (install postgresql-$major-postgis-3)"
}

# The server refuses to run as root: as root we run it as the `postgres` user; otherwise as ourselves.
SERVER_USER=""
as_server() {
    if [[ $EUID -eq 0 ]]; then
        runuser -u "$SERVER_USER" -- "$@"
    else
        "$@"
    fi
}

pick_user() {
    if [[ $EUID -eq 0 ]]; then
        SERVER_USER=postgres
        id -u postgres >/dev/null 2>&1 || die "user 'postgres' does not exist (install the postgresql package)"
    else
        SERVER_USER="$(id -un)"
    fi
}

load_settings() {
    local SAVED_PORT=""
    read_env_file "$SERVER_ENV" SAVED_
    PORT="${OPEN137_PG_PORT:-${SAVED_PORT:-5442}}"
    check_port OPEN137_PG_PORT "$PORT"
}

# The port the running server really uses (line 4 of postmaster.pid), or empty.
running_port() { if [[ -f "$DATA/postmaster.pid" ]]; then sed -n 4p "$DATA/postmaster.pid" | tr -dc '0-9'; fi; }

is_running() {
    [[ -f "$DATA/PG_VERSION" ]] || return 1
    local pid
    pid="$(read_pid "$DATA/postmaster.pid")"
    pid_alive "$pid" && as_server "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

psql_cmd() {
    local psql=psql
    command -v psql >/dev/null 2>&1 || psql="$PG_BIN/psql"
    "$psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" -U postgres "${@:2}"
}

ensure_database() {
    local port=$1 exists
    exists="$(psql_cmd "$port" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")"
    if [[ "$exists" != 1 ]]; then
        psql_cmd "$port" -d postgres -c "CREATE DATABASE $DATABASE" >/dev/null
        log "created database $DATABASE"
    fi
    # Only a superuser may create PostGIS (it is not a trusted extension); in `public`, which every role
    # may use, so the services' own roles need no grant to call its functions and types.
    psql_cmd "$port" -d "$DATABASE" -c "CREATE EXTENSION IF NOT EXISTS postgis WITH SCHEMA public" >/dev/null
}

print_summary() {
    local port=$1
    log "server pid $(read_pid "$DATA/postmaster.pid") on postgres://postgres@127.0.0.1:$port/$DATABASE"
    log "data $DATA (log $PG_LOG)"
}

cmd_start() {
    ensure_installed
    pick_user
    load_settings
    local started=$SECONDS
    mkdir -p "$PG_DIR"
    if [[ $EUID -eq 0 ]]; then
        chown "$SERVER_USER:" "$PG_DIR"
    fi
    chmod 700 "$PG_DIR"

    if is_running; then
        local port
        port="$(running_port)"
        [[ "$port" == "$PORT" ]] || log "warning: already running on port $port (not $PORT); reusing it"
        log "already running"
        ensure_database "$port"
        print_summary "$port"
        return 0
    fi

    if [[ ! -f "$DATA/PG_VERSION" ]]; then
        log "initdb $DATA"
        rm -rf "$DATA"
        as_server "$PG_BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
            > "$PG_DIR/initdb.log" 2>&1 \
            || { tail -n 20 "$PG_DIR/initdb.log" >&2; die "initdb failed; see $PG_DIR/initdb.log"; }
    fi

    require_free_port "$PORT" OPEN137_PG_PORT "PostgreSQL"
    write_hba
    write_env_file "$SERVER_ENV" "PORT=$PORT"
    log "starting on 127.0.0.1:$PORT (data $DATA)"
    if ! as_server "$PG_BIN/pg_ctl" -D "$DATA" -l "$PG_LOG" -w -t 60 \
        -o "-p $PORT -c listen_addresses=127.0.0.1 -k $PG_DIR -c max_connections=${OPEN137_PG_MAX_CONNECTIONS:-400} -c random_page_cost=1.1" start >/dev/null; then
        tail -n 20 "$PG_LOG" >&2 || true
        die "PostgreSQL failed to start; see $PG_LOG"
    fi
    ensure_database "$PORT"
    log "ready in $((SECONDS - started)) s"
    print_summary "$PORT"
}

# write_hba — client authentication, rewritten at every start (an older cluster trusted everyone): the
# administrator `postgres` logs in without a password, as the local stack always allowed; every other
# role — the services' own, made by `open137 services provision` — must give its password (SCRAM).
write_hba() {
    as_server tee "$DATA/pg_hba.conf" > /dev/null <<'HBA'
# Written by infra/local/postgres.sh at every start; edits here are lost.
local   all          postgres                    trust
host    all          postgres   127.0.0.1/32     trust
local   replication  postgres                    trust
host    replication  postgres   127.0.0.1/32     trust
local   all          all                         scram-sha-256
host    all          all        127.0.0.1/32     scram-sha-256
HBA
}

cmd_stop() {
    if [[ ! -f "$DATA/PG_VERSION" ]]; then
        log "nothing to stop (no cluster under $PG_DIR)"
        return 0
    fi
    ensure_installed
    pick_user
    local started=$SECONDS
    if is_running; then
        local mode=${1:-fast}
        [[ "$mode" == fast || "$mode" == immediate ]] || die "stop mode $mode: fast or immediate"
        log "stopping server pid $(read_pid "$DATA/postmaster.pid") (-m $mode)"
        as_server "$PG_BIN/pg_ctl" -D "$DATA" -m "$mode" -w -t 60 stop >/dev/null \
            || die "pg_ctl stop failed; see $PG_LOG"
    else
        log "server is not running"
    fi
    log "stopped in $((SECONDS - started)) s"
}

cmd_status() {
    if [[ ! -f "$DATA/PG_VERSION" ]]; then
        log "not started (no cluster under $PG_DIR)"
        return 3
    fi
    ensure_installed
    pick_user
    if is_running; then
        local port
        port="$(running_port)"
        if psql_cmd "$port" -d "$DATABASE" -tAc 'SELECT 1' >/dev/null 2>&1; then
            print_summary "$port"
            return 0
        fi
        log "server runs but does not answer on port $port"
        return 1
    fi
    log "stopped"
    return 3
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop "${2:-fast}" ;;
    status) cmd_status ;;
    *) echo "usage: $0 {start|stop [fast|immediate]|status}" >&2; exit 2 ;;
esac
