#!/usr/bin/env bash
# `make chaos-cluster`: `open137-load loadgen` against a private pipeline whose broker is a three-node RabbitMQ
# cluster and whose database is two PostgreSQL nodes under Patroni behind HAProxy (OPEN137_CLUSTER=1:
# infra/local/rabbitmq-cluster.sh, every service's AMQP_URL names the three nodes; infra/local/postgres-ha.sh,
# every DATABASE_URL names HAProxy's primary port), WORKERS=2, supervised by run.sh, while the cluster loses nodes:
#   1. at CHAOS_CLUSTER_KILL_AT s: SIGKILL of the node that leads the most quorum queues (the management API's
#      `leader` of each quorum queue), then `rabbitmq-cluster.sh node-start` of it: it rejoins the cluster;
#   2. CHAOS_CLUSTER_STOP_AFTER s after it is back: a clean stop (`rabbitmqctl stop`) of the node that then leads
#      the most queues, other than the one killed; it stays down to the end (two of three nodes: every quorum
#      queue keeps its majority);
#   3. CHAOS_CLUSTER_PG_KILL_AFTER s after that stop: the PostgreSQL primary's machine is lost — SIGKILL of its
#      Patroni, its postmaster and every server process at once (postgres-ha.sh node-kill). The standby is promoted
#      when the leader key expires (Patroni's /cluster shows it leader, running); HAProxy's check moves the primary
#      port to it. CHAOS_CLUSTER_PG_REJOIN_AFTER s after the promotion the old primary's Patroni starts again: it
#      rejoins as the synchronous standby on the new timeline (crash recovery, then pg_rewind when it diverged).
# Then the verdict of make chaos (chaos-lib.sh): lost = 0, duplicates visible to units = 0, the audit log complete
# and `open137 audit verify` passing, every council copy delivered, every accepted report with exactly one
# assignment and routed within DRAIN (30) s of the later of its acceptance and the last fault (for the database:
# the promotion), the work and retry queues empty. Duplicates on the wire are printed, not asserted (no worker is killed here; a node loss bites
# only deliveries in flight at that moment). Printed too: accept-to-routed latency (p50/p99/max, from the
# database) before the faults, during each fault and after them, and how many service connections moved to
# another node (the services' "AMQP connection lost" lines); for the database: seconds from the kill to the
# promotion, to intake's first accepted report and to the router's first routed report on the new primary, and
# to the old primary streaming again.
#
# Environment (all optional):
#   CHAOS_CLUSTER_RATE        reports a second (default 25)
#   CHAOS_CLUSTER_DURATION    seconds of load (default 120)
#   CHAOS_CLUSTER_KILL_AT     second of the load at which the leader node is killed (default 15)
#   CHAOS_CLUSTER_STOP_AFTER  seconds between the killed node being back and the clean stop (default 5)
#   CHAOS_CLUSTER_PG_KILL_AFTER    seconds between the clean stop and the PostgreSQL primary's loss (default 20)
#   CHAOS_CLUSTER_PG_REJOIN_AFTER  seconds between the promotion and the old primary's restart (default 10)
#   CHAOS_CLUSTER_WORKERS     copies of each worker service (default 2)
#   CHAOS_CLUSTER_TIMEOUT     seconds from the start of the stack to the verdict (default 900: the cluster joins in
#                             1-4 minutes on a busy 2-core machine)
#   CHAOS_CLUSTER_STACK_DIR   its stack (default .local/chaos-cluster; wiped at the start, stopped at the end)
#   CHAOS_CLUSTER_AMQP_PORT, CHAOS_CLUSTER_PG_PORT, CHAOS_CLUSTER_INTAKE_PORT, CHAOS_CLUSTER_COUNCIL_PORT,
#   CHAOS_CLUSTER_OPS_BASE_PORT  its ports (default 5792 (nodes on 5792-5794), 5552 (HAProxy; PostgreSQL nodes on
#                             5553-5554, Patroni REST 8553-8554, replicas 5555, etcd 8555-8556), 8792, 8793, 9790)
#   OPEN137_BIN_DIR           binaries to use (default .build/release when it has them all; nothing is built)
# Files (in the stack): run.out, loadgen.out, ids.tsv, logs/, chaos.log (each fault with its time), latency.out.
set -euo pipefail
OPEN137_LOG_TAG="chaos-cluster"
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=infra/local/pipeline-lib.sh
source "$OPEN137_LOCAL_DIR/pipeline-lib.sh"
# shellcheck source=infra/local/chaos-lib.sh
source "$OPEN137_LOCAL_DIR/chaos-lib.sh"
cd "$OPEN137_ROOT"

