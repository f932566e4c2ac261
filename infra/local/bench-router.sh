#!/usr/bin/env bash
# `make bench-router`: routed reports/s through a live router (release) and broker, and — in the same run —
# the broker's raw ceiling (`open137-load bench messaging`) and the CPU each routed report costs the router,
# PostgreSQL and RabbitMQ.
#
# On a private stack (.local/bench, wiped on every run) it declares the whole topology (every queue bound,
# as in a running pipeline), then measures twice with BENCH_REPORTS report.classified events each:
# a backlog (published before the release router starts, drained by it: the stage's throughput, the
# figure the goal is about) and live (published while the router runs: the bench's publishing competes
# with the router for the 2 cores). Loopback only; bounded in time.
#
# Knobs (environment): BENCH_REPORTS (30000), BENCH_MESSAGES (20000, the broker ceiling run),
# OPEN137_BENCH_AMQP_PORT (5702), OPEN137_BENCH_PG_PORT (5462), ROUTER_BENCH_OPS_PORT (19103).
set -euo pipefail
OPEN137_LOG_TAG="bench-router"
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=infra/local/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
cd "$OPEN137_ROOT"

REPORTS="${BENCH_REPORTS:-30000}"
MESSAGES="${BENCH_MESSAGES:-20000}"
OPS_BENCH_PORT="${ROUTER_BENCH_OPS_PORT:-19103}"

require_free_port "$OPS_BENCH_PORT" ROUTER_BENCH_OPS_PORT "the benchmarked router's ops port"

log "swift build -c release --product router --product open137-load"
swift build -c release --product router
swift build -c release --product open137-load
BIN="${OPEN137_BIN_DIR:-$OPEN137_ROOT/.build/release}"

bench_stack_start
"$BIN/open137" topology declare

log "broker ceiling: open137-load bench messaging ($MESSAGES persistent messages, quorum queue)"
"$BIN/open137-load" bench messaging --messages "$MESSAGES" --sequential-messages 500 | tee "$OPEN137_STACK_DIR/bench-messaging.out"

# 1. A backlog: the reports wait in router.reports before the router starts; the router drains them
#    (timed from the first report.routed to the last) — the stage's own throughput.
OBSERVER="open137.bench.routed.backlog"
"$BIN/open137-load" bench router --reports "$REPORTS" --publish-only --observer-queue "$OBSERVER"
cpu_before="$(bench_cpu_sample)"   # the router is not running yet: its share counts from 0
bench_start_service router "$OPS_BENCH_PORT"
timeout 600 "$BIN/open137-load" bench router --reports "$REPORTS" --observe-only --observer-queue "$OBSERVER" \
    | tee "$OPEN137_STACK_DIR/bench-router-backlog.out"
cpu_after="$(bench_cpu_sample)"
backlog="$(sed -n 's/.*RESULT routed_per_s=\([0-9]*\).*/\1/p' "$OPEN137_STACK_DIR/bench-router-backlog.out")"
backlog_cpu="$(bench_cpu_report router "routed report" "$REPORTS" "$cpu_before" "$cpu_after")"

# 2. Live: the same router while the bench publishes (its CPU competes with the router's on 2 cores).
cpu_before="$(bench_cpu_sample)"
timeout 600 "$BIN/open137-load" bench router --reports "$REPORTS" | tee "$OPEN137_STACK_DIR/bench-router.out"
cpu_after="$(bench_cpu_sample)"
routed="$(sed -n 's/.*RESULT routed_per_s=\([0-9]*\).*/\1/p' "$OPEN137_STACK_DIR/bench-router.out")"
live_cpu="$(bench_cpu_report router "routed report" "$REPORTS" "$cpu_before" "$cpu_after")"

stored="$("${PSQL[@]}" -c 'SELECT count(*) FROM router.reports')"
unsent="$("${PSQL[@]}" -c 'SELECT count(*) FROM router.outbox WHERE sent_at IS NULL')"
dead="$(grep -c 'dead-letter' "$OPEN137_STACK_DIR/router.log" || true)"
log "router.reports holds $stored rows (of $((2 * REPORTS))); outbox rows unsent: $unsent; dead-letter log lines: $dead"

pipelined="$(sed -n 's/^publish, pipelined confirms.* \([0-9][0-9]*\) msg\/s/\1/p' "$OPEN137_STACK_DIR/bench-messaging.out" | tr -d ' ')"
consume="$(sed -n 's/^consume, manual acks.* \([0-9][0-9]*\) msg\/s/\1/p' "$OPEN137_STACK_DIR/bench-messaging.out" | tr -d ' ')"
echo
printf '%-60s %10s\n' "broker ceiling: publish, pipelined confirms" "$pipelined msg/s"
printf '%-60s %10s\n' "broker ceiling: consume, manual acks" "$consume msg/s"
printf '%-60s %10s\n' "router: a backlog of $REPORTS report.classified drained" "$backlog reports/s"
echo "$backlog_cpu"
printf '%-60s %10s\n' "router: live, publishing $REPORTS report.classified meanwhile" "$routed reports/s"
echo "$live_cpu" | sed 's/^CPU per routed report: rabbitmq /&(incl. the bench publishing)/'
echo "  (each routed report: 1 message consumed; 2–3 published by the relay — the unit's delivery, the council's"
echo "   copy of a child report, report.routed — which the broker puts into 5–6 quorum queues)"
awk -v a="$backlog" 'BEGIN { printf "goal >= 3000 routed reports/s (backlog drained): %s\n", (a >= 3000 ? "met" : "NOT met") }'
