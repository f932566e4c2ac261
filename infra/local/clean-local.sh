#!/usr/bin/env bash
# `make clean-local`: stop a running `make run`, stop every stack under .local/ that these scripts
# started (found by their pid files), then delete .local/.
set -euo pipefail
OPEN137_LOG_TAG="clean"
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$OPEN137_ROOT"

LOCAL="$OPEN137_ROOT/.local"
[[ -d "$LOCAL" ]] || { log "nothing to clean"; exit 0; }

OPEN137_STACK_DIR="$LOCAL/run" "$OPEN137_LOCAL_DIR/run.sh" stop || true
for dir in "$LOCAL"/*/; do
    dir="${dir%/}"
    if [[ -d "$dir/rabbitmq" || -d "$dir/postgres" ]]; then
        OPEN137_STACK_DIR="$dir" "$OPEN137_LOCAL_DIR/stack.sh" stop \
            || die "could not stop the stack in $dir; nothing deleted"
    fi
done
rm -rf "$LOCAL"
log "deleted .local/"
