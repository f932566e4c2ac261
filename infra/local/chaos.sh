#!/usr/bin/env bash
# `make chaos`: `open137-load loadgen` against a private pipeline (release build, WORKERS=2, supervised by run.sh:
# OPEN137_RESTART=1) while faults hit it — SIGKILL of a random worker every few seconds (run.sh restarts it),
# one broker restart during dead-lettering (a burst of poison on its way to the dead-letter queues, some
# through the retry queues' expiry, while the broker stops), one `pg_ctl stop -m immediate` of the database
# (then started again), one long database outage (CHAOS_DB_OUTAGE seconds, the load going on), poison
# messages on the exchanges feeding intake.submissions, classifier.reports, router.reports and
# router.unit-updates, and a valid submission planted in intake.rejected that `open137 dlq replay` brings
# back at the end. Then it prints and asserts: lost = 0, duplicates visible to units = 0, duplicates on the
# wire > 0 (the faults bit; printed but not asserted in the short run), nothing missing or doubled in the
# audit log, `open137 audit verify` passes, every accepted report has exactly one assignment, every report
# reached its unit within 30 s of the last fault (or of its acceptance, when later), the work queues are
# empty, the poison (and every confirmed message of the burst) is in its dead-letter queue and in no unit's
# delivery, nothing but this run's poison is in any dead-letter queue, the replayed report was stored, routed
# and delivered to its unit, no service logged "outbox relay stuck" (the relay watchdog), and the security
# pass (with its canary hunt over every log of the run) passes. Exit 0 only if all hold; otherwise 1 with the
# reasons. Loopback only.
#
# Environment (all optional):
#   CHAOS_SHORT=1          the short version (make test): 60 s of load at a lower rate, a 20 s outage
#   CHAOS_DURATION         seconds of load besides the long outage (default 150; short 60): the load runs
#                          CHAOS_DURATION + CHAOS_DB_OUTAGE seconds, and 30 more with an outage (it waits for
#                          the broker restart before it)
#   CHAOS_DB_OUTAGE        seconds the database stays down in the long outage (`postgres.sh stop` fast, then
#                          start), from 50 % of CHAOS_DURATION or the end of the broker restart, whichever
#                          is later (default 180; short 20; 0 skips it)
#   CHAOS_RATE             reports a second (default 30; short 5)
#   CHAOS_KILL_EVERY       seconds between SIGKILLs (default 6); every other one hits a router copy (the stage
#                          that publishes to the units), and so does a kill 2 s after the broker and after the
#                          database come back (when the backlog flows through the routers' outbox relays)
#   CHAOS_WORKERS          copies of each worker service (default 2)
#   CHAOS_SECURITY=0       skip the security pass at the end
#   CHAOS_TIMEOUT          seconds the run may take, from the start of the stack to the verdict (default
#                          300 + CHAOS_DB_OUTAGE, and 30 more with an outage)
#   CHAOS_STACK_DIR        its stack (default .local/chaos; wiped at the start, stopped at the end)
#   CHAOS_AMQP_PORT, CHAOS_PG_PORT, CHAOS_INTAKE_PORT, CHAOS_COUNCIL_PORT, CHAOS_OPS_BASE_PORT
#                          its ports (default 5742, 5502, 8742, 8743, 9740: ops ports 9741-9745, 9752-9755)
#   OPEN137_BIN_DIR        binaries to use as they are (default: swift build -c release, then .build/release)
# Files (in the stack): run.out (run.sh), loadgen.out, ids.tsv (accepted reports), logs/, chaos.log (faults),
#   burst.tsv (the burst's messages: marker, path, work queue, outcome), poison.out (the dead-letter check),
#   dlq-list.out, dlq-list-after.out, replay.out (open137 dlq list before and after, replay).
set -euo pipefail
OPEN137_LOG_TAG="chaos"
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=infra/local/pipeline-lib.sh
source "$OPEN137_LOCAL_DIR/pipeline-lib.sh"
# shellcheck source=infra/local/chaos-lib.sh
source "$OPEN137_LOCAL_DIR/chaos-lib.sh"
cd "$OPEN137_ROOT"

