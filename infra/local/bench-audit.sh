#!/usr/bin/env bash
# make bench-audit: release build of open137-load, then `open137-load bench audit` against a private stack's
# PostgreSQL (.local/bench-audit, started if needed; the benchmark works in a throw-away schema), with the
# CPU per appended event of the appender and of PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/../.."
export OPEN137_STACK_DIR=.local/bench-audit OPEN137_AMQP_PORT="${OPEN137_AMQP_PORT:-5693}" OPEN137_PG_PORT="${OPEN137_PG_PORT:-5453}"
infra/local/stack.sh start
set -a; . .local/bench-audit/stack.env; set +a
swift build -c release --product open137-load
.build/release/open137-load bench audit --postgres-pid "$(head -1 .local/bench-audit/postgres/data/postmaster.pid)" ${BENCH_ARGS:-}
