#!/usr/bin/env bash
# `make bench-router`: routed reports/s through a live router (release) and broker, and — in the same run —
# the broker's raw ceiling (`open137 bench messaging`) and the CPU each routed report costs the router,
# PostgreSQL and RabbitMQ.
#
# On a private stack (.local/bench, wiped on every run) it declares the whole topology (every queue bound,
# as in a running pipeline), starts a release router, publishes BENCH_REPORTS report.classified events and
# counts report.routed until all are routed. Loopback only; bounded in time.
#
# Knobs (environment): BENCH_REPORTS (30000), BENCH_MESSAGES (20000, the broker ceiling run),
# OPEN137_BENCH_AMQP_PORT (5702), OPEN137_BENCH_PG_PORT (5462), ROUTER_BENCH_OPS_PORT (19103).
set -euo pipefail
OPEN137_LOG_TAG="bench-router"
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$OPEN137_ROOT"

REPORTS="${BENCH_REPORTS:-30000}"
MESSAGES="${BENCH_MESSAGES:-20000}"
OPS_BENCH_PORT="${ROUTER_BENCH_OPS_PORT:-19103}"

export OPEN137_STACK_DIR="$OPEN137_ROOT/.local/bench"
export OPEN137_AMQP_PORT="${OPEN137_BENCH_AMQP_PORT:-5702}"
export OPEN137_PG_PORT="${OPEN137_BENCH_PG_PORT:-5462}"
unset OPEN137_RABBITMQ_MGMT_PORT OPEN137_RABBITMQ_PROMETHEUS_PORT OPEN137_RABBITMQ_DIST_PORT OPEN137_EPMD_PORT
check_port OPEN137_BENCH_AMQP_PORT "$OPEN137_AMQP_PORT"
check_port OPEN137_BENCH_PG_PORT "$OPEN137_PG_PORT"
require_free_port "$OPS_BENCH_PORT" ROUTER_BENCH_OPS_PORT "the benchmarked router's ops port"

ROUTER_PID=""
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n "$ROUTER_PID" ]] && pid_alive "$ROUTER_PID"; then
        kill -TERM "$ROUTER_PID" 2>/dev/null || true
        wait "$ROUTER_PID" 2>/dev/null || true
    fi
    "$OPEN137_LOCAL_DIR/stack.sh" stop >/dev/null 2>&1 || true
    exit "$rc"
}
trap cleanup EXIT INT TERM

log "swift build -c release --product router --product open137"
swift build -c release --product router
swift build -c release --product open137
BIN="${OPEN137_BIN_DIR:-$OPEN137_ROOT/.build/release}"

rm -rf "$OPEN137_STACK_DIR"
"$OPEN137_LOCAL_DIR/stack.sh" start
set -a
# shellcheck source=/dev/null
source "$OPEN137_STACK_DIR/stack.env"
set +a
PSQL=(psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -qAt)
"$BIN/open137" topology declare

log "broker ceiling: open137 bench messaging ($MESSAGES persistent messages, quorum queue)"
"$BIN/open137" bench messaging --messages "$MESSAGES" --sequential-messages 500 | tee "$OPEN137_STACK_DIR/bench-messaging.out"

log "starting router (release)"
OPS_PORT="$OPS_BENCH_PORT" LOG_LEVEL=warning "$BIN/router" >"$OPEN137_STACK_DIR/router.log" 2>&1 &
ROUTER_PID=$!
for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$OPS_BENCH_PORT/ready" >/dev/null 2>&1; then break; fi
    pid_alive "$ROUTER_PID" || { tail -20 "$OPEN137_STACK_DIR/router.log"; die "router exited"; }
    sleep 0.5
done
curl -fsS "http://127.0.0.1:$OPS_BENCH_PORT/ready" >/dev/null || die "router did not become ready"

# CPU seconds of a process tree (the process and its live children), from /proc.
cpu_seconds() {
    local root="$1" total=0 pid ticks
    for pid in "$root" $(ps -o pid= --ppid "$root" 2>/dev/null); do
        ticks="$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)"
        total=$((total + ticks))
    done
    awk -v t="$total" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'
}
PG_PID="$(head -1 "$OPEN137_STACK_DIR/postgres/data/postmaster.pid")"
RMQ_PID="$(cat "$OPEN137_STACK_DIR/rabbitmq/rabbitmq.pid" 2>/dev/null || echo 0)"
cpu_before=("$(cpu_seconds "$ROUTER_PID")" "$(cpu_seconds "$PG_PID")" "$(cpu_seconds "$RMQ_PID")")
"$BIN/open137" bench router --reports "$REPORTS" | tee "$OPEN137_STACK_DIR/bench-router.out"
cpu_after=("$(cpu_seconds "$ROUTER_PID")" "$(cpu_seconds "$PG_PID")" "$(cpu_seconds "$RMQ_PID")")
routed="$(sed -n 's/.*RESULT routed_per_s=\([0-9]*\).*/\1/p' "$OPEN137_STACK_DIR/bench-router.out")"
stored="$("${PSQL[@]}" -c 'SELECT count(*) FROM router.reports')"
unsent="$("${PSQL[@]}" -c 'SELECT count(*) FROM router.outbox WHERE sent_at IS NULL')"
dead="$(grep -c 'dead-letter' "$OPEN137_STACK_DIR/router.log" || true)"
log "router.reports holds $stored rows; outbox rows unsent: $unsent; dead-letter log lines: $dead"

pipelined="$(sed -n 's/^publish, pipelined confirms.* \([0-9][0-9]*\) msg\/s/\1/p' "$OPEN137_STACK_DIR/bench-messaging.out" | tr -d ' ')"
consume="$(sed -n 's/^consume, manual acks.* \([0-9][0-9]*\) msg\/s/\1/p' "$OPEN137_STACK_DIR/bench-messaging.out" | tr -d ' ')"
echo
printf '%-60s %10s\n' "broker ceiling: publish, pipelined confirms" "$pipelined msg/s"
printf '%-60s %10s\n' "broker ceiling: consume, manual acks" "$consume msg/s"
printf '%-60s %10s\n' "router: report.classified → report.routed ($REPORTS reports)" "$routed reports/s"
echo "  (each routed report: 1 message consumed, 2–3 published by the relay — delivery, council copy, report.routed)"
for i in 0 1 2; do
    name=("router" "postgresql" "rabbitmq")
    awk -v n="${name[$i]}" -v b="${cpu_before[$i]}" -v e="${cpu_after[$i]}" -v r="$REPORTS" \
        'BEGIN { printf "%-60s %10.0f µs\n", "CPU per routed report: " n, 1e6 * (e - b) / r }'
done
awk -v a="$routed" 'BEGIN { printf "goal >= 3000 routed reports/s: %s\n", (a >= 3000 ? "met" : "NOT met") }'