SHORT=""; [[ "${CHAOS_SHORT:-0}" == 0 ]] || SHORT=1
DURATION="${CHAOS_DURATION:-$([[ -n "$SHORT" ]] && echo 60 || echo 150)}"
DB_OUTAGE="${CHAOS_DB_OUTAGE:-$([[ -n "$SHORT" ]] && echo 20 || echo 180)}"
RATE="${CHAOS_RATE:-$([[ -n "$SHORT" ]] && echo 5 || echo 30)}"
KILL_EVERY="${CHAOS_KILL_EVERY:-6}"
WORKERS="${CHAOS_WORKERS:-2}"
[[ "$DB_OUTAGE" =~ ^[0-9]+$ ]] || die "CHAOS_DB_OUTAGE=$DB_OUTAGE must be a whole number of seconds (0 skips the outage)"
# The long outage follows the broker restart, which takes 15-55 s (the longer on a busy machine): the load
# gets that much more so that it goes on after the outage.
OUTAGE_SLACK=$(( DB_OUTAGE > 0 ? 30 : 0 ))
TIMEOUT="${CHAOS_TIMEOUT:-$((300 + DB_OUTAGE + OUTAGE_SLACK))}"
DRAIN=30
for pair in "CHAOS_DURATION=$DURATION" "CHAOS_KILL_EVERY=$KILL_EVERY" "CHAOS_WORKERS=$WORKERS" "CHAOS_TIMEOUT=$TIMEOUT"; do
    [[ "${pair#*=}" =~ ^[1-9][0-9]*$ ]] || die "${pair%%=*}=${pair#*=} must be a positive integer"
done
# The load goes on through the long outage: CHAOS_DURATION seconds besides it (and the slack).
LOAD_SECONDS=$((DURATION + DB_OUTAGE + OUTAGE_SLACK))
[[ "$RATE" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "CHAOS_RATE=$RATE must be a number"
(( DURATION >= 40 )) || die "CHAOS_DURATION=$DURATION: at least 40 s (the faults need room)"

export OPEN137_STACK_DIR="${CHAOS_STACK_DIR:-.local/chaos}"
STACK="$(stack_dir)"
export OPEN137_STACK_DIR="$STACK"
export OPEN137_AMQP_PORT="${CHAOS_AMQP_PORT:-5742}" OPEN137_PG_PORT="${CHAOS_PG_PORT:-5502}"
export INTAKE_PORT="${CHAOS_INTAKE_PORT:-8742}" COUNCIL_PORT="${CHAOS_COUNCIL_PORT:-8743}"
export OPEN137_OPS_BASE_PORT="${CHAOS_OPS_BASE_PORT:-9740}"
# The security pass at the end sends a few dozen reopen requests from one address.
export INTAKE_REOPENS_PER_MINUTE=1000
CHAOS_LOG="$STACK/chaos.log"
IDS="$STACK/ids.tsv"
BURST="$STACK/burst.tsv"

LOADGEN_PID="" BURST_PID="" DB_DOWN=""
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if pid_alive "$LOADGEN_PID"; then kill -TERM "$LOADGEN_PID" 2>/dev/null || true; wait "$LOADGEN_PID" 2>/dev/null || true; fi
    if pid_alive "$BURST_PID"; then kill -TERM "$BURST_PID" 2>/dev/null || true; wait "$BURST_PID" 2>/dev/null || true; fi
    # An outage interrupted half-way: the database comes back so that run.sh stops the services cleanly.
    [[ -z "$DB_DOWN" ]] || "$OPEN137_LOCAL_DIR/postgres.sh" start >> "$CHAOS_LOG" 2>&1 || true
    pipeline_stop
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -n "${OPEN137_BIN_DIR:-}" ]]; then
    BIN="$OPEN137_BIN_DIR"
else
    log "swift build -c release"
    swift build -c release >&2 || die "swift build -c release failed"
    BIN="$OPEN137_ROOT/.build/release"
