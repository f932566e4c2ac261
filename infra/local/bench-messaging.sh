#!/usr/bin/env bash
# `make bench-messaging`: the messaging benchmark against the local broker of `make run` (.local/run).
# Starts that stack if it is not running (and leaves it running: `make stop` stops it), builds the
# `open137-load` tool in release mode and runs `open137-load bench messaging` with AMQP_URL exported.
# Extra arguments (or BENCH_ARGS) go to the benchmark.
set -euo pipefail
OPEN137_LOG_TAG="bench"
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$OPEN137_ROOT"

export OPEN137_STACK_DIR="${OPEN137_STACK_DIR:-.local/run}"
STACK="$(stack_dir)"
"$OPEN137_LOCAL_DIR/stack.sh" start

log "swift build -c release --product open137-load"
swift build -c release --product open137-load

set -a
# shellcheck source=/dev/null
source "$STACK/stack.env"
set +a
read -r -a bench_args <<< "${BENCH_ARGS:-}"
log "open137-load bench messaging against $(sed -E 's#://([^:/@]+):[^@]*@#://\1:***@#' <<< "$AMQP_URL")"
exec "${OPEN137_BIN_DIR:-$OPEN137_ROOT/.build/release}/open137-load" bench messaging "${bench_args[@]}" "$@"
