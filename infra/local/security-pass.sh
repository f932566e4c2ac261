#!/usr/bin/env bash
# The security pass against a live pipeline of its own: the five services (run.sh, supervised) on a private
# stack, then infra/local/security-pass.py --self-test (the canary scan must catch a planted canary) and the
# pass itself (every endpoint × keys, bodies, ids; canary reports through the pipeline; every log of the run
# searched for the canary), then everything stopped. Exit 0 only if both pass. make test runs it against the
# debug build; make chaos runs security-pass.py at its end against its own pipeline.
#
# Environment (all optional):
#   SECURITY_STACK_DIR     its stack (default .local/security; wiped at the start, stopped at the end)
#   SECURITY_AMQP_PORT, SECURITY_PG_PORT, SECURITY_INTAKE_PORT, SECURITY_COUNCIL_PORT, SECURITY_OPS_BASE_PORT
#                          its ports (default 5752, 5512, 8772, 8773, 9770: ops ports 9771-9775)
#   OPEN137_BIN_DIR        binaries to run (default .build/release; not built here)
set -euo pipefail
OPEN137_LOG_TAG="security"
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=infra/local/pipeline-lib.sh
source "$OPEN137_LOCAL_DIR/pipeline-lib.sh"
cd "$OPEN137_ROOT"

pipeline_configure SECURITY .local/security 5752 5512 8772 8773 9770

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() { local rc=$?; trap - EXIT INT TERM; pipeline_stop; exit "$rc"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

python3 "$OPEN137_LOCAL_DIR/security-pass.py" --self-test || die "the canary scan's self-test failed"
# The notifier sends every report event to the pass's own webhook receiver, which searches them for the canary.
webhook_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export NOTIFIER_WEBHOOKS="[{\"url\": \"http://127.0.0.1:$webhook_port/hooks\", \"events\": [\"report.*\"], \"secret\": \"security-pass-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')\"}]"
# The pass sends a few dozen reopen requests from one address; the per-address reopen limit has its own tests.
export INTAKE_REOPENS_PER_MINUTE=1000
log "starting the five services under ${STACK#"$OPEN137_ROOT"/} (AMQP $OPEN137_AMQP_PORT, PostgreSQL $OPEN137_PG_PORT, intake $INTAKE_PORT)"
pipeline_start 180 || exit 1
mapfile -t log_args < <(pipeline_logs)
python3 "$OPEN137_LOCAL_DIR/security-pass.py" --intake "$INTAKE_URL" --council "$COUNCIL_URL" \
    --api-key "$OPEN137_API_KEY" --council-key "$OPEN137_COUNCIL_KEY" --open137 "$OPEN137_BIN_DIR/open137" "${log_args[@]}" \
    --webhook-port "$webhook_port" ${RABBITMQ_MANAGEMENT_URL:+--management "$RABBITMQ_MANAGEMENT_URL"}