RATE="${CHAOS_CLUSTER_RATE:-25}"
DURATION="${CHAOS_CLUSTER_DURATION:-120}"
KILL_AT="${CHAOS_CLUSTER_KILL_AT:-15}"
STOP_AFTER="${CHAOS_CLUSTER_STOP_AFTER:-5}"
PG_KILL_AFTER="${CHAOS_CLUSTER_PG_KILL_AFTER:-20}"
PG_REJOIN_AFTER="${CHAOS_CLUSTER_PG_REJOIN_AFTER:-10}"
WORKERS="${CHAOS_CLUSTER_WORKERS:-2}"
TIMEOUT="${CHAOS_CLUSTER_TIMEOUT:-900}"
DRAIN=30
for pair in "CHAOS_CLUSTER_DURATION=$DURATION" "CHAOS_CLUSTER_KILL_AT=$KILL_AT" "CHAOS_CLUSTER_STOP_AFTER=$STOP_AFTER" \
            "CHAOS_CLUSTER_PG_KILL_AFTER=$PG_KILL_AFTER" "CHAOS_CLUSTER_PG_REJOIN_AFTER=$PG_REJOIN_AFTER" \
            "CHAOS_CLUSTER_WORKERS=$WORKERS" "CHAOS_CLUSTER_TIMEOUT=$TIMEOUT"; do
    [[ "${pair#*=}" =~ ^[1-9][0-9]*$ ]] || die "${pair%%=*}=${pair#*=} must be a positive integer"
