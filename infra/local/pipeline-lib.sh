# shellcheck shell=bash
# A private pipeline in the background for make chaos and make test's live phases: run.sh (supervised,
# OPEN137_RESTART=1) on a stack of its own, with its own client env file. Sourced after lib.sh.
#
# The caller exports OPEN137_STACK_DIR (absolute; wiped by pipeline_start), OPEN137_AMQP_PORT, OPEN137_PG_PORT,
# INTAKE_PORT, COUNCIL_PORT, OPEN137_OPS_BASE_PORT and OPEN137_BIN_DIR (binaries used as they are), and may set
# WORKERS. pipeline_stop must run on every exit (the caller's EXIT trap).

PIPELINE_RUN_PID=""

# pipeline_configure PREFIX STACK AMQP PG INTAKE COUNCIL OPS_BASE [DESK] — the exports pipeline_start needs,
# each from the caller's PREFIX_* variable when set (PREFIX_STACK_DIR, PREFIX_AMQP_PORT, PREFIX_PG_PORT,
# PREFIX_INTAKE_PORT, PREFIX_COUNCIL_PORT, PREFIX_OPS_BASE_PORT, PREFIX_DESK_PORT), else the default given;
# the binaries from OPEN137_BIN_DIR (default .build/release), which must all be there. Without a DESK port the
# units' desk stays out (a load generator that reads the unit queues itself must not share them with it).
pipeline_configure() {
    local prefix=$1 var
    var="${prefix}_STACK_DIR"; export OPEN137_STACK_DIR="${!var:-$2}"
    STACK="$(stack_dir)"
    export OPEN137_STACK_DIR="$STACK"
    var="${prefix}_AMQP_PORT"; export OPEN137_AMQP_PORT="${!var:-$3}"
    var="${prefix}_PG_PORT"; export OPEN137_PG_PORT="${!var:-$4}"
    var="${prefix}_INTAKE_PORT"; export INTAKE_PORT="${!var:-$5}"
    var="${prefix}_COUNCIL_PORT"; export COUNCIL_PORT="${!var:-$6}"
    var="${prefix}_OPS_BASE_PORT"; export OPEN137_OPS_BASE_PORT="${!var:-$7}"
    var="${prefix}_DESK_PORT"; export DESK_PORT="${!var:-${8:-}}"
    export OPEN137_DESK=0; [[ -z "$DESK_PORT" ]] || OPEN137_DESK=1
    export OPEN137_BIN_DIR="${OPEN137_BIN_DIR:-$OPEN137_ROOT/.build/release}"
    local name
    for name in open137 intake classifier router notifier council-audit ${DESK_PORT:+desk}; do
        [[ -x "$OPEN137_BIN_DIR/$name" ]] || die "$OPEN137_BIN_DIR/$name is missing (build first, or set OPEN137_BIN_DIR)"
    done
}

# pipeline_start TIMEOUT — wipe the stack dir, start run.sh in the background (output: <stack>/run.out),
# wait until every service answers /ready, then export the client env (INTAKE_URL, COUNCIL_URL, AMQP_URL,
# DATABASE_URL, OPEN137_API_KEY, OPEN137_COUNCIL_KEY, RABBITMQ_MANAGEMENT_URL, OPS_URLS, …).
pipeline_start() {
    local timeout=$1 stack=$OPEN137_STACK_DIR
    # Other stacks' broker ports must not leak in: run.sh derives them from the AMQP port.
    unset OPEN137_RABBITMQ_MGMT_PORT OPEN137_RABBITMQ_PROMETHEUS_PORT OPEN137_RABBITMQ_DIST_PORT OPEN137_EPMD_PORT
    if [[ -d "$stack" ]]; then
        "$OPEN137_LOCAL_DIR/run.sh" stop >/dev/null 2>&1 || true   # what an earlier, interrupted run left
        rm -rf "$stack"
    fi
    mkdir -p "$stack"
    PIPELINE_CLIENT_ENV="$stack/client.env"
    # No units' desk unless the caller asked for one (pipeline_configure with a desk port): make chaos's load
    # generator reads the unit queues itself, and a desk would take its deliveries.
    WORKERS="${WORKERS:-1}" OPEN137_RESTART=1 OPEN137_CLIENT_ENV="$PIPELINE_CLIENT_ENV" OPEN137_STOP_TIMEOUT=10 \
        OPEN137_DESK="${OPEN137_DESK:-0}" "$OPEN137_LOCAL_DIR/run.sh" start > "$stack/run.out" 2>&1 &
    PIPELINE_RUN_PID=$!
    local deadline=$((SECONDS + timeout)) ready="" url urls=()
    while (( SECONDS < deadline )); do
        if ! pid_alive "$PIPELINE_RUN_PID"; then
            tail -n 30 "$stack/run.out" >&2
            log "error: run.sh stopped while starting (see $stack/run.out)"
            return 1
        fi
        if [[ -s "$PIPELINE_CLIENT_ENV" ]]; then
            ready=1
            IFS=, read -r -a urls <<< "$(sed -n 's/^OPS_URLS=//p' "$PIPELINE_CLIENT_ENV")"
            for url in "${urls[@]}"; do
                curl -fsS -m 2 -o /dev/null "$url/ready" 2>/dev/null || { ready=""; break; }
            done
            [[ -z "$ready" ]] || break
        fi
        sleep 0.5
    done
    if [[ -z "$ready" ]]; then
        log "error: the pipeline was not ready within $timeout s (see $stack/run.out and $stack/logs/)"
        return 1
    fi
    set -a
    # shellcheck source=/dev/null
    source "$PIPELINE_CLIENT_ENV"
    set +a
    PIPELINE_SERVICES=${#urls[@]}
}

# pipeline_stop — stop the services and the stack (a no-op when nothing was started).
pipeline_stop() {
    [[ -n "$PIPELINE_RUN_PID" ]] || return 0
    "$OPEN137_LOCAL_DIR/run.sh" stop >> "$OPEN137_STACK_DIR/run.out" 2>&1 \
        || log "warning: the pipeline under $OPEN137_STACK_DIR did not stop cleanly (see its run.out)"
    wait "$PIPELINE_RUN_PID" 2>/dev/null || true
    PIPELINE_RUN_PID=""
}

# pipeline_logs — --logs arguments for security-pass.py: every log of the pipeline, the broker and the database.
pipeline_logs() {
    local stack=$OPEN137_STACK_DIR
    printf -- '--logs\n%s\n' "$stack/logs" "$stack/postgres/postgres.log" "$stack/rabbitmq/log" "$stack/run.out"
}
