#!/usr/bin/env bash
# `make run`: set everything up on this machine and run the five services and the units' desk until Ctrl-C.
#   infra/local/run.sh [start]   stack, release build, migrations, topology, services; waits; Ctrl-C stops all
#   infra/local/run.sh stop      stops a running `make run` (its services, then its stack)
#
# Environment (all optional):
#   WORKERS=N                  copies of classifier, router, notifier and council-audit (default 1)
#   LOG_LEVEL                  passed to every service (default info)
#   INTAKE_PORT, COUNCIL_PORT  public HTTP ports of intake and council-audit (default 8137, 8138)
#   DESK_PORT                  the units' desk (default 8139)
#   OPEN137_DESK=0             leave the desk out (make chaos and make bench: their load generator reads the
#                              unit queues itself, as the departments would, and the desk would take its messages)
#   OPEN137_OPS_BASE_PORT      ops ports are base+1..base+6 (default 9100), copy i adds 10*i
#   OPEN137_STOP_TIMEOUT       seconds a service gets to stop after SIGTERM (default 20)
#   OPEN137_BIN_DIR            binaries to run as they are, without building (default: swift build -c release,
#                              then .build/release)
#   OPEN137_RESTART=1          supervise: a service that exits (or is killed) is restarted with the same
#                              environment after a short backoff (1 s, doubling while it keeps dying young,
#                              at most 16 s), and the restart is logged; default: any exit stops everything
#   OPEN137_CLIENT_ENV         where to write the clients' env file (default .local/stack.env; a second
#                              pipeline, such as make chaos, writes its own so make run's stays true)
#   OPEN137_STACK_DIR, OPEN137_AMQP_PORT, OPEN137_PG_PORT, ...  see stack.sh (default .local/run)
# Files: .local/run/keys.env (development keys, made once), .local/run/logs/<service>.log,
#        .local/stack.env (URLs and keys for clients), .local/run/pids/ (what `stop` stops),
#        .local/run/stack.env (the stack's administrator URLs and, after `open137 services provision`,
#        each service's own <SERVICE>_DATABASE_URL and <SERVICE>_AMQP_URL; mode 0600),
#        .local/run/units.env (each unit's broker user and password, kept: the desk logs in as them; 0600).
#
# The administrator (postgres, guest) is used only by the set-up steps: open137 services provision (each
# service's own database role and broker user, new random passwords at every start), migrate, topology
# declare. Each service runs with its own URLs as DATABASE_URL and AMQP_URL.
set -euo pipefail
OPEN137_LOG_TAG="run"
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$OPEN137_ROOT"

