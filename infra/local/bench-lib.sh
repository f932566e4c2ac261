# shellcheck shell=bash
# What the service benchmarks (bench-intake.sh, bench-router.sh) share: a private stack under .local/bench
# wiped on every run, one release service started and awaited, CPU accounting per process from /proc, and
# cleanup on exit. Source after lib.sh.

# bench_stack_start — exports the bench stack's dir (.local/$OPEN137_BENCH_STACK, default .local/bench) and
# ports, wipes it, starts it, loads its stack.env, sets PSQL, and installs the EXIT trap that stops
# BENCH_SERVICE_PID and the stack.
bench_stack_start() {
    export OPEN137_STACK_DIR="$OPEN137_ROOT/.local/${OPEN137_BENCH_STACK:-bench}"
    export OPEN137_AMQP_PORT="${OPEN137_BENCH_AMQP_PORT:-5702}"
    export OPEN137_PG_PORT="${OPEN137_BENCH_PG_PORT:-5462}"
    unset OPEN137_RABBITMQ_MGMT_PORT OPEN137_RABBITMQ_PROMETHEUS_PORT OPEN137_RABBITMQ_DIST_PORT OPEN137_EPMD_PORT
    check_port OPEN137_BENCH_AMQP_PORT "$OPEN137_AMQP_PORT"
    check_port OPEN137_BENCH_PG_PORT "$OPEN137_PG_PORT"
    BENCH_SERVICE_PID=""
    trap bench_cleanup EXIT INT TERM
    rm -rf "$OPEN137_STACK_DIR"
    "$OPEN137_LOCAL_DIR/stack.sh" start
    set -a
    # shellcheck source=/dev/null
    source "$OPEN137_STACK_DIR/stack.env"
    set +a
    PSQL=(psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -qAt)
}

# shellcheck disable=SC2317  # invoked by the EXIT trap
bench_cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    bench_stop_service
    "$OPEN137_LOCAL_DIR/stack.sh" stop >/dev/null 2>&1 || true
    exit "$rc"
}

# bench_start_service NAME OPS_PORT [ENV=VALUE ...] — starts the release service NAME with the given
# environment (logging to the stack dir) and waits until its /ready answers; sets BENCH_SERVICE_PID.
bench_start_service() {
    local name="$1" ops_port="$2"
    shift 2
    log "starting $name (release)"
    env OPS_PORT="$ops_port" LOG_LEVEL=warning "$@" "$BIN/$name" >"$OPEN137_STACK_DIR/$name.log" 2>&1 &
    BENCH_SERVICE_PID=$!
    for _ in $(seq 1 120); do
        if curl -fsS "http://127.0.0.1:$ops_port/ready" >/dev/null 2>&1; then return 0; fi
        pid_alive "$BENCH_SERVICE_PID" || { tail -20 "$OPEN137_STACK_DIR/$name.log"; die "$name exited"; }
        sleep 0.5
    done
    die "$name did not become ready"
}

# bench_stop_service — stops the service bench_start_service started (gracefully: its outbox drains).
bench_stop_service() {
    if [[ -n "${BENCH_SERVICE_PID:-}" ]] && pid_alive "$BENCH_SERVICE_PID"; then
        kill -TERM "$BENCH_SERVICE_PID" 2>/dev/null || true
        wait "$BENCH_SERVICE_PID" 2>/dev/null || true
    fi
    BENCH_SERVICE_PID=""
}

# cpu_seconds PID — CPU seconds of a process tree (the process and its live children), from /proc.
cpu_seconds() {
    local root="$1" total=0 pid ticks
    if [[ -z "$root" ]]; then echo 0; return 0; fi   # not started (yet)
    for pid in "$root" $(ps -o pid= --ppid "$root" 2>/dev/null); do
        ticks="$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)"
        total=$((total + ticks))
    done
    awk -v t="$total" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'
}

# bench_cpu_sample — CPU seconds of the service, PostgreSQL and RabbitMQ, space-separated.
bench_cpu_sample() {
    local pg rmq
    pg="$(head -1 "$OPEN137_STACK_DIR/postgres/data/postmaster.pid")"
    rmq="$(cat "$OPEN137_STACK_DIR/rabbitmq/rabbitmq.pid" 2>/dev/null || echo 0)"
    echo "$(cpu_seconds "$BENCH_SERVICE_PID") $(cpu_seconds "$pg") $(cpu_seconds "$rmq")"
}

# bench_cpu_report SERVICE WHAT COUNT "BEFORE" "AFTER" — prints CPU per item (µs) of the service,
# PostgreSQL and RabbitMQ between two bench_cpu_sample readings.
bench_cpu_report() {
    local service="$1" what="$2" count="$3" before after i
    read -r -a before <<< "$4"
    read -r -a after <<< "$5"
    local names=("$service" "postgresql" "rabbitmq")
    for i in 0 1 2; do
        awk -v n="${names[$i]}" -v b="${before[$i]}" -v e="${after[$i]}" -v r="$count" -v w="$what" \
            'BEGIN { printf "%-60s %10.0f µs\n", "CPU per " w ": " n, 1e6 * (e - b) / r }'
    done
}