fi
export OPEN137_BIN_DIR="$BIN"
for name in open137 open137-load intake classifier router notifier council-audit; do
    [[ -x "$BIN/$name" ]] || die "$BIN/$name is missing"
done

STARTED=$SECONDS
DEADLINE=$((SECONDS + TIMEOUT))
over_time() { (( SECONDS >= DEADLINE )); }

log "starting the pipeline under ${STACK#"$OPEN137_ROOT"/} (WORKERS=$WORKERS, supervised; AMQP $OPEN137_AMQP_PORT, PostgreSQL $OPEN137_PG_PORT, intake $INTAKE_PORT)"
WORKERS="$WORKERS" pipeline_start "$TIMEOUT" || exit 1
mkdir -p "$STACK"
[[ -n "${RABBITMQ_MANAGEMENT_URL:-}" ]] || die "the chaos broker has no management plugin (RABBITMQ_MANAGEMENT_URL is unset)"
log "pipeline ready in $((SECONDS - STARTED)) s: $PIPELINE_SERVICES services"

broker() { python3 "$OPEN137_LOCAL_DIR/chaos-broker.py" "$1" --management "$RABBITMQ_MANAGEMENT_URL" "${@:2}"; }
broker spy >&2 || die "could not declare the spy queue"

# ---------------------------------------------------------------------------------------------------
# Load and faults

RUN_ID="$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
log "open137-load loadgen --rate $RATE --duration $LOAD_SECONDS --drain-timeout $DRAIN (output: $STACK/loadgen.out)"
"$BIN/open137-load" loadgen --rate "$RATE" --duration "$LOAD_SECONDS" --drain-timeout "$DRAIN" --ids-file "$IDS" \
    > "$STACK/loadgen.out" 2>&1 &
LOADGEN_PID=$!
LOAD_START=$SECONDS

# The faults run during the load: kills until 8 s before its end; the immediate database stop (about 5 s),
# the broker restart during dead-lettering (15-55 s with every client connected) and the long outage happen
# once each, in that order, even if they run late.
FAULT_END=$((LOAD_SECONDS - 8))
POISON_AT=3
DB_AT=$((DURATION * 15 / 100))
BROKER_AT=$((DURATION * 35 / 100))
OUTAGE_AT=$((DURATION * 50 / 100))
# The burst of poison starts this many seconds before the broker stops: what it put into the retry queues
# then expires (the broker dead-letters it back to the work queues, 5 s TTL) while the broker shuts down,
# and the stages are rejecting the rest to the dead-letter queues at the same moment.
BURST_LEAD=4
next_kill=5 FORCE_ROUTER=0
kills=0 broker_restarts=0 db_stops=0 outages=0 poisoned=0 planted=0 burst_at=0 outage_end=0 LAST_FAULT="" failures=()
OUTAGE_FROM="" OUTAGE_TO=""
(( DB_OUTAGE > 0 )) || outages=-1
mark_fault() { LAST_FAULT=$EPOCHREALTIME; }