done
[[ "$RATE" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "CHAOS_CLUSTER_RATE=$RATE must be a number"

if [[ -z "${OPEN137_BIN_DIR:-}" ]]; then
    export OPEN137_BIN_DIR="$OPEN137_ROOT/.build/release"
fi
BIN="$OPEN137_BIN_DIR"
[[ -x "$BIN/open137-load" ]] || die "$BIN/open137-load is missing (swift build -c release, or set OPEN137_BIN_DIR)"
export OPEN137_CLUSTER=1
pipeline_configure CHAOS_CLUSTER .local/chaos-cluster 5792 5552 8792 8793 9790
CHAOS_LOG="$STACK/chaos.log"
IDS="$STACK/ids.tsv"
CLUSTER="$OPEN137_LOCAL_DIR/rabbitmq-cluster.sh"
PG_HA="$OPEN137_LOCAL_DIR/postgres-ha.sh"

LOADGEN_PID=""
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if pid_alive "$LOADGEN_PID"; then kill -TERM "$LOADGEN_PID" 2>/dev/null || true; wait "$LOADGEN_PID" 2>/dev/null || true; fi
    pipeline_stop
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

failures=()

STARTED=$SECONDS
DEADLINE=$((SECONDS + TIMEOUT))
over_time() { (( SECONDS >= DEADLINE )); }

log "starting the pipeline on a three-node cluster under ${STACK#"$OPEN137_ROOT"/} (WORKERS=$WORKERS; AMQP $OPEN137_AMQP_PORT-$((OPEN137_AMQP_PORT + 2)), PostgreSQL pair behind HAProxy $OPEN137_PG_PORT, binaries $BIN)"
WORKERS="$WORKERS" pipeline_start "$TIMEOUT" || exit 1
log "pipeline ready in $((SECONDS - STARTED)) s: $PIPELINE_SERVICES services"

# node_url N — node N's management API (from the stack's env).
node_url() { sed -n "s/^RABBITMQ_NODE$1_MANAGEMENT_URL=//p" "$STACK/stack.env"; }
DOWN=()
# live_management — the management API of a node that is not down.
live_management() {
    local n
    for n in 1 2 3; do
        [[ " ${DOWN[*]} " == *" $n "* ]] || { node_url "$n"; return; }
    done
}
broker() { python3 "$OPEN137_LOCAL_DIR/chaos-broker.py" "$1" --management "$(live_management)" "${@:2}"; }

# The replicas: every quorum queue of the topology on all three nodes (the default initial group size).
replicas="$(curl -fsS -m 10 -u guest:guest "$(node_url 1)api/queues?columns=name,type,members" | python3 -c '
import json, sys
queues = [q for q in json.load(sys.stdin) if q.get("type") == "quorum"]
print(len(queues), sum(1 for q in queues if len(q.get("members", [])) == 3))')"
read -r n_quorum n_three <<< "$replicas"
chaos_log "quorum queues: $n_quorum, with three replicas: $n_three"
(( n_quorum > 0 && n_quorum == n_three )) || fail "quorum queues with three replicas: $n_three of $n_quorum"

# leader_node [EXCEPT] — the number of the node leading the most quorum queues (not EXCEPT), and the count.
leader_node() {
    local name count
    while read -r name count; do
        local n="${name##*-n}"; n="${n%%@*}"
        [[ "$n" != "${1:-}" ]] || continue
        echo "$n $count"; return
    done < <(OPEN137_STACK_DIR="$STACK" "$CLUSTER" leaders 2>/dev/null)
    echo "${2:-1} 0"
}

RUN_START_EPOCH=$EPOCHREALTIME
log "open137-load loadgen --rate $RATE --duration $DURATION --drain-timeout $DRAIN (output: $STACK/loadgen.out)"
"$BIN/open137-load" loadgen --rate "$RATE" --duration "$DURATION" --drain-timeout "$DRAIN" --ids-file "$IDS" \
    > "$STACK/loadgen.out" 2>&1 &
LOADGEN_PID=$!
LOAD_START=$SECONDS
LOAD_START_EPOCH=$EPOCHREALTIME

KILL_FROM="" KILL_BACK="" STOP_FROM="" KILLED="" STOPPED="" LAST_FAULT=""
while pid_alive "$LOADGEN_PID" && ! over_time && (( SECONDS - LOAD_START < KILL_AT )); do sleep 0.5; done
read -r KILLED leads <<< "$(leader_node)"
chaos_log "node $KILLED leads $leads quorum queues: SIGKILL"
KILL_FROM=$EPOCHREALTIME
OPEN137_STACK_DIR="$STACK" "$CLUSTER" node-kill "$KILLED" >> "$CHAOS_LOG" 2>&1 || fail "node-kill $KILLED failed (see $CHAOS_LOG)"
DOWN=("$KILLED")
sleep 2
chaos_log "node $KILLED: starting again (it rejoins)"
OPEN137_STACK_DIR="$STACK" "$CLUSTER" node-start "$KILLED" >> "$CHAOS_LOG" 2>&1 || fail "node-start $KILLED failed (see $CHAOS_LOG)"
DOWN=()
KILL_BACK=$EPOCHREALTIME
# The management API, not rabbitmqctl: the CLI boots an Erlang VM of its own (seconds on a busy machine).
running="$(curl -fsS -m 10 -u guest:guest "$(node_url "$KILLED")api/nodes?columns=name,running" 2>/dev/null \
    | python3 -c 'import json, sys; print(sum(1 for n in json.load(sys.stdin) if n.get("running")))' 2>/dev/null || echo '?')"
chaos_log "node $KILLED back after $(python3 -c "print(round($KILL_BACK - $KILL_FROM, 1))") s; running nodes in the cluster: $running"
[[ "$running" == 3 ]] || fail "node $KILLED did not rejoin: $running running nodes"
LAST_FAULT=$EPOCHREALTIME

stop_at=$((SECONDS + STOP_AFTER))
while ! over_time && (( SECONDS < stop_at )); do sleep 0.5; done
read -r STOPPED leads <<< "$(leader_node "$KILLED" $(( KILLED % 3 + 1 )))"
chaos_log "node $STOPPED leads $leads quorum queues: clean stop (it stays down)"
STOP_FROM=$EPOCHREALTIME
DOWN=("$STOPPED")
OPEN137_STACK_DIR="$STACK" "$CLUSTER" node-stop "$STOPPED" >> "$CHAOS_LOG" 2>&1 || fail "node-stop $STOPPED failed (see $CHAOS_LOG)"
STOP_DONE=$EPOCHREALTIME
LAST_FAULT=$STOP_DONE
chaos_log "node $STOPPED stopped in $(python3 -c "print(round($STOP_DONE - $STOP_FROM, 1))") s"
stop_began=$(python3 -c "print(int($STOP_FROM - $LOAD_START_EPOCH))")
if (( stop_began >= DURATION - 5 )); then
    fail "the clean stop began at t=${stop_began}s, at the end of the load (raise CHAOS_CLUSTER_DURATION)"
fi

# The database: the primary's machine lost under load, the standby promoted, the old primary back as a replica.
pg() { OPEN137_STACK_DIR="$STACK" "$PG_HA" "$@"; }
# pg_member NAME — "role state timeline" of Patroni member NAME (empty when it is not in /cluster).
pg_member() { pg members 2>/dev/null | awk -v name="$1" '$1 == name { print $2, $3, $4 }'; }
# first_commit_after TABLE EPOCH — seconds from EPOCH to the first commit after it that wrote a row of TABLE (the
# commit's own time, track_commit_timestamp: a row's clock column is set before its transaction commits; empty
# when none yet).
first_commit_after() {
    psql "$DATABASE_URL" -X -qAt -c "SELECT round((extract(epoch FROM min(c)) - $2)::numeric, 1) FROM (SELECT pg_xact_commit_timestamp(xmin) AS c FROM $1) t WHERE c > to_timestamp($2)" 2>/dev/null || true
}
secs() { python3 -c "print(round($1 - $2, 1))"; }
pg_wait_at=$((SECONDS + PG_KILL_AFTER))
while ! over_time && (( SECONDS < pg_wait_at )); do sleep 0.5; done
PG_OLD="$(pg leader)"
PG_KILL_FROM="" PG_KILLED="" PG_PROMOTED="" PG_INTAKE_AGAIN="" PG_ROUTED_AGAIN="" PG_START_FROM="" PG_REJOINED="" PG_REWIND=""
if [[ -z "$PG_OLD" ]]; then
    fail "no PostgreSQL leader before the database fault: $(pg members 2>&1 | tr '\n' ';')"
else
    PG_NEW=$(( PG_OLD % 2 + 1 ))
    [[ "$(pg_member "n$PG_NEW")" == "sync_standby running"* ]] || fail "n$PG_NEW was not the synchronous standby before the fault: $(pg_member "n$PG_NEW")"
    chaos_log "PostgreSQL n$PG_OLD leads, n$PG_NEW is its synchronous standby: SIGKILL of n$PG_OLD's Patroni and server (the machine's loss)"
    PG_KILL_FROM=$EPOCHREALTIME
    pg node-kill "$PG_OLD" >> "$CHAOS_LOG" 2>&1 || fail "postgres-ha.sh node-kill $PG_OLD failed (see $CHAOS_LOG)"
    # Every process of the node is gone now (node-kill waits for them): the times below count from here.
    PG_KILLED=$EPOCHREALTIME
    # The promotion, as Patroni's REST API sees it: the survivor leads, running.
    while ! over_time && [[ "$(pg_member "n$PG_NEW")" != "leader running"* ]]; do sleep 0.2; done
    PG_PROMOTED=$EPOCHREALTIME
    chaos_log "PostgreSQL n$PG_NEW promoted $(secs "$PG_PROMOTED" "$PG_KILLED") s after the kill ($(pg_member "n$PG_NEW"): role state timeline)"
    # The pipeline moves again: intake stores a report, and the router routes one, on the new primary.
    moved_limit=$((SECONDS + 120))
    while ! over_time && (( SECONDS < moved_limit )); do
        [[ -n "$PG_INTAKE_AGAIN" ]] || PG_INTAKE_AGAIN="$(first_commit_after intake.reports "$PG_KILLED")"
        [[ -n "$PG_ROUTED_AGAIN" ]] || PG_ROUTED_AGAIN="$(first_commit_after router.reports "$PG_KILLED")"
        [[ -z "$PG_INTAKE_AGAIN" || -z "$PG_ROUTED_AGAIN" ]] || break
        sleep 0.5
    done
    chaos_log "after the kill: the first commit to intake.reports at +${PG_INTAKE_AGAIN:-?} s, to router.reports at +${PG_ROUTED_AGAIN:-?} s"
    [[ -n "$PG_INTAKE_AGAIN" && -n "$PG_ROUTED_AGAIN" ]] || fail "the pipeline did not store and route again within 120 s of the promotion"
    rejoin_at=$((SECONDS + PG_REJOIN_AFTER))
    while ! over_time && (( SECONDS < rejoin_at )); do sleep 0.5; done
    chaos_log "PostgreSQL n$PG_OLD: Patroni starting again (it must rejoin as a replica)"
    PG_START_FROM=$EPOCHREALTIME
    pg node-start "$PG_OLD" >> "$CHAOS_LOG" 2>&1 || fail "postgres-ha.sh node-start $PG_OLD failed (see $CHAOS_LOG)"
    new_timeline="$(pg_member "n$PG_NEW" | awk '{print $3}')"
    rejoin_limit=$((SECONDS + 120))
    while ! over_time && (( SECONDS < rejoin_limit )) && [[ "$(pg_member "n$PG_OLD")" != "sync_standby running $new_timeline" ]]; do sleep 0.5; done
    PG_REJOINED=$EPOCHREALTIME
    if [[ "$(pg_member "n$PG_OLD")" == "sync_standby running $new_timeline" ]]; then
        PG_REWIND="no pg_rewind needed"
        ! grep -q "pg_rewind exit code=0" "$STACK/postgres-ha/n$PG_OLD/patroni.log" || PG_REWIND="pg_rewind ran"
        chaos_log "PostgreSQL n$PG_OLD rejoined as the synchronous standby on timeline $new_timeline $(secs "$PG_REJOINED" "$PG_START_FROM") s after its start ($PG_REWIND)"
    else
        fail "PostgreSQL n$PG_OLD did not rejoin as the synchronous standby on timeline $new_timeline: $(pg_member "n$PG_OLD") (see $STACK/postgres-ha/n$PG_OLD/patroni.log)"
    fi
    # The drain is judged from the promotion, the moment the pipeline can move again; the old primary's return
    # stops nothing (non-strict synchronous mode: the leader commits alone until its standby is back).
    LAST_FAULT=$PG_PROMOTED
    pg_began=$(python3 -c "print(int($PG_KILL_FROM - $LOAD_START_EPOCH))")
    (( pg_began < DURATION - 20 )) || fail "the database fault began at t=${pg_began}s, at the end of the load (raise CHAOS_CLUSTER_DURATION)"
fi

chaos_wait_loadgen CHAOS_CLUSTER_TIMEOUT

# ---------------------------------------------------------------------------------------------------
# Verdict (chaos-lib.sh): no worker is killed, so duplicates on the wire are not asserted.

export RABBITMQ_MANAGEMENT_URL
RABBITMQ_MANAGEMENT_URL="$(live_management)"
chaos_loadgen_verdict 1 "$loadgen_rc"
chaos_audit_verdict
chaos_assignment_verdict "$LAST_FAULT"
chaos_depth_verdict

# Accept-to-routed latency by window (intake's received_at to the router's routed_at): before the faults, from
# the kill until the node is back plus 10 s, from the clean stop for 30 s (or until the database fault), from
# 5 s before the database kill (reports in flight when it struck) until the router routes again plus 10 s, then
# until the old primary's restart (the backlog of the outage), from that restart until it is back plus 10 s,
# and after.
psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 -tA -F ' ' > "$STACK/latency.out" 2>&1 <<SQL || fail "the latency query failed (see $STACK/latency.out)"
WITH r AS (
    SELECT extract(epoch FROM i.received_at) AS at, extract(epoch FROM rr.routed_at - i.received_at) * 1000 AS ms
    FROM intake.reports i JOIN router.reports rr USING (report_id)
    WHERE extract(epoch FROM i.received_at) >= $LOAD_START_EPOCH
), w AS (
    SELECT CASE
        WHEN at < $KILL_FROM THEN '1-before'
        WHEN at < $KILL_BACK + 10 THEN '2-kill'
        WHEN at < $STOP_FROM THEN '3-between'
        WHEN at < least($STOP_DONE + 30, ${PG_KILL_FROM:-$STOP_DONE + 30} - 5) THEN '4-stop'
        WHEN at < ${PG_KILL_FROM:-0} - 5 THEN '5-quiet'
        WHEN at < ${PG_KILLED:-0} + ${PG_ROUTED_AGAIN:-0} + 10 THEN '6-pg-kill'
        WHEN at < ${PG_START_FROM:-0} THEN '7-pg-backlog'
        WHEN at < ${PG_REJOINED:-0} + 10 THEN '8-pg-rejoin'
        ELSE '9-after' END AS phase, ms FROM r
)
SELECT phase, count(*), round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric),
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric), round(max(ms)::numeric)
FROM w GROUP BY phase ORDER BY phase;
SQL
latency_lines=()
while read -r phase count p50 p99 max; do
    [[ -n "$phase" ]] || continue
    latency_lines+=("${phase#*-}: $count reports, p50 ${p50} ms, p99 ${p99} ms, max ${max} ms")
