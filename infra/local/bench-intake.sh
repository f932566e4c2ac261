#!/usr/bin/env bash
# `make bench-intake`: intake's HTTP throughput and latency, and — in the same run — the database's own
# ceiling for the same durable writes.
#
# On a private stack (.local/bench: its own RabbitMQ and PostgreSQL, synchronous_commit=on, wiped on
# every run) it starts a release build of intake, drives its native API from a second process
# (`open137-load bench intake`: closed loop at fixed concurrency, then open loop at a fixed rate), and then runs
# pgbench with the same concurrency doing the same transaction intake does per report (report row,
# history row, outbox row) on a scratch copy of intake's tables. Loopback only; bounded in time.
#
# Knobs (environment): BENCH_CONCURRENCY (64), BENCH_SECONDS (20), BENCH_RATE (500), BENCH_RATE_SECONDS (20),
# OPEN137_BENCH_AMQP_PORT (5702), OPEN137_BENCH_PG_PORT (5462), INTAKE_BENCH_PORT (18137).
set -euo pipefail
OPEN137_LOG_TAG="bench-intake"
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=infra/local/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
cd "$OPEN137_ROOT"

CONCURRENCY="${BENCH_CONCURRENCY:-64}"
SECONDS_CLOSED="${BENCH_SECONDS:-20}"
RATE="${BENCH_RATE:-500}"
SECONDS_RATE="${BENCH_RATE_SECONDS:-20}"
INTAKE_BENCH_PORT="${INTAKE_BENCH_PORT:-18137}"
OPS_BENCH_PORT="$((INTAKE_BENCH_PORT + 1))"

require_free_port "$INTAKE_BENCH_PORT" INTAKE_BENCH_PORT "the benchmarked intake"
require_free_port "$OPS_BENCH_PORT" INTAKE_BENCH_PORT "the benchmarked intake's ops port"

log "swift build -c release --product intake --product open137-load"
swift build -c release --product intake
swift build -c release --product open137-load
BIN="${OPEN137_BIN_DIR:-$OPEN137_ROOT/.build/release}"

bench_stack_start
export OPEN137_API_KEY="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export OPEN137_REOPEN_KEY="bench-reopen-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# Every queue exists, as in a running pipeline: report.received is routable (else the relay retries unroutable rows).
"$BIN/open137" topology declare
log "synchronous_commit = $("${PSQL[@]}" -c 'SHOW synchronous_commit'), fsync = $("${PSQL[@]}" -c 'SHOW fsync')"

bench_start_service intake "$OPS_BENCH_PORT" INTAKE_PORT="$INTAKE_BENCH_PORT" \
    INTAKE_RATE_PER_KEY=1000000 INTAKE_RATE_PER_ADDRESS=1000000
cpu_before="$(bench_cpu_sample)"
"$BIN/open137-load" bench intake --url "http://127.0.0.1:$INTAKE_BENCH_PORT" --concurrency "$CONCURRENCY" \
    --seconds "$SECONDS_CLOSED" --rate "$RATE" --rate-seconds "$SECONDS_RATE" | tee "$OPEN137_STACK_DIR/bench-intake.out"
accepted="$(sed -n 's/.*RESULT accepted_per_s=\([0-9]*\).*/\1/p' "$OPEN137_STACK_DIR/bench-intake.out")"
cpu_after="$(bench_cpu_sample)"
total_reports="$("${PSQL[@]}" -c 'SELECT count(*) FROM intake.reports')"
bench_stop_service
backlog="$("${PSQL[@]}" -c 'SELECT count(*) FROM intake.outbox WHERE sent_at IS NULL')"
log "stored $total_reports reports; outbox rows still unsent after shutdown: $backlog"

# The ceiling: the same transaction intake commits per report, from pgbench at the same concurrency.
"${PSQL[@]}" <<'SQL'
DROP SCHEMA IF EXISTS bench_ceiling CASCADE;
CREATE SCHEMA bench_ceiling;
CREATE TABLE bench_ceiling.reports (LIKE intake.reports INCLUDING ALL);
CREATE TABLE bench_ceiling.report_history (LIKE intake.report_history INCLUDING ALL);
CREATE TABLE bench_ceiling.outbox (LIKE intake.outbox INCLUDING ALL);
SQL
cat >"$OPEN137_STACK_DIR/ceiling.sql" <<'SQL'
-- One report per transaction, as one statement: the report row, its history row and its outbox event.
WITH report AS (
  INSERT INTO bench_ceiling.reports (report_id, tracking_code, channel, description, attributes, lat, long, reporter_type,
      reporter_language, contact_allowed, media_urls, received_at, updated_at)
  VALUES (gen_random_uuid(), md5(random()::text), '137-phone',
      'تماس‌گیرنده اعلام کرد تاب زمین بازی پارک محله شکسته است و بچه‌ها هنوز سوار می‌شوند', '{}', 35.7, 51.4, 'parent',
      'fa', false, '[]', now(), now())
  RETURNING report_id
), history AS (
  INSERT INTO bench_ceiling.report_history (report_id, event_id, status, at)
  SELECT report_id, gen_random_uuid()::text, 'received', now() FROM report
)
INSERT INTO bench_ceiling.outbox (event_id, exchange, routing_key, body, content_type, correlation_id, message_type, headers)
SELECT gen_random_uuid()::text, 'open137.events', 'report.received', convert_to(repeat('{"specversion":"1.0"}', 40), 'UTF8'),
       'application/cloudevents+json', report_id::text, 'report.received', '{}' FROM report;
SQL
PGBENCH="$(ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | head -1)"
[[ -x "$PGBENCH" ]] || PGBENCH="$(command -v pgbench)"
log "pgbench: $CONCURRENCY clients, $SECONDS_CLOSED s, the same transaction per report"
"$PGBENCH" "$DATABASE_URL" -n -f "$OPEN137_STACK_DIR/ceiling.sql" -c "$CONCURRENCY" -j 2 -T "$SECONDS_CLOSED" \
    >"$OPEN137_STACK_DIR/pgbench.out" 2>&1 || { cat "$OPEN137_STACK_DIR/pgbench.out"; die "pgbench failed"; }
ceiling="$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$OPEN137_STACK_DIR/pgbench.out" | head -1)"
"${PSQL[@]}" -c 'DROP SCHEMA bench_ceiling CASCADE'

echo
printf '%-58s %10s\n' "database ceiling (pgbench, same durable transaction)" "$(printf '%.0f' "$ceiling") tx/s"
printf '%-58s %10s\n' "intake over HTTP ($CONCURRENCY clients)" "$accepted reports/s"
awk -v a="$accepted" -v c="$ceiling" 'BEGIN { if (c > 0) printf "%-58s %10.0f %%\n", "intake / database ceiling", 100 * a / c }'
bench_cpu_report intake "stored report (whole run, incl. relaying)" "$total_reports" "$cpu_before" "$cpu_after"
awk -v a="$accepted" 'BEGIN { printf "goal >= 1500 accepted reports/s: %s\n", (a >= 1500 ? "met" : "NOT met") }'
p99="$(sed -n 's/.*rate_p99_ms=\([0-9.]*\).*/\1/p' "$OPEN137_STACK_DIR/bench-intake.out")"
awk -v p="$p99" -v r="$RATE" 'BEGIN { printf "goal p99 <= 50 ms at %d reports/s: %s (p99 %s ms)\n", r, (p + 0 <= 50 ? "met" : "NOT met"), p }'
