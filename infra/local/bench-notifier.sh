#!/usr/bin/env bash
# `make bench-notifier`: notifications/s a live notifier (release) delivers to a local webhook receiver, and
# the CPU each notification costs the notifier, PostgreSQL and RabbitMQ.
#
# On a private stack (.local/bench-notifier, wiped on every run, its own ports) it declares the topology,
# subscribes the receiver with `open137 webhooks add … --events 'report.*'`, starts a release notifier with
# no SMS gateway or SMTP server (so only the webhook fires), and runs `open137-load bench notifier`: the receiver
# (swift-nio, 204 to every POST, a sample of signatures verified) plus BENCH_EVENTS report.received events
# without contact published to open137.events; the rate is from the first delivery to the last. Loopback
# only; bounded in time.
#
# Knobs (environment): BENCH_EVENTS (20000), OPEN137_BENCH_AMQP_PORT (5712), OPEN137_BENCH_PG_PORT (5472),
# NOTIFIER_BENCH_OPS_PORT (19104), NOTIFIER_BENCH_RECEIVER_PORT (19204), OPEN137_BIN_DIR (no build).
set -euo pipefail
OPEN137_LOG_TAG="bench-notifier"
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=infra/local/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
cd "$OPEN137_ROOT"

EVENTS="${BENCH_EVENTS:-20000}"
OPS_BENCH_PORT="${NOTIFIER_BENCH_OPS_PORT:-19104}"
RECEIVER_PORT="${NOTIFIER_BENCH_RECEIVER_PORT:-19204}"
export OPEN137_BENCH_STACK=bench-notifier
export OPEN137_BENCH_AMQP_PORT="${OPEN137_BENCH_AMQP_PORT:-5712}"
export OPEN137_BENCH_PG_PORT="${OPEN137_BENCH_PG_PORT:-5472}"

require_free_port "$OPS_BENCH_PORT" NOTIFIER_BENCH_OPS_PORT "the benchmarked notifier's ops port"
require_free_port "$RECEIVER_PORT" NOTIFIER_BENCH_RECEIVER_PORT "the benchmark's webhook receiver"

# OPEN137_BIN_DIR: run the release binaries (and resource bundles) found there instead of building.
if [[ -z "${OPEN137_BIN_DIR:-}" ]]; then
    log "swift build -c release --product notifier --product open137-load"
    swift build -c release --product notifier
    swift build -c release --product open137-load
fi
BIN="${OPEN137_BIN_DIR:-$OPEN137_ROOT/.build/release}"

bench_stack_start
"$BIN/open137" topology declare
SECRET="bench-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
"$BIN/open137" webhooks add "http://127.0.0.1:$RECEIVER_PORT/hooks" --events 'report.*' --secret "$SECRET"

# No NOTIFIER_SMS_URL / NOTIFIER_SMTP_HOST: the reporter channels are off, every event is one webhook.
bench_start_service notifier "$OPS_BENCH_PORT" NOTIFIER_SEND_TIMEOUT_MS=10000
cpu_before="$(bench_cpu_sample)"
"$BIN/open137-load" bench notifier --events "$EVENTS" --port "$RECEIVER_PORT" --secret "$SECRET" | tee "$OPEN137_STACK_DIR/bench-notifier.out"
cpu_after="$(bench_cpu_sample)"
rate="$(sed -n 's/.*RESULT notifications_per_s=\([0-9]*\).*/\1/p' "$OPEN137_STACK_DIR/bench-notifier.out")"
counts="$("${PSQL[@]}" -c "SELECT string_agg(status || ' ' || n, ', ' ORDER BY status) FROM (SELECT status, count(*) AS n FROM notifier.notifications GROUP BY status) s")"
log "notifier.notifications: ${counts:-none}"

echo
printf '%-60s %10s\n' "notifier: report.received → signed webhook ($EVENTS events)" "$rate notifications/s"
echo "  (each notification: 1 message consumed, 1 transaction writing it pending, 1 POST, its sent state recorded)"
bench_cpu_report notifier "notification" "$EVENTS" "$cpu_before" "$cpu_after"
awk -v a="$rate" 'BEGIN { printf "goal >= 2000 notifications/s: %s\n", (a >= 2000 ? "met" : "NOT met") }'
