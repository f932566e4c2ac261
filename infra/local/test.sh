#!/usr/bin/env bash
# `make test`: a fresh, throwaway broker and database under .local/test, then `swift test` against them.
# The stack is always stopped afterwards; the exit status is swift test's (or the build's).
#
# Environment (all optional):
#   OPEN137_TEST_AMQP_PORT  AMQP port of the test broker (default 5692; other broker ports derive from it)
#   OPEN137_TEST_PG_PORT    port of the test database (default 5452)
#   SWIFT_TEST_ARGS         extra arguments for `swift test`, e.g. "--filter MessagingTests"
#   SWIFT_BUILD_ARGS        extra arguments for both `swift build --build-tests` and `swift test`
#   OPEN137_TEST_TIMEOUT    seconds each `swift test` phase may take before it counts as hung (default 900)
#   SECURITY_*_PORT, CHAOS_TEST_*_PORT  ports of the two live-pipeline phases' own stacks (security pass:
#                           AMQP 5752, PG 5512, HTTP 8772/8773, ops 9771-9775; short chaos: 5722, 5482,
#                           8722/8723, ops 9721-9735) — see security-pass.sh and chaos.sh
#   BROWSER_*_PORT          ports of the browser phase's stack (AMQP 5762, PG 5522, HTTP 8782/8783, ops 9781-9785)
#
# Exported to the tests: AMQP_URL, DATABASE_URL, RABBITMQ_MANAGEMENT_URL, RABBITMQ_PROMETHEUS_URL,
# OPEN137_STACK_DIR, OPEN137_AMQP_PORT, OPEN137_PG_PORT, OPEN137_RABBITMQ_MGMT_PORT,
# OPEN137_RABBITMQ_PROMETHEUS_PORT, OPEN137_RABBITMQ_DIST_PORT, OPEN137_EPMD_PORT, OPEN137_REPO_ROOT —
# enough for a test to restart the broker with `infra/local/rabbitmq.sh stop` / `start`.
set -euo pipefail
OPEN137_LOG_TAG="test"
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$OPEN137_ROOT"

# Always .local/test: this script wipes it.
export OPEN137_STACK_DIR="$OPEN137_ROOT/.local/test"
STACK="$OPEN137_STACK_DIR"
export OPEN137_AMQP_PORT="${OPEN137_TEST_AMQP_PORT:-5692}"
export OPEN137_PG_PORT="${OPEN137_TEST_PG_PORT:-5452}"
check_port OPEN137_TEST_AMQP_PORT "$OPEN137_AMQP_PORT"
check_port OPEN137_TEST_PG_PORT "$OPEN137_PG_PORT"
# Ports of the run stack must not leak into the test stack: derive them from the test AMQP port.
unset OPEN137_RABBITMQ_MGMT_PORT OPEN137_RABBITMQ_PROMETHEUS_PORT OPEN137_RABBITMQ_DIST_PORT OPEN137_EPMD_PORT
export OPEN137_REPO_ROOT="$OPEN137_ROOT"

read -r -a build_args <<< "${SWIFT_BUILD_ARGS:-}"
read -r -a test_args <<< "${SWIFT_TEST_ARGS:-}"

STACK_STARTED=""
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n "${INTAKE_PID:-}" ]] && pid_alive "$INTAKE_PID"; then
        kill -TERM "$INTAKE_PID" 2>/dev/null || true
        wait "$INTAKE_PID" 2>/dev/null || true
    fi
    if [[ -n "${BUILD_PID:-}" ]] && pid_alive "$BUILD_PID"; then
        kill -TERM "$BUILD_PID" 2>/dev/null || true
        wait "$BUILD_PID" 2>/dev/null || true
    fi
    if [[ -n "$STACK_STARTED" ]]; then
        [[ -z "${STACK_PID:-}" ]] || wait "$STACK_PID" 2>/dev/null || true
        "$OPEN137_LOCAL_DIR/stack.sh" stop || log "warning: the test stack did not stop cleanly"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A fresh stack every run: stop whatever an earlier run left, then wipe its data.
if [[ -d "$STACK" ]]; then
    "$OPEN137_LOCAL_DIR/stack.sh" stop >/dev/null 2>&1 || true
    rm -rf "$STACK"
fi
mkdir -p "$STACK"

# The notifier tests talk to a real SMTP server: aiosmtpd from PyPI.
python3 -c "import aiosmtpd" 2>/dev/null || python3 -m pip install --quiet aiosmtpd \
    || python3 -m pip install --quiet --break-system-packages aiosmtpd

# The stack starts (about 10 s) while the tests build; its output goes to a log shown on failure.
STACK_STARTED=1
started=$SECONDS
"$OPEN137_LOCAL_DIR/stack.sh" start > "$STACK/stack-start.log" 2>&1 &
STACK_PID=$!

log "swift build --build-tests ${build_args[*]}"
swift build --build-tests "${build_args[@]}" &
BUILD_PID=$!