export OPEN137_STACK_DIR="${OPEN137_STACK_DIR:-.local/run}"
STACK="$(stack_dir)"
RUN_PID_FILE="$STACK/run.pid"
PID_DIR="$STACK/pids"
LOG_DIR="$STACK/logs"
KEYS_ENV="$STACK/keys.env"
CLIENT_ENV="${OPEN137_CLIENT_ENV:-.local/stack.env}"
[[ "$CLIENT_ENV" == /* ]] || CLIENT_ENV="$OPEN137_ROOT/$CLIENT_ENV"
BIN="${OPEN137_BIN_DIR:-$OPEN137_ROOT/.build/release}"
# Binaries named by the caller are theirs to build (make test and make chaos point at their own build).
BUILD_RELEASE=""; [[ -n "${OPEN137_BIN_DIR:-}" ]] || BUILD_RELEASE=1
RESTART=""; [[ "${OPEN137_RESTART:-0}" == 0 ]] || RESTART=1
STOP_TIMEOUT="${OPEN137_STOP_TIMEOUT:-20}"

SERVICES=(intake classifier router notifier council-audit)
DESK=1; [[ "${OPEN137_DESK:-1}" != 0 ]] || DESK=""
[[ -z "$DESK" ]] || SERVICES+=(desk)
# Services that run WORKERS copies; intake runs once (it owns the public port).
SCALED=" classifier router notifier council-audit "

# ---------------------------------------------------------------------------------------------------
# stop: used by `make stop`, and by the trap below.

# stop_services [verify|trust] — SIGTERM every service we recorded, wait, then SIGKILL what is left.
# `verify` (for pids recorded by another run) only signals processes running this checkout's binaries.
stop_services() {
    local mode=${1:-verify}
    [[ -d "$PID_DIR" ]] || return 0
    local file pid pids=() names=()
    for file in "$PID_DIR"/*.pid; do
        [[ -e "$file" ]] || continue
        pid="$(read_pid "$file")"
        if pid_alive "$pid" && { [[ "$mode" == trust ]] || is_our_service "$pid"; }; then
            kill -TERM "$pid" 2>/dev/null || true
            pids+=("$pid"); names+=("$(basename "$file" .pid)")
        fi
    done
    if (( ${#pids[@]} > 0 )); then
        log "stopping ${names[*]} (SIGTERM, up to ${STOP_TIMEOUT} s)"
    fi
    local deadline=$((SECONDS + STOP_TIMEOUT)) i
    for i in "${!pids[@]}"; do
        while pid_alive "${pids[$i]}" && (( SECONDS < deadline )); do
            sleep 0.2
        done
        if pid_alive "${pids[$i]}"; then
            log "warning: ${names[$i]} (pid ${pids[$i]}) did not stop in ${STOP_TIMEOUT} s; sending SIGKILL"
            kill -KILL "${pids[$i]}" 2>/dev/null || true
        fi
        # Reap our own children (a no-op for pids of another run).
        wait "${pids[$i]}" 2>/dev/null || true
    done
    rm -f "$PID_DIR"/*.pid
}

# is_our_service PID — the process runs one of the binaries in $BIN (judged by its command line).
is_our_service() {
    local cmdline
    [[ -r "/proc/$1/cmdline" ]] || return 0   # no /proc: trust the pid file
    cmdline="$(tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null || true)"
    [[ "$cmdline" == *"$BIN/"* ]]
}

# is_run_process PID — PID is a running `run.sh` (a stale pid file may name a reused pid).
is_run_process() {
    pid_alive "$1" && [[ "$1" != "$$" ]] || return 1
    [[ -r "/proc/$1/cmdline" ]] || return 0
    [[ "$(tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null)" == *run.sh* ]]
}

cmd_stop() {
    local pid
    pid="$(read_pid "$RUN_PID_FILE")"
    if is_run_process "$pid"; then
        log "asking make run (pid $pid) to stop"
        kill -TERM "$pid" 2>/dev/null || true
        if wait_pid_gone "$pid" $((STOP_TIMEOUT + 60)); then
            return 0
        fi
        log "warning: make run (pid $pid) did not finish; stopping its services and stack directly"
    fi
    stop_services
    "$OPEN137_LOCAL_DIR/stack.sh" stop
    rm -f "$RUN_PID_FILE"
}

# ---------------------------------------------------------------------------------------------------
# start

check_int() {
    if ! [[ "$2" =~ ^[0-9]+$ ]] || (( $2 < ${3:-0} )); then die "$1=$2 must be an integer >= ${3:-0}"; fi
}

random_key() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }

ops_port() {  # ops_port SERVICE COPY
    local base=$OPS_BASE
    case "$1" in
        intake) base=$((OPS_BASE + 1)) ;;
        classifier) base=$((OPS_BASE + 2)) ;;
        router) base=$((OPS_BASE + 3)) ;;
        notifier) base=$((OPS_BASE + 4)) ;;
        council-audit) base=$((OPS_BASE + 5)) ;;
        desk) base=$((OPS_BASE + 6)) ;;
    esac
    echo $((base + 10 * $2))
}

copies_of() { if [[ "$SCALED" == *" $1 "* ]]; then echo "$WORKERS"; else echo 1; fi; }

instance_name() { if (( $2 == 0 )); then echo "$1"; else echo "$1-$(($2 + 1))"; fi; }

# Service ports are checked before the (long) build, so a clash fails fast and names its variable.
check_service_ports() {
    require_free_port "$INTAKE_PORT" INTAKE_PORT "intake HTTP"
    require_free_port "$COUNCIL_PORT" COUNCIL_PORT "council-audit HTTP"
    [[ -z "$DESK" ]] || require_free_port "$DESK_PORT" DESK_PORT "desk HTTP"
    local name i port
    for name in "${SERVICES[@]}"; do
        for ((i = 0; i < $(copies_of "$name"); i++)); do
            port="$(ops_port "$name" "$i")"
            check_port OPEN137_OPS_BASE_PORT "$port"
            require_free_port "$port" OPEN137_OPS_BASE_PORT "ops port of $(instance_name "$name" "$i")"
            if [[ "$name" == council-audit ]] && (( i > 0 )); then
                require_free_port $((COUNCIL_PORT + 10 * i)) COUNCIL_PORT "HTTP port of $(instance_name "$name" "$i")"
            fi
        done
    done
}

ensure_keys() {
    if [[ ! -s "$KEYS_ENV" ]]; then
        (umask 077; write_env_file "$KEYS_ENV" \
            "OPEN137_API_KEY=$(random_key)" "OPEN137_COUNCIL_KEY=$(random_key)")
        log "generated development keys in $KEYS_ENV"
    fi
    chmod 600 "$KEYS_ENV"
    local K_OPEN137_API_KEY="" K_OPEN137_COUNCIL_KEY="" K_OPEN137_REOPEN_KEY="" K_OPEN137_OPERATOR_PASSWORD=""
    read_env_file "$KEYS_ENV" K_
    [[ -n "$K_OPEN137_API_KEY" && -n "$K_OPEN137_COUNCIL_KEY" ]] || die "$KEYS_ENV lacks a key; delete it to regenerate"
    # The reporters' reopen secrets are derived from this key: made once, kept (a new key voids every secret given out).
    if [[ -z "$K_OPEN137_REOPEN_KEY" ]]; then
        K_OPEN137_REOPEN_KEY="$(random_key)"
        (umask 077; echo "OPEN137_REOPEN_KEY=$K_OPEN137_REOPEN_KEY" >> "$KEYS_ENV")
    fi
    # The first 137 operator's password (the account is made after the migrations): kept, so a restart signs in the same.
    if [[ -z "$K_OPEN137_OPERATOR_PASSWORD" ]]; then
        K_OPEN137_OPERATOR_PASSWORD="$(random_key)"
        (umask 077; echo "OPEN137_OPERATOR_PASSWORD=$K_OPEN137_OPERATOR_PASSWORD" >> "$KEYS_ENV")
    fi
    OPERATOR_PASSWORD="$K_OPEN137_OPERATOR_PASSWORD"
    API_KEY="$K_OPEN137_API_KEY"
    COUNCIL_KEY="$K_OPEN137_COUNCIL_KEY"
    REOPEN_KEY="$K_OPEN137_REOPEN_KEY"
}

load_stack_env() {
    local S_AMQP_URL="" S_DATABASE_URL="" S_RABBITMQ_MANAGEMENT_URL="" S_RABBITMQ_PROMETHEUS_URL=""
    read_env_file "$STACK/stack.env" S_
    [[ -n "$S_AMQP_URL" && -n "$S_DATABASE_URL" ]] || die "$STACK/stack.env lacks AMQP_URL or DATABASE_URL"
    export AMQP_URL="$S_AMQP_URL" DATABASE_URL="$S_DATABASE_URL"
    MANAGEMENT_URL="$S_RABBITMQ_MANAGEMENT_URL"
    PROMETHEUS_URL="$S_RABBITMQ_PROMETHEUS_URL"
}

# env_prefix NAME — the prefix of a service's keys in the env files (council-audit → COUNCIL_AUDIT).
env_prefix() { tr 'a-z-' 'A-Z_' <<< "$1"; }

# provision_services — every service's own database role (owner of its schema only) and broker user (its
# own queues and exchanges only), with new random passwords: `open137 services provision` as the
# administrator. Their URLs are added to $STACK/stack.env (0600) and kept in SERVICE_ENV_LINES for the
# client env; start_service gives each service its own.
provision_services() {
    [[ -n "$MANAGEMENT_URL" ]] || { log "error: the broker has no management API (RABBITMQ_MANAGEMENT_URL): cannot create the services' users"; return 1; }
    local file="$STACK/services.env.$$" name prefix key
    rm -f "$file"
    run_fg env RABBITMQ_MANAGEMENT_URL="$MANAGEMENT_URL" "$BIN/open137" services provision --output "$file" >/dev/null \
        || { rm -f "$file"; return 1; }
    mapfile -t SERVICE_ENV_LINES < "$file"
    read_env_file "$file" SVC_
    rm -f "$file"
    for name in "${SERVICES[@]}"; do
        prefix="$(env_prefix "$name")"
        for key in DATABASE_URL AMQP_URL; do
            [[ "$name/$key" != desk/AMQP_URL ]] || continue   # the desk logs in as the units' users
            local var="SVC_${prefix}_$key"
            [[ -n "${!var:-}" ]] || { log "error: open137 services provision gave no ${prefix}_$key"; return 1; }
        done
    done
    chmod 600 "$STACK/stack.env"
    printf '%s\n' "${SERVICE_ENV_LINES[@]}" >> "$STACK/stack.env"
}

# provision_units — every unit's broker user (`open137 units provision`: permissions set every time). A
# password is printed once, when a user is made, so they are kept in $STACK/units.env; a user whose password
# was not kept there gets a new one. DESK_UNITS (unit:password,…) is made from the file for the desk.
provision_units() {
    local file="$STACK/units.env" new="$STACK/units.new.$$" out user password missing=()
    (umask 077; touch "$file")
    rm -f "$new"
    out="$(run_fg env RABBITMQ_MANAGEMENT_URL="$MANAGEMENT_URL" "$BIN/open137" units provision --output "$new")" || { rm -f "$new"; return 1; }
    merge_unit_passwords "$new" "$file"
    while read -r user _; do
        user="${user%:}"
        [[ "$user" == unit-* ]] && ! grep -q "^$user " "$file" && missing+=(--unit "${user#unit-}")
    done <<< "$out"
    if (( ${#missing[@]} > 0 )); then
        run_fg env RABBITMQ_MANAGEMENT_URL="$MANAGEMENT_URL" "$BIN/open137" units provision --rotate --output "$new" "${missing[@]}" >/dev/null \
            || { rm -f "$new"; return 1; }
        merge_unit_passwords "$new" "$file"
    fi
    DESK_UNITS="$(awk '$1 ~ /^unit-/ { sub(/^unit-/, "", $1); printf "%s%s:%s", sep, $1, $2; sep = "," }' "$file")"
    [[ -n "$DESK_UNITS" ]] || { log "error: no unit passwords in $file"; return 1; }
}

# merge_unit_passwords NEW FILE — the 'user password' lines of NEW replace those users' lines in FILE; NEW is removed.
merge_unit_passwords() {
    local user password
    while read -r user password; do
        [[ -n "$user" ]] || continue
        grep -v "^$user " "$2" > "$2.tmp" || true
        echo "$user $password" >> "$2.tmp"
        mv "$2.tmp" "$2"; chmod 600 "$2"
    done < "$1"
    rm -f "$1"
}

# start_service NAME COPY — start one copy in its own session (so Ctrl-C reaches only this script,
# which then stops everything in order); record its pid.
start_service() {
    local name=$1 i=$2 instance ops log_file
    instance="$(instance_name "$name" "$i")"
    ops="$(ops_port "$name" "$i")"
    log_file="$LOG_DIR/$instance.log"
    # The service's own role and user (provision_services), never the administrator's.
    local prefix database_var amqp_var
    prefix="$(env_prefix "$name")"
    database_var="SVC_${prefix}_DATABASE_URL"; amqp_var="SVC_${prefix}_AMQP_URL"
    local env=(DATABASE_URL="${!database_var}" OPS_PORT="$ops" LOG_LEVEL="$LOG_LEVEL")
    # The desk has no broker user of its own: the broker's address only (it logs in as each unit's user).
    if [[ "$name" == desk ]]; then env+=(AMQP_URL="$(sed -E 's#//[^@/]*@#//#' <<< "$AMQP_URL")"); else env+=(AMQP_URL="${!amqp_var}"); fi
    case "$name" in
        intake) env+=(INTAKE_PORT="$INTAKE_PORT" OPEN137_API_KEY="$API_KEY" OPEN137_REOPEN_KEY="$REOPEN_KEY") ;;
        notifier) env+=(OPEN137_REOPEN_KEY="$REOPEN_KEY") ;;
        council-audit) env+=(COUNCIL_PORT=$((COUNCIL_PORT + 10 * i)) OPEN137_COUNCIL_KEY="$COUNCIL_KEY") ;;
        desk) env+=(DESK_PORT="$DESK_PORT" DESK_UNITS="$DESK_UNITS") ;;
    esac
    printf '\n=== %s started %s (OPS_PORT=%s) ===\n' "$instance" "$(date -u +%FT%TZ)" "$ops" >> "$log_file"
    # Only this copy's own keys: the caller's INTAKE_PORT, keys etc. do not leak into the other services.
    env -u OPS_PORT -u INTAKE_PORT -u COUNCIL_PORT -u DESK_PORT -u DESK_UNITS -u OPEN137_API_KEY -u OPEN137_COUNCIL_KEY -u OPEN137_REOPEN_KEY \
        "${env[@]}" setsid "$BIN/$name" >> "$log_file" 2>&1 < /dev/null &
    local pid=$!
    echo "$pid" > "$PID_DIR/$instance.pid"
    if [[ -n "${3:-}" ]]; then   # a restart: the same slot
        PIDS[$3]=$pid; STARTED_AT[$3]=$SECONDS
    else
        PIDS+=("$pid"); NAMES+=("$instance"); OPS_URLS+=("http://127.0.0.1:$ops")
        SLOT_NAME+=("$name"); SLOT_COPY+=("$i"); STARTED_AT+=("$SECONDS"); BACKOFF+=(1)
    fi
}

# restart_service INDEX STATUS — supervised mode: start the copy in slot INDEX again after a backoff
# (1 s; doubled, up to 16 s, while copies keep dying within 10 s of their start; back to 1 s otherwise).
restart_service() {
    local i=$1 status=$2 delay
    if (( SECONDS - STARTED_AT[i] < 10 )); then
        delay=${BACKOFF[$i]}
        BACKOFF[$i]=$(( BACKOFF[i] * 2 > 16 ? 16 : BACKOFF[i] * 2 ))
    else
        delay=1; BACKOFF[$i]=2
    fi
    log "${NAMES[$i]} (pid ${PIDS[$i]}) exited (status $status) after $((SECONDS - STARTED_AT[i])) s; restarting in $delay s"
    # In the background, so Ctrl-C or make stop is handled at once, not after the backoff.
    sleep "$delay" & wait $! || true
    start_service "${SLOT_NAME[$i]}" "${SLOT_COPY[$i]}" "$i"
    log "${NAMES[$i]} restarted (pid ${PIDS[$i]})"
}

# wait_healthy — poll every /health until it answers or the service dies (warn after 60 s).
wait_healthy() {
    local deadline=$((SECONDS + 60)) i pending
    while :; do
        pending=()
        for i in "${!PIDS[@]}"; do
            pid_alive "${PIDS[$i]}" || [[ -n "$RESTART" ]] || fail_service "$i"
            curl -fsS -m 2 -o /dev/null "${OPS_URLS[$i]}/health" 2>/dev/null || pending+=("${NAMES[$i]}")
        done
        (( ${#pending[@]} == 0 )) && return 0
        if (( SECONDS >= deadline )); then
            log "warning: no /health answer yet from: ${pending[*]} (see $LOG_DIR)"
            return 0
        fi
        sleep 0.5
    done
}

# fail_service INDEX [STATUS] — a service exited on its own: show its log, stop everything, fail.
fail_service() {
    local i=$1 status=${2:-}
    if [[ -z "$status" ]]; then
        status=0; wait "${PIDS[$i]}" 2>/dev/null || status=$?
    fi
    log "error: ${NAMES[$i]} exited (status $status); last lines of $LOG_DIR/${NAMES[$i]}.log:"
    tail -n 20 "$LOG_DIR/${NAMES[$i]}.log" >&2 || true
    shutdown 1
}

# run_fg [--keep] CMD... — run a set-up step as a child and wait for it, so that Ctrl-C or `make stop`
# interrupts the wait at once. On shutdown the step gets SIGTERM, unless --keep (then it may finish:
# a half-started stack is better stopped after its start returns).
FG_PID=""; FG_KEEP=""
run_fg() {
    FG_KEEP=""
    if [[ "$1" == --keep ]]; then FG_KEEP=1; shift; fi
    "$@" &
    FG_PID=$!
    local rc=0
    wait "$FG_PID" || rc=$?
    FG_PID=""
    return "$rc"
}

SHUTTING_DOWN=""
shutdown() {
    local rc=${1:-0}
    [[ -z "$SHUTTING_DOWN" ]] || exit "$rc"
    SHUTTING_DOWN=1
    trap '' INT TERM
    echo >&2
    log "shutting down"
    if pid_alive "$FG_PID"; then
        [[ -n "$FG_KEEP" ]] || kill -TERM "$FG_PID" 2>/dev/null || true
        wait "$FG_PID" 2>/dev/null || true
    fi
    stop_services trust
    "$OPEN137_LOCAL_DIR/stack.sh" stop || rc=1
    rm -f "$RUN_PID_FILE"
    log "all stopped"
    exit "$rc"
}

cmd_start() {
    WORKERS="${WORKERS:-1}"; check_int WORKERS "$WORKERS" 1
    LOG_LEVEL="${LOG_LEVEL:-info}"
    INTAKE_PORT="${INTAKE_PORT:-8137}"; check_port INTAKE_PORT "$INTAKE_PORT"
    COUNCIL_PORT="${COUNCIL_PORT:-8138}"; check_port COUNCIL_PORT "$COUNCIL_PORT"
    DESK_PORT="${DESK_PORT:-8139}"; check_port DESK_PORT "$DESK_PORT"
    OPS_BASE="${OPEN137_OPS_BASE_PORT:-9100}"; check_port OPEN137_OPS_BASE_PORT "$OPS_BASE"
    check_int OPEN137_STOP_TIMEOUT "$STOP_TIMEOUT" 1

    mkdir -p "$STACK" "$PID_DIR" "$LOG_DIR"
    local other
    other="$(read_pid "$RUN_PID_FILE")"
    if is_run_process "$other"; then
        die "make run is already running (pid $other); stop it with 'make stop'"
    fi
    stop_services   # leftovers of a run that was killed hard
    echo "$$" > "$RUN_PID_FILE"
    # Ctrl-C and `make stop` are the normal way to end `make run`: an orderly stop exits 0.
    trap 'shutdown 0' INT TERM

    check_service_ports
    run_fg --keep "$OPEN137_LOCAL_DIR/stack.sh" start || { log "error: the local stack did not start"; shutdown 1; }
    load_stack_env
    ensure_keys

    if [[ -n "$BUILD_RELEASE" ]]; then
        log "swift build -c release"
        run_fg swift build -c release || { log "error: swift build failed"; shutdown 1; }
    else
        log "using the binaries in $BIN (OPEN137_BIN_DIR; not building)"
    fi
    local name
    for name in open137 "${SERVICES[@]}"; do
        [[ -x "$BIN/$name" ]] || { log "error: $BIN/$name was not built"; shutdown 1; }
    done

    export LOG_LEVEL
    # Before migrate: a new schema is then created by its service's role, and migrate runs as that owner.
    log "open137 services provision"
    provision_services || { log "error: open137 services provision failed"; shutdown 1; }
    log "open137 migrate"
    run_fg "$BIN/open137" migrate || { log "error: open137 migrate failed"; shutdown 1; }
    # A first operator for the call screen, when there is none yet (more with `open137 staff add`).
    if ! "$BIN/open137" staff list 2>/dev/null | grep -q '^operator	'; then
        printf '%s\n' "$OPERATOR_PASSWORD" | "$BIN/open137" staff add operator --display-name "137 operator" --role operator \
            || { log "error: open137 staff add operator failed"; shutdown 1; }
    fi
    log "open137 topology declare"
    # The management API applies the policies (at-least-once dead-lettering), also to a stack's existing queues.
    run_fg env RABBITMQ_MANAGEMENT_URL="$MANAGEMENT_URL" "$BIN/open137" topology declare \
        || { log "error: open137 topology declare failed"; shutdown 1; }
    if [[ -n "$DESK" ]]; then
        log "open137 units provision (the units' users, as which the desk logs in)"
        provision_units || { log "error: open137 units provision failed"; shutdown 1; }
    fi

    PIDS=(); NAMES=(); OPS_URLS=(); SLOT_NAME=(); SLOT_COPY=(); STARTED_AT=(); BACKOFF=()
    local i
    for name in "${SERVICES[@]}"; do
        for ((i = 0; i < $(copies_of "$name"); i++)); do
            start_service "$name" "$i"
        done
    done

    local intake_url="http://127.0.0.1:$INTAKE_PORT" council_url="http://127.0.0.1:$COUNCIL_PORT" desk_url="http://127.0.0.1:$DESK_PORT"
    local ops_list
    ops_list="$(IFS=,; echo "${OPS_URLS[*]}")"
    mkdir -p "$(dirname "$CLIENT_ENV")"
    (umask 077; write_env_file "$CLIENT_ENV" \
        "AMQP_URL=$AMQP_URL" \
        "DATABASE_URL=$DATABASE_URL" \
        "INTAKE_URL=$intake_url" \
        "COUNCIL_URL=$council_url" \
        ${DESK:+"DESK_URL=$desk_url"} \
        "OPEN137_API_KEY=$API_KEY" \
        "OPEN137_COUNCIL_KEY=$COUNCIL_KEY" \
        "RABBITMQ_MANAGEMENT_URL=$MANAGEMENT_URL" \
        "RABBITMQ_PROMETHEUS_URL=$PROMETHEUS_URL" \
        "INTAKE_OPS_URL=http://127.0.0.1:$(ops_port intake 0)" \
        "CLASSIFIER_OPS_URL=http://127.0.0.1:$(ops_port classifier 0)" \
        "ROUTER_OPS_URL=http://127.0.0.1:$(ops_port router 0)" \
        "NOTIFIER_OPS_URL=http://127.0.0.1:$(ops_port notifier 0)" \
        "COUNCIL_AUDIT_OPS_URL=http://127.0.0.1:$(ops_port council-audit 0)" \
        "OPS_URLS=$ops_list" \
        "OPEN137_STACK_DIR=$STACK" \
        "${SERVICE_ENV_LINES[@]}")

    wait_healthy
    {
        echo
        echo "Open137 is running (WORKERS=$WORKERS${RESTART:+, supervised: exited services are restarted}). Ctrl-C stops everything."
        echo "  report a problem $intake_url/  (citizens; Persian, ?lang=en for English)"
        echo "  track a report   $intake_url/track"
        echo "  137 call screen  $intake_url/staff/call  (sign in as operator; the password is OPEN137_OPERATOR_PASSWORD in ${KEYS_ENV#"$OPEN137_ROOT"/})"
        echo "  intake API       $intake_url/api/v1  (Open311: $intake_url/open311/v2)"
        echo "  council          $council_url/api/v1/council  (the committee's API, OPEN137_COUNCIL_KEY)"
        echo "  dashboard        $council_url/dashboard  (sign in as a council member: open137 staff add NAME --role council)"
        [[ -z "$DESK" ]] || echo "  units' desk      $desk_url/desk  (sign in as a unit's staff: open137 staff add NAME --role unit:parks)"
        echo "  rabbitmq         $AMQP_URL"
        [[ -z "$MANAGEMENT_URL" ]] || echo "  management       $MANAGEMENT_URL (guest/guest)"
        echo "  postgres         $DATABASE_URL"
        echo "  services         each with its own database role and broker user (open137_<schema>, open137-<service>; URLs in the env file)"
        for i in "${!NAMES[@]}"; do
            printf '  %-16s %s/health /ready /metrics\n' "${NAMES[$i]}" "${OPS_URLS[$i]}"
        done
        echo "  environment      ${CLIENT_ENV#"$OPEN137_ROOT"/} (URLs and development keys)"
        echo "  logs             ${LOG_DIR#"$OPEN137_ROOT"/}/"
        echo
    } >&2

    # Wait for Ctrl-C (the trap), or for a service to die (then stop everything and fail — or, supervised,
    # start it again).
    local done_pid status
    while :; do
        done_pid=""; status=0
        wait -n -p done_pid "${PIDS[@]}" 2>/dev/null || status=$?
        for i in "${!PIDS[@]}"; do
            if [[ "${PIDS[$i]}" == "$done_pid" ]]; then
                if [[ -n "$RESTART" ]]; then restart_service "$i" "$status"; continue; fi
                fail_service "$i" "$status"
            fi
            if ! pid_alive "${PIDS[$i]}"; then
                if [[ -n "$RESTART" ]]; then
                    status=0; wait "${PIDS[$i]}" 2>/dev/null || status=$?
                    restart_service "$i" "$status"; continue
                fi
                fail_service "$i"
            fi
        done
    done
}

case "${1:-start}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    *) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac
