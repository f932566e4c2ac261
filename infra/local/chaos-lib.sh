# shellcheck shell=bash
# The verdict shared by make chaos (chaos.sh) and make chaos-cluster (chaos-cluster.sh). Sourced after lib.sh,
# by a script that sets STACK (the pipeline's stack), BIN (the binaries), IDS (loadgen's --ids-file), DRAIN
# (seconds), CHAOS_LOG (the faults' log), LOAD_START ($SECONDS when the load began), failures=() and
# LOADGEN_PID, and exports DATABASE_URL.

# chaos_log MESSAGE — a timestamped line on stderr and in CHAOS_LOG (t = seconds since the load started).
chaos_log() {
    local line
    line="t=$(( ${LOAD_START:-$SECONDS} > SECONDS ? 0 : SECONDS - ${LOAD_START:-$SECONDS} ))s $*"
    log "$line"
    echo "$(date -u +%FT%TZ) $line" >> "$CHAOS_LOG"
}

# fail MESSAGE — records a failed assertion (the verdict lists them all) and logs it.
fail() { failures+=("$*"); log "FAIL $*"; }

# chaos_wait_loadgen TIMEOUT_KEY — the load ends, then loadgen drains and checks units and the audit log; wait
# for it until over_time (killed then, a failure naming TIMEOUT_KEY); sets loadgen_rc, shows its last lines.
chaos_wait_loadgen() {
    while pid_alive "$LOADGEN_PID" && ! over_time; do sleep 1; done
    loadgen_rc=0
    if pid_alive "$LOADGEN_PID"; then
        kill -TERM "$LOADGEN_PID" 2>/dev/null || true
        fail "loadgen did not finish within $1=${TIMEOUT} s"
    fi
    wait "$LOADGEN_PID" 2>/dev/null || loadgen_rc=$?
    LOADGEN_PID=""
    chaos_log "loadgen finished (status $loadgen_rc)"
    grep -v '^RESULT ' "$STACK/loadgen.out" | tail -n 25 >&2 || true
}

# chaos_loadgen_verdict SHORT LOADGEN_RC — loadgen's RESULT line into R[…] and its assertions: something
# accepted, lost = 0, no duplicates visible to units, duplicates on the wire > 0 (unless SHORT is set: then
# printed only), audit log complete, every council copy delivered, loadgen's status 0.
chaos_loadgen_verdict() {
    local SHORT=$1 loadgen_rc=$2 pair result_line

    declare -gA R=()
    result_line="$(grep '^RESULT ' "$STACK/loadgen.out" | tail -n1 || true)"
    for pair in $result_line; do [[ "$pair" == *=* ]] && R[${pair%%=*}]=${pair#*=}; done
    if [[ -z "$result_line" ]]; then
        fail "loadgen printed no RESULT line (status $loadgen_rc; see $STACK/loadgen.out)"
    else
        (( ${R[accepted]:-0} > 0 )) || fail "no report was accepted"
        [[ "${R[lost]:-x}" == 0 ]] || fail "lost=${R[lost]:-?} (reports accepted but never delivered to their unit)"
        [[ "${R[duplicates_units]:-x}" == 0 ]] || fail "duplicates_units=${R[duplicates_units]:-?} (a unit saw a report twice)"
        # The proof that the faults bit: a unit-queue delivery that came again. It needs traffic in flight at the
        # moment of a fault — the full run's rate (measured: 35 at 30/s); at the short run's 5/s in a debug build
        # it is mostly 0, so there it is printed, not asserted (everything else is).
        if (( ${R[duplicates_wire]:-0} == 0 )); then
            if [[ -z "$SHORT" ]]; then
                fail "duplicates_wire=${R[duplicates_wire]:-?}: no redelivery on the wire — the faults did not bite"
            else
                log "note: duplicates_wire=0 (not asserted in this run)"
            fi
        fi
        [[ "${R[audit_missing]:-x}" == 0 && "${R[audit_duplicates]:-x}" == 0 ]] \
            || fail "audit log: missing=${R[audit_missing]:-?} duplicates=${R[audit_duplicates]:-?}"
        [[ "${R[council_expected]:-x}" == "${R[council_delivered]:-y}" ]] \
            || fail "council: expected ${R[council_expected]:-?} child reports, delivered ${R[council_delivered]:-?}"
        (( loadgen_rc == 0 )) || fail "loadgen exited with status $loadgen_rc"
    fi
}

# chaos_audit_verdict — `open137 audit verify` over the run; sets audit_verdict.
chaos_audit_verdict() {
    if "$BIN/open137" audit verify > "$STACK/audit-verify.out" 2>&1; then
        audit_verdict="audit chain verifies"
    else
        audit_verdict="audit chain BROKEN"
        fail "open137 audit verify failed: $(tail -n 3 "$STACK/audit-verify.out" | tr '\n' ' ')"
    fi
}

# chaos_assignment_verdict LAST_FAULT — every accepted report has one assignment, none of its unit deliveries
# is left unsent, and each was routed within DRAIN s of the later of its acceptance and LAST_FAULT (epoch
# seconds); sets assign_verdict and drain_verdict.
chaos_assignment_verdict() {
    local LAST_FAULT=$1
    # Every accepted report: one assignment (router.reports, on assignment 1; loadgen saw its one delivery at the
    # unit), none of its deliveries left unsent in the router's outbox (the relay marks or deletes what the broker
    # confirmed), and routed within 30 s of the later of its acceptance and the last fault.
    assign_verdict="" drain_verdict=""
    if [[ -s "$IDS" ]]; then
        last_fault="${LAST_FAULT:-$EPOCHREALTIME}"
        # A router copy SIGKILLed after publishing and before settling leaves its rows leased: the unit has the
        # delivery (loadgen saw it), and a live copy's sweep settles the rows once the lease (Outbox.lease, 30 s)
        # runs out, publishing them again (consumers are idempotent). So the outbox may hold unsettled unit
        # deliveries for up to the lease after the last fault; wait for that before counting them.
        settle_limit=$(python3 -c "import sys, time; print(max(0, int(float(sys.argv[1]) + 30 + $DRAIN - time.time())))" "$last_fault")
        settle_started=$SECONDS
        while (( SECONDS - settle_started < settle_limit )); do
            unsettled="$(psql "$DATABASE_URL" -X -qAt -c "SELECT count(*) FROM router.outbox WHERE exchange = 'open137.units' AND sent_at IS NULL" 2>/dev/null || echo '?')"
            [[ "$unsettled" == 0 ]] && break
            sleep 1
        done
        chaos_log "router outbox: unit deliveries unsettled after $((SECONDS - settle_started)) s of waiting: ${unsettled:-?} (limit: the lease + $DRAIN s after the last fault)"
        if ! summary="$(psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 -tA -F ' ' 2>&1 <<SQL
CREATE TEMP TABLE accepted (report_id text, tracking_code text, channel text);
\\copy accepted FROM '$IDS'
WITH reports AS (
    SELECT i.report_id, i.received_at FROM accepted a
    JOIN intake.reports i ON (a.report_id <> '-' AND i.report_id::text = a.report_id) OR (a.report_id = '-' AND i.tracking_code::text = a.tracking_code)
)
SELECT (SELECT count(*) FROM accepted),
       count(*),
       count(*) FILTER (WHERE rr.report_id IS NULL),
       count(*) FILTER (WHERE rr.assignment <> 1),
       count(*) FILTER (WHERE rr.report_id IS NULL) + (SELECT count(*) FROM router.outbox o JOIN reports r2 ON o.event_id = r2.report_id::text || '.a1'
                                                        WHERE o.exchange = 'open137.units' AND o.sent_at IS NULL),
       coalesce(round(max(extract(epoch FROM rr.routed_at) - greatest(extract(epoch FROM r.received_at), $last_fault))::numeric, 1), 0),
       coalesce(round((max(extract(epoch FROM rr.routed_at)) - $last_fault)::numeric, 1), 0)
FROM reports r LEFT JOIN router.reports rr USING (report_id);
SQL
        )"; then
            fail "the assignment query failed: $summary"
        else
            read -r n_ids n_known n_unrouted n_reassigned n_bad_delivery worst_wait last_delivery <<< "$(tail -n1 <<< "$summary")"
            if (( n_ids == n_known && n_unrouted == 0 && n_reassigned == 0 && n_bad_delivery == 0 )); then
                assign_verdict="every accepted report ($n_known) has exactly one assignment"
            else
                assign_verdict="assignments WRONG"
                fail "assignments: $n_ids accepted, $n_known in intake, $n_unrouted without assignment, $n_reassigned not on assignment 1, $n_bad_delivery not routed or with a unit delivery still unsent"
            fi
            if (( n_bad_delivery > 0 )); then
                drain_verdict="NOT drained: $n_bad_delivery reports never reached their unit"
                fail "not drained: $n_bad_delivery accepted reports never reached their unit"
            else
                drain_verdict="slowest report routed ${worst_wait} s after the later of its acceptance and the last fault"
            fi
            python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= $DRAIN else 1)" "$worst_wait" \
                || fail "not drained within $DRAIN s of the last fault: a report was routed $worst_wait s after it"
        fi
    else
        fail "loadgen wrote no ids file ($IDS)"
    fi
}

# chaos_depth_verdict — the work and retry queues empty at the end (chaos-broker.py depth, through the
# management API of RABBITMQ_MANAGEMENT_URL); sets depth.
chaos_depth_verdict() {
    # The other stages (read model, notifier, audit) finish their part too: the work queues empty (counts lag ~1 s).
    for _ in $(seq 20); do
        depth="$(broker depth 2>/dev/null || echo '?')"
        [[ "$depth" != 0 ]] || break
        sleep 1
    done
    [[ "$depth" == 0 ]] || fail "messages still in the work and retry queues at the end: $depth"
}

# chaos_outcome TAG — the verdict's last lines on stdout (the caller redirects): PASS with the time since
# STARTED, or FAIL with every failed assertion; then its status (0 for PASS).
chaos_outcome() {
    if (( ${#failures[@]} == 0 )); then
        echo "$1: PASS in $((SECONDS - STARTED)) s (files in ${STACK#"$OPEN137_ROOT"/}/)"
    else
        echo "$1: FAIL — ${#failures[@]} assertion(s) failed:"
        printf '  - %s\n' "${failures[@]}"
    fi
}