# Whichever finishes first: a stack that fails stops the build at once (no waiting minutes for it).
build_rc="" stack_rc=""
while [[ -z "$build_rc" || -z "$stack_rc" ]]; do
    done_pid="" rc=0 pending=()
    [[ -z "$BUILD_PID" ]] || pending+=("$BUILD_PID")
    [[ -z "$STACK_PID" ]] || pending+=("$STACK_PID")
    wait -n -p done_pid "${pending[@]}" || rc=$?
    if [[ "$done_pid" == "$STACK_PID" ]]; then
        stack_rc=$rc; STACK_PID=""
        if (( stack_rc != 0 )); then
            cat "$STACK/stack-start.log" >&2
            log "error: the test stack did not start (make test takes its ports from OPEN137_TEST_AMQP_PORT and OPEN137_TEST_PG_PORT)"
            exit 1
        fi
    elif [[ "$done_pid" == "$BUILD_PID" ]]; then
        build_rc=$rc; BUILD_PID=""
    else
        die "internal: wait returned for an unknown process ($done_pid, status $rc)"
    fi
done
(( build_rc == 0 )) || { log "error: swift build --build-tests failed (status $build_rc)"; exit "$build_rc"; }

set -a
# shellcheck source=/dev/null
source "$STACK/stack.env"
set +a
log "stack ready (AMQP $AMQP_URL, database $DATABASE_URL); $((SECONDS - started)) s since start"
# The broker policies as on every other stack (at-least-once dead-lettering); no queue is declared here, the
# tests and the services declare theirs, and the policy reaches each as it appears.
"$(swift build --show-bin-path "${build_args[@]}")/open137" topology declare --policies-only \
    || { log "error: open137 topology declare --policies-only failed"; exit 1; }

log "swift test ${build_args[*]} ${test_args[*]}"
test_rc=0
# A hung test must fail the run, not hold CI until its own limit: each phase is bounded.
TEST_TIMEOUT="${OPEN137_TEST_TIMEOUT:-900}"
bounded() {
    local rc=0
    timeout --kill-after=30 "$TEST_TIMEOUT" "$@" || rc=$?
    (( rc == 124 || rc == 137 )) && log "error: swift test did not finish within ${TEST_TIMEOUT} s — a test hung"
    return "$rc"
}
# Pure logic first, with no broker or database in its environment: it must not need them.
if [[ -z "${SWIFT_TEST_ARGS:-}" ]]; then
    log "swift test --filter LogicTests (no servers)"
    bounded env -u AMQP_URL -u DATABASE_URL -u RABBITMQ_MANAGEMENT_URL swift test "${build_args[@]}" --filter LogicTests || test_rc=$?
fi
# The Kubernetes manifests, offline like LogicTests (no cluster, no servers; a few seconds): rendered, validated
# against Kubernetes' and the operators' schemas, compared with docker-compose.yml, and a self-test of broken ones.
if (( test_rc == 0 )) && [[ -z "${SWIFT_TEST_ARGS:-}" ]]; then
    log "Kubernetes manifests, offline (infra/local/kubernetes-check.sh)"
    bounded "$OPEN137_LOCAL_DIR/kubernetes-check.sh" || test_rc=$?
fi
skip="FaultTests|ServicesTests\.|NotifierServiceTests|DeskTests\."
[[ -n "${SWIFT_TEST_ARGS:-}" ]] || skip="LogicTests|$skip"
(( test_rc == 0 )) && { bounded swift test "${build_args[@]}" --skip "$skip" "${test_args[@]}" || test_rc=$?; }
# Whole services run one suite at a time: each service under test consumes its stage's shared work queue,
# and a second copy of the same service started by another suite (the skeleton tests start all five)
# would take its messages.
if (( test_rc == 0 )) && [[ -z "${SWIFT_TEST_ARGS:-}" ]]; then
    log "swift test --no-parallel --filter 'ServicesTests.|NotifierServiceTests|DeskTests.' (whole services, one at a time)"
    bounded swift test "${build_args[@]}" --no-parallel --filter "ServicesTests\.|NotifierServiceTests|DeskTests\." || test_rc=$?
fi
# Broker faults (restart, dropped sockets, memory alarm) run alone: other tests would see the broker vanish.
if (( test_rc == 0 )) && [[ -z "${SWIFT_TEST_ARGS:-}" ]]; then
    log "swift test --filter FaultTests (serialized, restarts the test broker; the desk's too)"
    bounded env OPEN137_FAULT_TESTS=1 swift test "${build_args[@]}" --no-parallel --filter "FaultTests" || test_rc=$?