# kill_random — SIGKILL one running worker copy (a router copy when FORCE_ROUTER=1); intake too, now and
# then (it is restartable, and loadgen retries).
kill_random() {
    local candidates=() file pid name
    for file in "$STACK"/pids/*.pid; do
        name="$(basename "$file" .pid)"
        if (( FORCE_ROUTER )); then [[ "$name" == router* ]] || continue; fi
        [[ "$name" != intake* ]] || (( kills % 10 == 5 )) || continue
        pid="$(read_pid "$file")"
        pid_alive "$pid" && candidates+=("$name:$pid")
    done
    (( ${#candidates[@]} > 0 )) || { chaos_log "no running worker to kill (all restarting)"; return 0; }
    local pick=${candidates[RANDOM % ${#candidates[@]}]}
    kill -KILL "${pick#*:}" 2>/dev/null || return 0
    kills=$((kills + 1)); FORCE_ROUTER=0; mark_fault
    chaos_log "SIGKILL ${pick%%:*} (pid ${pick#*:})"
}

restart_broker() {
    chaos_log "broker: stopping (the poison burst is on its way to the dead-letter queues)"
    "$OPEN137_LOCAL_DIR/rabbitmq.sh" stop >> "$CHAOS_LOG" 2>&1 || fail "rabbitmq.sh stop failed (see $CHAOS_LOG)"
    mark_fault
    chaos_log "broker: starting"
    "$OPEN137_LOCAL_DIR/rabbitmq.sh" start >> "$CHAOS_LOG" 2>&1 || fail "rabbitmq.sh start failed (see $CHAOS_LOG)"
    broker_restarts=$((broker_restarts + 1)); mark_fault
    chaos_log "broker: up again"
}

stop_database_immediate() {
    chaos_log "database: pg_ctl stop -m immediate"
    "$OPEN137_LOCAL_DIR/postgres.sh" stop immediate >> "$CHAOS_LOG" 2>&1 || fail "postgres.sh stop immediate failed (see $CHAOS_LOG)"
    mark_fault
    sleep 3
    "$OPEN137_LOCAL_DIR/postgres.sh" start >> "$CHAOS_LOG" 2>&1 || fail "postgres.sh start failed (see $CHAOS_LOG)"
    db_stops=$((db_stops + 1)); mark_fault
    chaos_log "database: up again (crash recovery done)"
}

# The long outage: the database stopped (fast: sessions terminated, a clean shutdown) for DB_OUTAGE seconds
# while the load and the kills go on; intake answers 503 (loadgen retries) and holds AMQP submissions in
# its retry queue, the other stages wait in theirs without spending their retry budget.
start_outage() {
    chaos_log "database: long outage begins (postgres.sh stop, ${DB_OUTAGE} s)"
    "$OPEN137_LOCAL_DIR/postgres.sh" stop >> "$CHAOS_LOG" 2>&1 || fail "postgres.sh stop failed (see $CHAOS_LOG)"
    DB_DOWN=1; mark_fault
    outage_end=$((SECONDS + DB_OUTAGE)); OUTAGE_FROM=$((SECONDS - LOAD_START))
}

end_outage() {
    "$OPEN137_LOCAL_DIR/postgres.sh" start >> "$CHAOS_LOG" 2>&1 || fail "postgres.sh start after the outage failed (see $CHAOS_LOG)"
    DB_DOWN=""; outages=1; mark_fault; OUTAGE_TO=$((SECONDS - LOAD_START))
    chaos_log "database: up again after the long outage ($((OUTAGE_TO - OUTAGE_FROM)) s down)"
}

while pid_alive "$LOADGEN_PID" && ! over_time; do
    now=$((SECONDS - LOAD_START))
    (( now < FAULT_END || broker_restarts == 0 || db_stops == 0 || outages == 0 )) || break
    if (( poisoned == 0 && now >= POISON_AT )); then
        if broker poison --run "$RUN_ID" >> "$CHAOS_LOG" 2>&1; then poisoned=1; chaos_log "poison published (run $RUN_ID)"; else fail "publishing poison failed (see $CHAOS_LOG)"; poisoned=-1; fi
        if broker plant-replay --run "$RUN_ID" >> "$CHAOS_LOG" 2>&1; then planted=1; chaos_log "a valid submission planted in intake.rejected (chaos-replay-$RUN_ID)"; else fail "planting the replay message failed (see $CHAOS_LOG)"; planted=-1; fi
    # After the broker and the database come back, the backlog flows through the routers' outbox relays:
    # a router killed 2 s later most likely dies between publishing and marking rows sent (the other copy
    # publishes them again — duplicates on the wire that the units must not see).
    elif [[ -n "$DB_DOWN" ]] && (( SECONDS >= outage_end )); then
        end_outage
        next_kill=$((SECONDS - LOAD_START + 2)) FORCE_ROUTER=1
    elif (( db_stops == 0 && now >= DB_AT )); then
        stop_database_immediate
        next_kill=$((SECONDS - LOAD_START + 2)) FORCE_ROUTER=1
    elif (( burst_at == 0 && now >= BROKER_AT - BURST_LEAD )); then
        python3 "$OPEN137_LOCAL_DIR/chaos-broker.py" burst --management "$RABBITMQ_MANAGEMENT_URL" --run "$RUN_ID" --out "$BURST" \
            --seconds 60 >> "$CHAOS_LOG" 2>&1 &
        BURST_PID=$! burst_at=$SECONDS
        chaos_log "poison burst started (pid $BURST_PID; the broker stops in $BURST_LEAD s)"
    elif (( broker_restarts == 0 && burst_at > 0 && SECONDS >= burst_at + BURST_LEAD )); then
        restart_broker
        next_kill=$((SECONDS - LOAD_START + 2)) FORCE_ROUTER=1
    elif (( outages == 0 && broker_restarts > 0 && db_stops > 0 && now >= OUTAGE_AT )) && [[ -z "$DB_DOWN" ]]; then
        start_outage
    elif (( now >= next_kill && now < FAULT_END )); then
        (( kills % 2 == 1 )) || FORCE_ROUTER=1
        kill_random
        next_kill=$((SECONDS - LOAD_START + KILL_EVERY))
    else
        sleep 0.5
    fi
done
[[ -z "$DB_DOWN" ]] || { fail "the long outage was still on when the load ended"; end_outage; }
if [[ -n "$BURST_PID" ]]; then wait "$BURST_PID" 2>/dev/null || true; BURST_PID=""; fi
(( broker_restarts == 1 )) || fail "the broker was not restarted (the load ended early?)"
(( db_stops == 1 )) || fail "the database was not stopped (the load ended early?)"
(( outages != 0 )) || fail "the long database outage did not happen (the load ended early?)"
(( kills > 0 )) || fail "no worker was killed"
outage_text="no long outage (CHAOS_DB_OUTAGE=0)"
(( outages != 1 )) || outage_text="the database down $((OUTAGE_TO - OUTAGE_FROM)) s (t=${OUTAGE_FROM}-${OUTAGE_TO}s of ${LOAD_SECONDS} s of load)"
# The outage waits for the broker restart before it (15-40 s on a busy machine): in a short configuration
# it can end near or after the end of the load. Not a failure (loadgen resends for 60 s after the load), but
# then little load followed it.
if (( outages == 1 && OUTAGE_TO > LOAD_SECONDS - 10 )); then
    log "note: the long outage ended at t=${OUTAGE_TO}s, $(( OUTAGE_TO > LOAD_SECONDS ? OUTAGE_TO - LOAD_SECONDS : LOAD_SECONDS - OUTAGE_TO )) s $( (( OUTAGE_TO > LOAD_SECONDS )) && echo after || echo before) the end of the load (the broker restart ran late): raise CHAOS_DURATION for more load after it"
fi
chaos_log "faults done: $kills SIGKILLs, $broker_restarts broker restart, $db_stops immediate database stop, $outage_text, poison $([[ $poisoned == 1 ]] && echo sent || echo 'not sent')"

# The load ends, then loadgen drains (up to 30 s) and checks units and the audit log.
chaos_wait_loadgen CHAOS_TIMEOUT

# ---------------------------------------------------------------------------------------------------
# Verdict

chaos_loadgen_verdict "$SHORT" "$loadgen_rc"

chaos_audit_verdict

chaos_assignment_verdict "${LAST_FAULT:-}"

chaos_depth_verdict

# `open137 dlq replay` brings the planted submission back: intake stores it, the pipeline routes it to its
# unit (the spy sees the delivery). Before that, `open137 dlq list` shows what waits in the dead-letter queues.
replay_verdict="replay not tried" replay_report=""
"$BIN/open137" dlq list > "$STACK/dlq-list.out" 2>&1 || fail "open137 dlq list failed: $(tail -n 2 "$STACK/dlq-list.out" | tr '\n' ' ')"
sed 's/^/  /' "$STACK/dlq-list.out" >&2
if (( planted == 1 )); then
    replay_id="chaos-replay-$RUN_ID"
    if "$BIN/open137" dlq replay intake.rejected --message-id "$replay_id" > "$STACK/replay.out" 2>&1 \
        && grep -q "^replayed 1," "$STACK/replay.out"; then
        chaos_log "open137 dlq replay intake.rejected --message-id $replay_id: $(tail -n1 "$STACK/replay.out")"
        replay_row=""
        for _ in $(seq 40); do
            replay_row="$(psql "$DATABASE_URL" -X -q -tA -F ' ' -c "SELECT i.report_id, i.tracking_code, coalesce(rr.unit, '-'), rr.assignment
                FROM intake.reports i LEFT JOIN router.reports rr USING (report_id)
                WHERE i.description LIKE '%$replay_id%'" 2>/dev/null || true)"
            read -r replay_report replay_code replay_unit replay_assignment <<< "$replay_row"
            [[ -z "$replay_row" || "$replay_unit" == - ]] || break
            sleep 1
        done
        if [[ -z "$replay_row" ]]; then
            replay_verdict="replayed, but intake did not store it"
            fail "replay: $replay_id was replayed but intake stored no report from it within 40 s"
            replay_report=""
        elif [[ "$replay_unit" == - ]]; then
            replay_verdict="replayed and stored (report $replay_report), but NOT routed"
            fail "replay: report $replay_report (from $replay_id) was not routed within 40 s"
        else
            replay_verdict="replayed $replay_id: stored as report $replay_report (tracking $replay_code), routed to $replay_unit (assignment $replay_assignment)"
        fi
    else
        replay_verdict="replay FAILED"
        fail "open137 dlq replay intake.rejected --message-id $replay_id: $(tail -n 3 "$STACK/replay.out" | tr '\n' ' ')"
    fi
fi

# The dead-letter queues: every poison message and every confirmed message of the burst in its queue, nothing
# else in any of them, no poison at a unit, the replayed report delivered to its unit.
dlq_verdict="dead-letter queues not checked"
declare -A V=()
if (( poisoned == 1 )); then
    verify_args=(--run "$RUN_ID" --timeout 30)
    [[ ! -s "$BURST" ]] || verify_args+=(--burst "$BURST")
    [[ -z "$replay_report" ]] || verify_args+=(--replayed "$replay_report")
    broker verify "${verify_args[@]}" > "$STACK/poison.out" 2>&1 || fail "dead-letter queues: $(grep -m3 FAIL "$STACK/poison.out" | tr '\n' ' ')"
    grep -v "^FAIL\|^VERDICT" "$STACK/poison.out" >&2 || true
    for pair in $(grep '^VERDICT ' "$STACK/poison.out" | tail -n1); do [[ "$pair" == *=* ]] && V[${pair%%=*}]=${pair#*=}; done
    [[ -s "$BURST" ]] || fail "the poison burst published nothing (see $CHAOS_LOG)"
    dlq_verdict="poison ${V[poison]:-?} in their DLQ; burst around the broker restart (dead-lettering: work queues ${V[strategy_work]:-?}, retry queues ${V[strategy_retry]:-?}): ${V[burst_confirmed]:-?} confirmed, ${V[burst_in_dlq]:-?} in their DLQ (stage reject ${V[burst_stage]:-?}, broker expiry ${V[burst_expiry]:-?}), lost ${V[burst_lost]:-?}, unconfirmed ${V[burst_unconfirmed]:-?} (${V[burst_unconfirmed_in_dlq]:-?} of them in a DLQ); duplicates within a DLQ ${V[dlq_extra_copies]:-?}; not poison in any DLQ ${V[dlq_not_poison]:-?}; poison at units ${V[poison_at_units]:-?}"
    [[ -z "$replay_report" ]] || replay_verdict+="; delivered to its unit: ${V[replay_at_unit]:-?}"
fi
"$BIN/open137" dlq list > "$STACK/dlq-list-after.out" 2>&1 || true
dlq_total="$(awk 'NR > 1 { n += $2 } END { print n + 0 }' "$STACK/dlq-list-after.out")"

# count_in_logs PATTERN — lines of the services' logs matching PATTERN (grep, case-insensitive).
count_in_logs() { cat "$STACK"/logs/*.log 2>/dev/null | grep -ci -- "$1" || true; }

# The relay watchdog: a service whose outbox relay finished no batch for its deadline logs "outbox relay
# stuck" and exits (70) for run.sh to restart it. It must not fire: not in any log of the run.
watchdog_hits="$(count_in_logs "outbox relay stuck")"
watchdog_exits="$(grep -c "exited (status 70)" "$STACK/run.out" 2>/dev/null || true)"
outage_waits="$(count_in_logs "while a dependency is down")"
counted_retries="$(count_in_logs "handling failed; retrying later")"
exhausted="$(count_in_logs "exhausted the retries")"
if (( watchdog_hits > 0 )); then
    fail "the relay watchdog fired: \"outbox relay stuck\" logged $watchdog_hits time(s) ($(grep -li "outbox relay stuck" "$STACK"/logs/*.log | xargs -n1 basename | paste -sd " " -))"
fi

security_verdict="security pass skipped (CHAOS_SECURITY=0)"
if [[ "${CHAOS_SECURITY:-1}" != 0 ]] && ! over_time; then
    log "security pass against the chaos pipeline (canary hunted in every log of the run)"
    mapfile -t log_args < <(pipeline_logs)
    if python3 "$OPEN137_LOCAL_DIR/security-pass.py" --intake "$INTAKE_URL" --council "$COUNCIL_URL" \
        --api-key "$OPEN137_API_KEY" --council-key "$OPEN137_COUNCIL_KEY" --open137 "$BIN/open137" \
        "${log_args[@]}" --logs "$STACK/loadgen.out" --logs "$CHAOS_LOG" > "$STACK/security.out" 2>&1; then
        security_verdict="security pass ok"
    else
        security_verdict="security pass FAILED"
        fail "security pass: $(grep -m5 FAIL "$STACK/security.out" | tr '\n' ' ')"
    fi
    tail -n1 "$STACK/security.out" >&2
fi
over_time && fail "the run took longer than CHAOS_TIMEOUT=${TIMEOUT} s"

{
    echo
    echo "chaos: ${LOAD_SECONDS} s at ${RATE}/s, WORKERS=$WORKERS; faults: $kills SIGKILLs (every ${KILL_EVERY} s), $broker_restarts broker restart during dead-lettering, $db_stops database stop -m immediate, $outage_text, $([[ $poisoned == 1 ]] && echo 20 || echo 0) poison messages + a burst of ${V[burst_published]:-0}"
    echo "chaos: accepted=${R[accepted]:-?} delivered=${R[delivered]:-?} lost=${R[lost]:-?} duplicates_units=${R[duplicates_units]:-?} duplicates_wire=${R[duplicates_wire]:-?} council=${R[council_delivered]:-?}/${R[council_expected]:-?} audit_missing=${R[audit_missing]:-?} p50/p95/p99=${R[p50_ms]:-?}/${R[p95_ms]:-?}/${R[p99_ms]:-?} ms"
    echo "chaos: loadgen: refused / gave up / needed a resend: $(sed -n 's/^ *refused \/ gave up \/ needed a resend *//p' "$STACK/loadgen.out" | tail -n1) (503s and unanswered AMQP submissions during the outages are resent)"
    echo "chaos: $audit_verdict; $assign_verdict; $drain_verdict; $security_verdict"
    echo "chaos: dlq: $dlq_verdict; open137 dlq list at the end: $dlq_total message(s) (the scan read ${V[dlq_scanned]:-?})"
    echo "chaos: replay: $replay_verdict"
    echo "chaos: watchdog: \"outbox relay stuck\" logged $watchdog_hits time(s), exits with status 70: ${watchdog_exits:-0}; retries while a dependency was down (no attempt spent): $outage_waits, retries counting an attempt: $counted_retries, retries exhausted (dead-lettered): $exhausted"
    chaos_outcome chaos
} >&2
(( ${#failures[@]} == 0 ))
