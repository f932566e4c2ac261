#!/usr/bin/env bash
# `make bench-classifier`: the classifier benchmark — no broker or database. Builds the `open137-load` tool in
# release mode and runs `open137-load bench classifier` (training time, classifications/s on one core for
# short reports, the model's memory). Extra arguments (or BENCH_ARGS) go to the benchmark.
set -euo pipefail
OPEN137_LOG_TAG="bench"
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$OPEN137_ROOT"

log "swift build -c release --product open137-load"
swift build -c release --product open137-load

read -r -a bench_args <<< "${BENCH_ARGS:-}"
# One core: the benchmark runs on one thread; taskset pins it when available so the number is per core.
runner=()
if command -v taskset >/dev/null 2>&1; then runner=(taskset -c 0); fi
exec "${runner[@]}" "${OPEN137_BIN_DIR:-$OPEN137_ROOT/.build/release}/open137-load" bench classifier "${bench_args[@]}" "$@"