fi
# A black-box Open311 client (stdlib Python) against a live intake, after the Swift phases so the live
# intake takes no messages from queues the tests use.
if (( test_rc == 0 )) && [[ -z "${SWIFT_TEST_ARGS:-}" ]]; then
    free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
    bb_port="$(free_port)"; bb_ops="$(free_port)"
    bb_key="blackbox-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
    # The fuzzer's reopen requests are not cut short by the per-address reopen limit (it has tests of its own).
    INTAKE_PORT="$bb_port" OPS_PORT="$bb_ops" OPEN137_API_KEY="$bb_key" OPEN137_REOPEN_KEY="$bb_key-reopen-$bb_key" \
        INTAKE_REOPENS_PER_MINUTE=100000 \
        "$(swift build --show-bin-path "${build_args[@]}")/intake" > "$STACK/intake-blackbox.log" 2>&1 &
    INTAKE_PID=$!
    for _ in $(seq 150); do curl -fsS "http://127.0.0.1:$bb_ops/ready" >/dev/null 2>&1 && break; sleep 0.2; done
    log "Open311 black-box check against a live intake (infra/local/open311-blackbox.py)"
    bounded python3 infra/local/open311-blackbox.py --base "http://127.0.0.1:$bb_port" --key "$bb_key" || test_rc=$?
    # The OpenAPI contract against the same intake: /openapi.yaml validates, and schemathesis (PyPI) fuzzes
    # every operation from it — bounded in examples per operation and in seconds.
    if (( test_rc == 0 )); then
        python3 -c "import schemathesis, openapi_spec_validator" 2>/dev/null || python3 -m pip install --quiet openapi-spec-validator schemathesis \
            || python3 -m pip install --quiet --break-system-packages openapi-spec-validator schemathesis
        log "OpenAPI contract against the live intake (infra/local/openapi-check.py)"
        bounded python3 infra/local/openapi-check.py --base "http://127.0.0.1:$bb_port" --key "$bb_key" || test_rc=$?
    fi
    kill -TERM "$INTAKE_PID" 2>/dev/null || true
    wait "$INTAKE_PID" 2>/dev/null || true
    INTAKE_PID=""
fi
# Live pipelines (all five services from the debug build, supervised by run.sh) on stacks of their own —
# own directories and ports, never the test stack above: the security pass, then the short chaos run.
if (( test_rc == 0 )) && [[ -z "${SWIFT_TEST_ARGS:-}" ]]; then
    bin_dir="$(swift build --show-bin-path "${build_args[@]}")"
    log "security pass against a live pipeline (infra/local/security-pass.sh; .local/test-security)"
    bounded env OPEN137_BIN_DIR="$bin_dir" SECURITY_STACK_DIR=.local/test-security \
        SECURITY_AMQP_PORT="${SECURITY_AMQP_PORT:-5752}" SECURITY_PG_PORT="${SECURITY_PG_PORT:-5512}" \
        SECURITY_INTAKE_PORT="${SECURITY_INTAKE_PORT:-8772}" SECURITY_COUNCIL_PORT="${SECURITY_COUNCIL_PORT:-8773}" \
        SECURITY_OPS_BASE_PORT="${SECURITY_OPS_BASE_PORT:-9770}" "$OPEN137_LOCAL_DIR/security-pass.sh" || test_rc=$?
fi
# The pages in a real browser (Chromium, Selenium, axe-core) against a live pipeline of their own.
if (( test_rc == 0 )) && [[ -z "${SWIFT_TEST_ARGS:-}" ]]; then
    log "browser phase against a live pipeline (infra/local/browser-test.sh; screenshots in .local/test-browser)"
    bounded env OPEN137_BIN_DIR="$bin_dir" BROWSER_STACK_DIR=.local/test-browser-stack \
        BROWSER_AMQP_PORT="${BROWSER_AMQP_PORT:-5762}" BROWSER_PG_PORT="${BROWSER_PG_PORT:-5522}" \
        BROWSER_INTAKE_PORT="${BROWSER_INTAKE_PORT:-8782}" BROWSER_COUNCIL_PORT="${BROWSER_COUNCIL_PORT:-8783}" \
        BROWSER_OPS_BASE_PORT="${BROWSER_OPS_BASE_PORT:-9780}" "$OPEN137_LOCAL_DIR/browser-test.sh" || test_rc=$?
fi
if (( test_rc == 0 )) && [[ -z "${SWIFT_TEST_ARGS:-}" ]]; then
    log "short chaos run (CHAOS_SHORT=1 infra/local/chaos.sh; .local/test-chaos)"
    bounded env CHAOS_SHORT=1 OPEN137_BIN_DIR="$bin_dir" CHAOS_STACK_DIR=.local/test-chaos \
        CHAOS_AMQP_PORT="${CHAOS_TEST_AMQP_PORT:-5722}" CHAOS_PG_PORT="${CHAOS_TEST_PG_PORT:-5482}" \
        CHAOS_INTAKE_PORT="${CHAOS_TEST_INTAKE_PORT:-8722}" CHAOS_COUNCIL_PORT="${CHAOS_TEST_COUNCIL_PORT:-8723}" \
        CHAOS_OPS_BASE_PORT="${CHAOS_TEST_OPS_BASE_PORT:-9720}" "$OPEN137_LOCAL_DIR/chaos.sh" || test_rc=$?
fi
if (( test_rc == 0 )); then
    log "tests passed"
else
    log "tests failed (status $test_rc); broker log: $STACK/rabbitmq/log, database log: $STACK/postgres/postgres.log"
fi
exit "$test_rc"
