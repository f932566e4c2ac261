#!/usr/bin/env bash
# The browser phase: the five services and the units' desk (run.sh, supervised) on a private stack, staff
# accounts and a unit's key, then Tests/Browser/pages_test.py drives Debian's Chromium through the citizens'
# and the operators' pages (Selenium, axe-core), Tests/Browser/dashboard_test.py through the council's
# dashboard (role council; its quarterly page printed to PDF), and Tests/Browser/desk_test.py through the
# units' desk (two parks staff). Screenshots go to .local/test-browser/.
# make test runs it against the debug build.
#
# Environment (all optional):
#   BROWSER_STACK_DIR      its stack (default .local/browser-stack; wiped at the start, stopped at the end)
#   BROWSER_AMQP_PORT, BROWSER_PG_PORT, BROWSER_INTAKE_PORT, BROWSER_COUNCIL_PORT, BROWSER_OPS_BASE_PORT,
#   BROWSER_DESK_PORT      its ports (default 5762, 5522, 8782, 8783, 9780: ops ports 9781-9786, 8784)
#   BROWSER_SHOTS          where the screenshots go (default .local/test-browser)
#   OPEN137_BIN_DIR        binaries to run (default .build/release; not built here)
set -euo pipefail
OPEN137_LOG_TAG="browser"
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=infra/local/pipeline-lib.sh
source "$OPEN137_LOCAL_DIR/pipeline-lib.sh"
cd "$OPEN137_ROOT"

pipeline_configure BROWSER .local/browser-stack 5762 5522 8782 8783 9780 8784
SHOTS="${BROWSER_SHOTS:-$OPEN137_ROOT/.local/test-browser}"

"$OPEN137_LOCAL_DIR/browser-setup.sh"

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() { local rc=$?; trap - EXIT INT TERM; pipeline_stop; exit "$rc"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "starting the five services and the desk under ${STACK#"$OPEN137_ROOT"/} (intake $INTAKE_PORT)"
pipeline_start 180 || exit 1

password="browser-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$password" | "$OPEN137_BIN_DIR/open137" staff add operator-one --display-name "مریم احمدی" --role operator >/dev/null
printf '%s\n' "$password" | "$OPEN137_BIN_DIR/open137" staff add operator-two --display-name "Operator Two" --role operator >/dev/null
printf '%s\n' "$password" | "$OPEN137_BIN_DIR/open137" staff add council-one --display-name "عضو کمیتهٔ کودک" --role council >/dev/null
printf '%s\n' "$password" | "$OPEN137_BIN_DIR/open137" staff add parks-one --display-name "سارا کریمی (بوستان‌ها)" --role unit:parks >/dev/null
printf '%s\n' "$password" | "$OPEN137_BIN_DIR/open137" staff add parks-two --display-name "Parks Two" --role unit:parks >/dev/null
unit_key="$("$OPEN137_BIN_DIR/open137" keys create --channel unit:parks)"
rm -rf "$SHOTS"
mkdir -p "$SHOTS"
status=0
python3 "$OPEN137_ROOT/Tests/Browser/pages_test.py" --base "$INTAKE_URL" --shots "$SHOTS" \
    --operator operator-one --victim operator-two --password "$password" --unit-key "$unit_key" \
    --database-url "$DATABASE_URL" --logs "$STACK/logs" "$STACK/run.out" || status=$?
python3 "$OPEN137_ROOT/Tests/Browser/dashboard_test.py" --base "$COUNCIL_URL" --shots "$SHOTS" \
    --council council-one --password "$password" --database-url "$DATABASE_URL" || status=$?
python3 "$OPEN137_ROOT/Tests/Browser/desk_test.py" --base "$DESK_URL" --intake "$INTAKE_URL" --council "$COUNCIL_URL" \
    --council-key "$OPEN137_COUNCIL_KEY" --shots "$SHOTS" --staff parks-one --colleague parks-two --password "$password" \
    --database-url "$DATABASE_URL" || status=$?
exit "$status"