done < "$STACK/latency.out"

# The services' connections that moved to another node (each logs the node it lost and the next one).
moved="$(cat "$STACK"/logs/*.log 2>/dev/null | grep -c "AMQP connection lost" || true)"
refused="$(cat "$STACK"/logs/*.log 2>/dev/null | grep -c "AMQP connect failed" || true)"
restarts="$(grep -c "restarting in" "$STACK/run.out" 2>/dev/null || true)"
(( restarts == 0 )) || fail "$restarts service exit(s) during the run (see $STACK/run.out): a service should ride out a node loss"

{
    echo
    echo "chaos-cluster: ${DURATION} s at ${RATE}/s, WORKERS=$WORKERS, three RabbitMQ nodes, two PostgreSQL nodes (Patroni, HAProxy); faults: SIGKILL of node $KILLED (the most quorum-queue leaders) at t=$(python3 -c "print(round($KILL_FROM - $LOAD_START_EPOCH))")s, back and rejoined after $(python3 -c "print(round($KILL_BACK - $KILL_FROM, 1))") s; clean stop of node $STOPPED at t=$(python3 -c "print(round($STOP_FROM - $LOAD_START_EPOCH))")s ($(python3 -c "print(round($STOP_DONE - $STOP_FROM, 1))") s), down to the end"
    if [[ -n "$PG_KILL_FROM" ]]; then
        echo "chaos-cluster: PostgreSQL primary n$PG_OLD SIGKILLed (Patroni and server) at t=$(python3 -c "print(round($PG_KILL_FROM - $LOAD_START_EPOCH))")s: n$PG_NEW promoted after $(secs "${PG_PROMOTED:-0}" "${PG_KILLED:-0}") s, first commit to intake.reports after ${PG_INTAKE_AGAIN:-?} s, to router.reports after ${PG_ROUTED_AGAIN:-?} s; n$PG_OLD restarted at t=$(python3 -c "print(round(${PG_START_FROM:-0} - $LOAD_START_EPOCH))")s, synchronous standby again after $(secs "${PG_REJOINED:-0}" "${PG_START_FROM:-0}") s (${PG_REWIND:-not rejoined})"
    fi
    echo "chaos-cluster: accepted=${R[accepted]:-?} delivered=${R[delivered]:-?} lost=${R[lost]:-?} duplicates_units=${R[duplicates_units]:-?} duplicates_wire=${R[duplicates_wire]:-?} council=${R[council_delivered]:-?}/${R[council_expected]:-?} audit_missing=${R[audit_missing]:-?} p50/p95/p99=${R[p50_ms]:-?}/${R[p95_ms]:-?}/${R[p99_ms]:-?} ms"
    echo "chaos-cluster: $audit_verdict; $assign_verdict; $drain_verdict; work and retry queues at the end: ${depth:-?}"
    echo "chaos-cluster: service connections lost and moved on: $moved (failed connect attempts: $refused); service restarts: $restarts"
    echo "chaos-cluster: loadgen's $(grep -m1 'latency due to be sent' "$STACK/loadgen.out" | sed 's/  */ /g' || echo 'latency due to be sent: ?') (includes intake's 503s and the client's retries)"
    echo "chaos-cluster: accept-to-routed latency by window:"
    printf '  %s\n' "${latency_lines[@]}"
    chaos_outcome chaos-cluster
} >&2
(( ${#failures[@]} == 0 ))
