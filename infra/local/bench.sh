#!/usr/bin/env bash
# `make bench`: the whole pipeline end to end, in release mode, on a private stack — one table:
#   (a) the broker's raw ceiling (`open137-load bench messaging`: persistent, confirmed publishes/s), once;
# then, for each set of binaries (one, or an OLD and a NEW set alternating) and each database (empty, and
# with BENCH_PREFILL a copy of a prefilled one), BENCH_ROUNDS times:
#   (c) a fixed BENCH_RATE reports/s for BENCH_RATE_DURATION s: latency from intake (received_at) to the unit
#       queue, and CPU per report of every process (services, PostgreSQL, RabbitMQ) at that rate;
#   (b) end-to-end reports/s sustained for BENCH_DURATION s (`open137-load loadgen`, closed loop), with
#   (d) CPU seconds per report (the saturation cost) and peak RSS of every process (from /proc);
#   (s) sequential scans per report on the tables that hold history (pg_stat_user_tables, over (c) and (b));
#   (e) 1 vs. BENCH_SCALE_COPIES copies of the slowest stage (the worker with the most CPU per report).
# Every report is durable (PostgreSQL commits, persistent messages, publisher confirms, quorum queues);
# the load generator verifies each report at its unit queue and in the audit log. Loopback only.
#
# Knobs (environment): BENCH_DURATION (60), BENCH_CONCURRENCY (64), BENCH_RATE (50), BENCH_RATE_DURATION (30),
# BENCH_SCALE_DURATION (= BENCH_DURATION), BENCH_SCALE_COPIES (3), BENCH_COPIES (1: copies of each worker
# service), BENCH_MESSAGES (20000, broker ceiling run), BENCH_CHANNELS (http,open311,amqp),
# BENCH_DRAIN_TIMEOUT (600), BENCH_SKIP_SCALE (0; 1 in a comparison), BENCH_NO_BUILD (0: 1 uses the binaries as built),
# BENCH_OLD_BIN_DIR and BENCH_NEW_BIN_DIR (both or neither: compare two sets of release binaries, no build;
# the load generator and the broker ceiling are the new set's), BENCH_ROUNDS (1; 2 in a comparison: rounds
# alternate old, new / new, old), BENCH_PREFILL (0: N > 0 also runs every round against a copy of a database
# holding N reports' history, infra/local/bench-prefill.sql), BENCH_PREFILL_DAYS (30: the span of that history),
# OPEN137_BENCH_E2E_AMQP_PORT (5732), OPEN137_BENCH_E2E_PG_PORT (5492), BENCH_INTAKE_PORT (18237),
# BENCH_COUNCIL_PORT (18238), BENCH_OPS_BASE_PORT (19300; service i copy j uses base + i + 10 j). The stack
# lives in .local/bench-e2e and is wiped on every run; service logs stay there until the next run.
set -euo pipefail
OPEN137_LOG_TAG="bench"
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$OPEN137_ROOT"

OLD_BIN="${BENCH_OLD_BIN_DIR:-}"
NEW_BIN="${BENCH_NEW_BIN_DIR:-}"
COMPARE=0
if [[ -n "$OLD_BIN" || -n "$NEW_BIN" ]]; then
    [[ -n "$OLD_BIN" && -n "$NEW_BIN" ]] || die "set both BENCH_OLD_BIN_DIR and BENCH_NEW_BIN_DIR (or neither)"
    COMPARE=1
fi
DURATION="${BENCH_DURATION:-60}"
CONCURRENCY="${BENCH_CONCURRENCY:-64}"
RATE="${BENCH_RATE:-50}"
RATE_DURATION="${BENCH_RATE_DURATION:-30}"
SCALE_DURATION="${BENCH_SCALE_DURATION:-$DURATION}"
SCALE_COPIES="${BENCH_SCALE_COPIES:-3}"
COPIES="${BENCH_COPIES:-1}"
MESSAGES="${BENCH_MESSAGES:-20000}"
CHANNELS="${BENCH_CHANNELS:-http,open311,amqp}"
DRAIN="${BENCH_DRAIN_TIMEOUT:-600}"
SKIP_SCALE="${BENCH_SKIP_SCALE:-$COMPARE}"
ROUNDS="${BENCH_ROUNDS:-$((COMPARE + 1))}"
PREFILL="${BENCH_PREFILL:-0}"
PREFILL_DAYS="${BENCH_PREFILL_DAYS:-30}"
INTAKE_PORT="${BENCH_INTAKE_PORT:-18237}"
COUNCIL_PORT="${BENCH_COUNCIL_PORT:-18238}"
OPS_BASE="${BENCH_OPS_BASE_PORT:-19300}"
for knob in DURATION CONCURRENCY RATE_DURATION SCALE_DURATION SCALE_COPIES COPIES MESSAGES DRAIN ROUNDS PREFILL_DAYS; do
    if ! [[ "${!knob}" =~ ^[0-9]+$ ]] || (( ${!knob} == 0 )); then die "BENCH_$knob=${!knob} must be a positive integer"; fi
done
[[ "$RATE" =~ ^[0-9]+(\.[0-9]+)?$ ]] && awk -v r="$RATE" 'BEGIN { exit !(r > 0) }' \
    || die "BENCH_RATE=$RATE must be a positive number of reports/s"
[[ "$PREFILL" =~ ^[0-9]+$ ]] || die "BENCH_PREFILL=$PREFILL must be 0 (off) or a number of reports"
(( PREFILL == 0 || (PREFILL >= 1000 && PREFILL <= 100000000) )) || die "BENCH_PREFILL=$PREFILL must be 0 or 1000–100000000 reports"
# The services keep inbox rows and Idempotency-Keys for the prefilled history's span and two days more (at
# most a year: INTAKE_IDEMPOTENCY_RETENTION_HOURS), so that no retention run deletes history while we measure.
(( PREFILL_DAYS <= 363 )) || die "BENCH_PREFILL_DAYS=$PREFILL_DAYS must be at most 363"
[[ "$SKIP_SCALE" == 0 || "$SKIP_SCALE" == 1 ]] || die "BENCH_SKIP_SCALE=$SKIP_SCALE must be 0 or 1"
[[ "${BENCH_NO_BUILD:-0}" == 0 || "${BENCH_NO_BUILD:-0}" == 1 ]] || die "BENCH_NO_BUILD=${BENCH_NO_BUILD} must be 0 or 1"
(( SCALE_COPIES > COPIES )) || die "BENCH_SCALE_COPIES ($SCALE_COPIES) must be more than BENCH_COPIES ($COPIES)"

export OPEN137_STACK_DIR="$OPEN137_ROOT/.local/bench-e2e"
export OPEN137_AMQP_PORT="${OPEN137_BENCH_E2E_AMQP_PORT:-5732}"
export OPEN137_PG_PORT="${OPEN137_BENCH_E2E_PG_PORT:-5492}"
unset OPEN137_RABBITMQ_MGMT_PORT OPEN137_RABBITMQ_PROMETHEUS_PORT OPEN137_RABBITMQ_DIST_PORT OPEN137_EPMD_PORT
check_port OPEN137_BENCH_E2E_AMQP_PORT "$OPEN137_AMQP_PORT"
check_port OPEN137_BENCH_E2E_PG_PORT "$OPEN137_PG_PORT"
STACK="$OPEN137_STACK_DIR"
SERVICES=(intake classifier router notifier council-audit)
WORKERS=(classifier router notifier council-audit)

# The sets of binaries: LABELS[k] runs from BINS[k]; TOOLS (the load generator, the broker ceiling) is the last set.
if (( COMPARE )); then
    LABELS=(old new)
    [[ -d "$OLD_BIN" ]] || die "BENCH_OLD_BIN_DIR=$OLD_BIN is not a directory"
    [[ -d "$NEW_BIN" ]] || die "BENCH_NEW_BIN_DIR=$NEW_BIN is not a directory"
    BINS=("$(cd "$OLD_BIN" && pwd)" "$(cd "$NEW_BIN" && pwd)")
else
    LABELS=(this)
    BINS=("${OPEN137_BIN_DIR:-$OPEN137_ROOT/.build/release}")
fi
TOOLS="${BINS[${#BINS[@]} - 1]}"

require_free_port "$INTAKE_PORT" BENCH_INTAKE_PORT "intake HTTP"
require_free_port "$COUNCIL_PORT" BENCH_COUNCIL_PORT "council-audit HTTP"

ops_port() {  # ops_port SERVICE COPY
    local i
    for i in "${!SERVICES[@]}"; do
        if [[ "${SERVICES[$i]}" == "$1" ]]; then echo $((OPS_BASE + 1 + i + 10 * $2)); fi
    done
}
for name in "${SERVICES[@]}"; do
    copies=1; [[ "$name" == intake ]] || copies=$SCALE_COPIES
    for ((i = 0; i < copies; i++)); do require_free_port "$(ops_port "$name" "$i")" BENCH_OPS_BASE_PORT "ops port of $name copy $i"; done
done

if (( COMPARE )); then
    log "comparing the release binaries in ${BINS[0]} (old) and ${BINS[1]} (new), $ROUNDS round(s), no build"
elif [[ "${BENCH_NO_BUILD:-0}" == 1 ]]; then
    log "BENCH_NO_BUILD=1: using the release binaries in ${BINS[0]} as they are"
else
    log "release build (intake classifier router notifier council-audit open137 open137-load)"
    for product in "${SERVICES[@]}" open137 open137-load; do swift build -c release --product "$product"; done
fi
# The load generator and the broker ceiling run from the last set (an older set may predate open137-load).
[[ -x "$TOOLS/open137-load" ]] || die "$TOOLS/open137-load is missing or not executable (the load generator)"
for k in "${!BINS[@]}"; do
    for product in "${SERVICES[@]}" open137; do
        [[ -x "${BINS[$k]}/$product" ]] || die "${BINS[$k]}/$product is missing or not executable (${LABELS[$k]} binaries)"
    done
done

# ---------------------------------------------------------------------------------------------------
# The stack and the services

declare -A PID_OF=()   # instance -> pid
BIN=""                 # the set the current phase runs

stop_services() {
    local instance
    for instance in "${!PID_OF[@]}"; do kill -TERM "${PID_OF[$instance]}" 2>/dev/null || true; done
    for instance in "${!PID_OF[@]}"; do wait "${PID_OF[$instance]}" 2>/dev/null || true; done
    PID_OF=()
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_services
    "$OPEN137_LOCAL_DIR/stack.sh" stop >/dev/null 2>&1 || true
    exit "$rc"
}
trap cleanup EXIT INT TERM

rm -rf "$STACK"
"$OPEN137_LOCAL_DIR/stack.sh" start
set -a
# shellcheck source=/dev/null
source "$STACK/stack.env"
set +a
mkdir -p "$STACK/logs"
PG_ADMIN_URL="${DATABASE_URL%/*}/postgres"
RUN_DATABASE_URL="${DATABASE_URL%/*}/bench_run"
TEMPLATE_DB=bench_prefill
MGMT="${RABBITMQ_MANAGEMENT_URL%/}"
API_KEY="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
COUNCIL_KEY="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
REOPEN_KEY="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
RETENTION_ENV=()
if (( PREFILL > 0 )); then
    RETENTION_ENV=(OPEN137_INBOX_RETENTION_HOURS=$(((PREFILL_DAYS + 2) * 24)) INTAKE_IDEMPOTENCY_RETENTION_HOURS=$(((PREFILL_DAYS + 2) * 24)))
fi

psql_admin() { PGOPTIONS='-c client_min_messages=warning' psql "$PG_ADMIN_URL" -X -q -v ON_ERROR_STOP=1 "$@"; }

# start_copy NAME COPY — starts one release copy of the current set, logging to the stack dir; waits for /ready.
start_copy() {
    local name="$1" i="$2" instance ops
    instance="$name-$((i + 1))"
    ops="$(ops_port "$name" "$i")"
    local env=(AMQP_URL="$AMQP_URL" DATABASE_URL="$DATABASE_URL" OPS_PORT="$ops" LOG_LEVEL=warning "${RETENTION_ENV[@]}")
    case "$name" in
        intake) env+=(INTAKE_PORT="$INTAKE_PORT" OPEN137_API_KEY="$API_KEY" OPEN137_REOPEN_KEY="$REOPEN_KEY") ;;
        council-audit) env+=(COUNCIL_PORT=$((COUNCIL_PORT + 10 * i)) OPEN137_COUNCIL_KEY="$COUNCIL_KEY") ;;
    esac
    env "${env[@]}" "$BIN/$name" >>"$STACK/logs/$PHASE-$instance.log" 2>&1 </dev/null &
    PID_OF[$instance]=$!
    for _ in $(seq 1 240); do
        if curl -fsS -m 2 "http://127.0.0.1:$ops/ready" >/dev/null 2>&1; then return 0; fi
        pid_alive "${PID_OF[$instance]}" || { tail -20 "$STACK/logs/$PHASE-$instance.log"; die "$instance ($PHASE) exited"; }
        sleep 0.25
    done
    die "$instance ($PHASE) did not become ready"
}

# proc_cpu PID [with-reaped] — CPU seconds (user + system) of a process, its live children and, with
# `with-reaped`, its children that already exited (PostgreSQL's backends come and go).
proc_cpu() {
    local root="$1" reaped="${2:-}" ticks=0 pid fields
    for pid in "$root" $(ps -o pid= --ppid "$root" 2>/dev/null); do
        fields="$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null)" || continue
        # After the command name: field 14 of stat is the 12th here (utime), then stime, cutime, cstime.
        ticks=$((ticks + $(awk '{ print $12 + $13 }' <<< "$fields")))
        if [[ "$pid" == "$root" && -n "$reaped" ]]; then ticks=$((ticks + $(awk '{ print $14 + $15 }' <<< "$fields"))); fi
    done
    awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'
}

# proc_hwm_mib PID — peak resident memory (VmHWM) of a process in MiB.
proc_hwm_mib() {
    awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo 0
}

PG_PID="$(head -1 "$STACK/postgres/data/postmaster.pid")"
RMQ_PID="$(read_pid "$STACK/rabbitmq/rabbitmq.pid")"

# cpu_of NAME — CPU seconds of every copy of a service, or of postgresql / rabbitmq.
cpu_of() {
    local name="$1" total=0 instance
    case "$name" in
        postgresql) proc_cpu "$PG_PID" with-reaped; return ;;
        rabbitmq) proc_cpu "$RMQ_PID"; return ;;
    esac
    for instance in "${!PID_OF[@]}"; do
        [[ "${instance%-*}" == "$name" ]] || continue
        total="$(awk -v a="$total" -v b="$(proc_cpu "${PID_OF[$instance]}")" 'BEGIN { printf "%.2f", a + b }')"
    done
    echo "$total"
}

# pg_rss_mib — PostgreSQL's resident memory now: private memory (RssAnon) of every process plus the shared
# memory (RssShmem, mostly shared buffers) once — VmHWM summed over processes would count the buffers in each.
pg_rss_mib() {
    local pid anon=0 shmem=0 value
    for pid in "$PG_PID" $(ps -o pid= --ppid "$PG_PID" 2>/dev/null); do
        anon=$((anon + $(awk '/^RssAnon:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)))
        value="$(awk '/^RssShmem:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)"
        (( value > shmem )) && shmem=$value
    done
    awk -v k=$((anon + shmem)) 'BEGIN { printf "%.0f", k / 1024 }'
}

# hwm_of NAME — peak RSS in MiB (largest copy of a service; PostgreSQL: see pg_rss_mib).
hwm_of() {
    local name="$1" peak=0 instance value
    case "$name" in
        postgresql) pg_rss_mib; return ;;
        rabbitmq) proc_hwm_mib "$RMQ_PID"; return ;;
    esac
    for instance in "${!PID_OF[@]}"; do
        [[ "${instance%-*}" == "$name" ]] || continue
        value="$(proc_hwm_mib "${PID_OF[$instance]}")"
        (( value > peak )) && peak=$value
    done
    echo "$peak"
}

# wait_idle — until no pipeline work queue holds a message (the notifier and the audit may lag the units).
wait_idle() {
    local deadline=$((SECONDS + DRAIN)) depth
    while (( SECONDS < deadline )); do
        depth="$(curl -fsS -u guest:guest "$MGMT/api/queues" 2>/dev/null | python3 -c '
import json, sys
queues = json.load(sys.stdin)
print(sum(q.get("messages", 0) for q in queues
          if not q["name"].startswith(("unit.", "council.", "loadgen.")) and not q["name"].endswith((".dlq", ".retry"))))' 2>/dev/null || echo "?")"
        [[ "$depth" == 0 ]] && return 0
        sleep 1
    done
    log "warning: work queues still hold $depth messages after ${DRAIN} s"
}

# result FILE KEY — a value of the loadgen's RESULT line.
result() { sed -n "s/^RESULT .*\b$2=\([^ ]*\).*/\1/p" "$1" | tail -1; }

# loadgen OUTPUT ARGS... — runs the load generator against the bench pipeline (exit 1 = lost reports: noted).
loadgen() {
    local out="$1"
    shift
    local status=0
    INTAKE_URL="http://127.0.0.1:$INTAKE_PORT" OPEN137_API_KEY="$API_KEY" \
        "$TOOLS/open137-load" loadgen --channels "$CHANNELS" --drain-timeout "$DRAIN" "$@" | tee "$out" || status=$?
    (( status == 0 )) || log "warning: loadgen exited $status (see $out)"
}

# broker_reset — an empty default vhost: each set declares its own topology (queue arguments differ between
# versions, and a queue declared with other arguments is refused), and no phase inherits another's messages.
broker_reset() {
    curl -fsS -u guest:guest -X DELETE "$MGMT/api/vhosts/%2F" >/dev/null
    curl -fsS -u guest:guest -X PUT -H 'content-type: application/json' -d '{}' "$MGMT/api/vhosts/%2F" >/dev/null
    curl -fsS -u guest:guest -X PUT -H 'content-type: application/json' -d '{"configure":".*","write":".*","read":".*"}' \
        "$MGMT/api/permissions/%2F/guest" >/dev/null
}

# HISTORY_TABLES — the tables that grow with every report (what the prefill fills): their sequential scans
# are what the planner must not do per batch.
HISTORY_TABLES="intake.reports intake.report_history intake.idempotency_keys intake.inbox classifier.classifications
classifier.inbox router.reports router.status_history router.inbox notifier.reporters notifier.notifications notifier.inbox
council_audit.audit_log council_audit.reports council_audit.escalations council_audit.inbox"
HISTORY_SQL="'$(echo $HISTORY_TABLES | sed "s/ /','/g")'"

# seq_stats FILE — seq_scan and seq_tup_read of every history table of the run database, one line each.
seq_stats() {
    psql "$DATABASE_URL" -X -qAt -F ' ' -c "SELECT schemaname || '.' || relname, seq_scan, seq_tup_read FROM pg_stat_user_tables
        WHERE schemaname || '.' || relname IN ($HISTORY_SQL) ORDER BY 1" > "$1"
}

# ---------------------------------------------------------------------------------------------------
# (a) the broker's ceiling, before any service runs

LOAD_BEFORE="$(uptime | sed 's/.*load average: //')"
log "(a) broker ceiling: open137-load bench messaging ($MESSAGES persistent messages, quorum queue)"
"$TOOLS/open137-load" bench messaging --messages "$MESSAGES" --sequential-messages 500 | tee "$STACK/bench-messaging.out"
CEILING="$(sed -n 's/^publish, pipelined confirms.* \([0-9][0-9]*\) msg\/s/\1/p' "$STACK/bench-messaging.out" | tr -d ' ')"

# ---------------------------------------------------------------------------------------------------
# The prefilled template: migrated by the first set (the old one: the other set's migrations apply on top
# of it in each copy), filled with SQL, vacuumed and analysed once; every prefilled phase runs on a copy.

PREFILL_SECONDS="" ANALYZE_SECONDS="" PREFILL_SIZE=""
if (( PREFILL > 0 )); then
    log "prefill: $PREFILL reports' history over $PREFILL_DAYS days into database $TEMPLATE_DB (infra/local/bench-prefill.sql)"
    psql_admin -c "CREATE DATABASE $TEMPLATE_DB"
    DATABASE_URL="${DATABASE_URL%/*}/$TEMPLATE_DB" "${BINS[0]}/open137" migrate >/dev/null
    # Fewer checkpoints (and full-page images after each) while it writes; the measured phases run with the
    # stack's settings again.
    psql_admin -c "ALTER SYSTEM SET max_wal_size = '8GB'" -c 'SELECT pg_reload_conf()' -o /dev/null
    started=$SECONDS
    corpus="$OPEN137_ROOT/Services/Classifier/Classification/Corpus"
    psql "${DATABASE_URL%/*}/$TEMPLATE_DB" -X -q -o /dev/null -v ON_ERROR_STOP=1 -v n="$PREFILL" -v days="$PREFILL_DAYS" \
        -c 'CREATE TEMP TABLE pf_lines (line text)' \
        -c "\\copy pf_lines FROM '$corpus/general.jsonl' WITH (FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')" \
        -c "\\copy pf_lines FROM '$corpus/child-friendly.jsonl' WITH (FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')" \
        -f "$OPEN137_LOCAL_DIR/bench-prefill.sql"
    PREFILL_SECONDS=$((SECONDS - started))
    psql_admin -c 'ALTER SYSTEM RESET max_wal_size' -c 'SELECT pg_reload_conf()' -o /dev/null
    started=$SECONDS
    psql "${DATABASE_URL%/*}/$TEMPLATE_DB" -X -q -v ON_ERROR_STOP=1 -c 'VACUUM (ANALYZE)' -c 'CHECKPOINT'
    ANALYZE_SECONDS=$((SECONDS - started))
    PREFILL_SIZE="$(psql_admin -Atc "SELECT pg_size_pretty(pg_database_size('$TEMPLATE_DB'))")"
    log "prefill: written in $PREFILL_SECONDS s, VACUUM (ANALYZE) in $ANALYZE_SECONDS s; $PREFILL_SIZE"
    psql "${DATABASE_URL%/*}/$TEMPLATE_DB" -X -qAt -F ' ' -c "SELECT schemaname || '.' || relname, n_live_tup FROM pg_stat_user_tables
        WHERE schemaname || '.' || relname IN ($HISTORY_SQL) ORDER BY 1" > "$STACK/prefill-rows.txt"
fi

# ---------------------------------------------------------------------------------------------------
# The phases

declare -A R=()          # "column|metric|round" -> value; column = label/database
ACCOUNTED=("${SERVICES[@]}" postgresql rabbitmq)
KINDS=(empty)
(( PREFILL > 0 )) && KINDS+=(prefilled)
COLUMNS=()
for kind in "${KINDS[@]}"; do for label in "${LABELS[@]}"; do COLUMNS+=("$label/$kind"); done; done
COPY_SECONDS=()

# run_phase K KIND ROUND — one measured phase of set K on a fresh database of KIND.
run_phase() {
    local k="$1" kind="$2" round="$3" col name started depth
    BIN="${BINS[$k]}"
    col="${LABELS[$k]}/$kind"
    PHASE="${LABELS[$k]}-$kind-$round"
    local out="$STACK/$PHASE"
    log "=== round $round: ${LABELS[$k]} binaries ($BIN), $kind database"
    broker_reset
    psql_admin -c "DROP DATABASE IF EXISTS bench_run WITH (FORCE)"
    if [[ "$kind" == prefilled ]]; then
        started=$SECONDS
        psql_admin -c "CREATE DATABASE bench_run TEMPLATE $TEMPLATE_DB STRATEGY FILE_COPY"
        COPY_SECONDS+=($((SECONDS - started)))
    else
        psql_admin -c "CREATE DATABASE bench_run"
    fi
    export DATABASE_URL="$RUN_DATABASE_URL"
    "$BIN/open137" migrate >/dev/null
    "$BIN/open137" topology declare >/dev/null
    for name in "${SERVICES[@]}"; do
        copies=1; [[ "$name" == intake ]] || copies=$COPIES
        for ((i = 0; i < copies; i++)); do log "starting $name copy $((i + 1)) (${LABELS[$k]})"; start_copy "$name" "$i"; done
    done

    log "warm-up: 5 s at 50 reports/s (not counted)"
    loadgen "$out-warmup.out" --rate 50 --duration 5 >/dev/null
    wait_idle

    # What the pipeline costs doing nothing (polls, heartbeats, timers): the base under every per-report figure.
    local idle_seconds=10 total
    declare -A before=()
    log "idle CPU: $idle_seconds s without load"
    for name in "${ACCOUNTED[@]}"; do before[$name]="$(cpu_of "$name")"; done
    sleep "$idle_seconds"
    total=0
    for name in "${ACCOUNTED[@]}"; do
        R["$col|idle:$name|$round"]="$(awk -v a="${before[$name]}" -v b="$(cpu_of "$name")" -v s="$idle_seconds" 'BEGIN { printf "%.1f", 100 * (b - a) / s }')"
        total="$(awk -v a="$total" -v b="${R["$col|idle:$name|$round"]}" 'BEGIN { printf "%.1f", a + b }')"
    done
    R["$col|idle:total|$round"]="$total"

    # (c) a fixed rate, on an idle pipeline: latency and CPU per report of every process
    seq_stats "$out-seq-before.txt"
    log "(c) fixed rate: $RATE reports/s for $RATE_DURATION s"
    for name in "${ACCOUNTED[@]}"; do before[$name]="$(cpu_of "$name")"; done
    loadgen "$out-rate.out" --rate "$RATE" --duration "$RATE_DURATION"
    wait_idle
    local delivered_rate delivered
    delivered_rate="$(result "$out-rate.out" delivered)"
    total=0
    for name in "${ACCOUNTED[@]}"; do
        R["$col|rate:$name|$round"]="$(awk -v a="${before[$name]}" -v b="$(cpu_of "$name")" -v n="${delivered_rate:-0}" 'BEGIN { printf "%.3f", (n > 0 ? 1000 * (b - a) / n : 0) }')"
        total="$(awk -v a="$total" -v b="${R["$col|rate:$name|$round"]}" 'BEGIN { printf "%.3f", a + b }')"
    done
    R["$col|rate:total|$round"]="$total"
    for metric in p50_ms p99_ms delivered lost; do R["$col|rate:$metric|$round"]="$(result "$out-rate.out" "$metric")"; done

    # (b) + (d) closed loop, with CPU accounting
    log "(b) closed loop: $CONCURRENCY submitters for $DURATION s"
    for name in "${ACCOUNTED[@]}"; do before[$name]="$(cpu_of "$name")"; done
    loadgen "$out-closed.out" --concurrency "$CONCURRENCY" --duration "$DURATION"
    wait_idle
    delivered="$(result "$out-closed.out" delivered)"
    total=0
    for name in "${ACCOUNTED[@]}"; do
        R["$col|sat:$name|$round"]="$(awk -v a="${before[$name]}" -v b="$(cpu_of "$name")" -v n="${delivered:-0}" 'BEGIN { printf "%.3f", (n > 0 ? 1000 * (b - a) / n : 0) }')"
        total="$(awk -v a="$total" -v b="${R["$col|sat:$name|$round"]}" 'BEGIN { printf "%.3f", a + b }')"
        R["$col|rss:$name|$round"]="$(hwm_of "$name")"
    done
    R["$col|sat:total|$round"]="$total"
    for metric in throughput_per_s accepted delivered lost duplicates_units audit_missing; do
        R["$col|closed:$metric|$round"]="$(result "$out-closed.out" "$metric")"
    done
    local loadgen_cpu
    loadgen_cpu="$(sed -n 's/^load generator CPU (this process) *\([0-9.]*\) s.*/\1/p' "$out-closed.out")"
    R["$col|sat:loadgen|$round"]="$(awk -v c="${loadgen_cpu:-0}" -v n="${delivered:-0}" 'BEGIN { printf "%.3f", (n > 0 ? 1000 * c / n : 0) }')"

    # (s) sequential scans on the history tables over (c) and (b), per delivered report (the statistics
    # collector publishes a backend's counts within a second or so of its last statement)
    sleep 2
    seq_stats "$out-seq-after.txt"
    local n=0 scans rows top
    [[ "${delivered_rate:-}" =~ ^[0-9]+$ ]] && n=$((n + delivered_rate))
    [[ "${delivered:-}" =~ ^[0-9]+$ ]] && n=$((n + delivered))
    read -r scans rows top < <(
        awk -v n="$n" 'NR == FNR { scans[$1] = $2; rows[$1] = $3; next }
            { ds = $2 - scans[$1]; dr = $3 - rows[$1]; s += ds; r += dr; if (dr > best) { best = dr; top = $1 } }
            END { printf "%.3f %.1f %s\n", (n > 0 ? s / n : 0), (n > 0 ? r / n : 0), (top == "" ? "-" : top) }' \
            "$out-seq-before.txt" "$out-seq-after.txt")
    R["$col|seq:scans|$round"]="$scans" R["$col|seq:rows|$round"]="$rows" R["$col|seq:top|$round"]="$top"

    # (e) more copies of the slowest stage
    local slowest=""
    for name in "${WORKERS[@]}"; do
        if [[ -z "$slowest" ]] || awk -v a="${R["$col|sat:$name|$round"]}" -v b="${R["$col|sat:$slowest|$round"]}" 'BEGIN { exit !(a > b) }'; then slowest=$name; fi
    done
    R["$col|slowest|$round"]="$slowest"
    if [[ "$SKIP_SCALE" != 1 ]]; then
        log "(e) $SCALE_COPIES copies of $slowest, closed loop for $SCALE_DURATION s"
        for ((i = COPIES; i < SCALE_COPIES; i++)); do start_copy "$slowest" "$i"; done
        loadgen "$out-scaled.out" --concurrency "$CONCURRENCY" --duration "$SCALE_DURATION"
        R["$col|scaled:throughput_per_s|$round"]="$(result "$out-scaled.out" throughput_per_s)"
        R["$col|scaled:lost|$round"]="$(result "$out-scaled.out" lost)"
        wait_idle
    fi
    stop_services
    depth="$(psql "$DATABASE_URL" -X -qAt -c "SELECT count(*) FROM council_audit.audit_log")"
    log "phase $PHASE done ($depth audit entries in its database)"
}

for ((round = 1; round <= ROUNDS; round++)); do
    order=("${!LABELS[@]}")
    if (( ${#LABELS[@]} == 2 && round % 2 == 0 )); then order=(1 0); fi
    for kind in "${KINDS[@]}"; do
        for k in "${order[@]}"; do run_phase "$k" "$kind" "$round"; done
    done
done
LOAD_AFTER="$(uptime | sed 's/.*load average: //')"

# ---------------------------------------------------------------------------------------------------
# The table: one column per set and database, each cell the mean over the rounds (every round in the
# detail below)

# mean COLUMN METRIC [DECIMALS] — the mean over the rounds ("?" if no round has a number).
mean() {
    local col="$1" metric="$2" decimals="${3:-2}" values="" round
    for ((round = 1; round <= ROUNDS; round++)); do values+="${R["$col|$metric|$round"]:-} "; done
    awk -v d="$decimals" '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+$/) { s += $i; n++ } }
        END { if (n) printf "%.*f", d, s / n; else printf "?" }' <<< "$values"
}
# rounds COLUMN METRIC — every round's value, comma-separated.
rounds() {
    local col="$1" metric="$2" values=() round
    for ((round = 1; round <= ROUNDS; round++)); do values+=("${R["$col|$metric|$round"]:-?}"); done
    (IFS=,; echo "${values[*]}")
}
WIDTH=$(( ROUNDS > 2 ? 8 * ROUNDS : 16 ))
line() {  # line LABEL CELL... — one row of the table
    local label="$1" cell
    shift
    printf '%-58s' "$label"
    for cell in "$@"; do printf ' %*s' "$WIDTH" "$cell"; done
    printf '\n'
}
row() {  # row LABEL METRIC DECIMALS — the mean of a metric in every column
    local label="$1" metric="$2" decimals="$3" cells=() col
    for col in "${COLUMNS[@]}"; do cells+=("$(mean "$col" "$metric" "$decimals")"); done
    line "$label" "${cells[@]}"
}
detail() {  # detail LABEL METRIC — every round of a metric in every column
    local label="$1" metric="$2" cells=() col
    for col in "${COLUMNS[@]}"; do cells+=("$(rounds "$col" "$metric")"); done
    line "$label" "${cells[@]}"
}

echo
echo "open137 bench — end to end, release, $(nproc) cores, everything durable; $(date -u +%FT%TZ)"
for k in "${!LABELS[@]}"; do echo "${LABELS[$k]}: ${BINS[$k]}"; done
echo "load average before: $LOAD_BEFORE; after: $LOAD_AFTER (the machine is shared); $ROUNDS round(s), means below"
echo "(a) broker ceiling: persistent confirmed publishes/s (pipelined): ${CEILING:-?} msg/s"
if (( PREFILL > 0 )); then
    echo "prefilled: $PREFILL reports over $PREFILL_DAYS days ($PREFILL_SIZE), written in $PREFILL_SECONDS s + VACUUM (ANALYZE) $ANALYZE_SECONDS s;" \
        "each copy (CREATE DATABASE … TEMPLATE, FILE_COPY) $(IFS=,; echo "${COPY_SECONDS[*]}") s"
    echo "  rows (pg_stat estimates): $(awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }' "$STACK/prefill-rows.txt")"
fi
echo
line "" "${COLUMNS[@]}"
row "(b) end to end, closed loop, $CONCURRENCY submitters, $DURATION s: reports/s" closed:throughput_per_s 1
row "(d) CPU per report at saturation, all processes (ms)" sat:total 2
row "(c) CPU per report at $RATE/s, all processes (ms)" rate:total 2
row "(c) received → unit queue at $RATE/s: p50 (ms)" rate:p50_ms 1
row "(c) received → unit queue at $RATE/s: p99 (ms)" rate:p99_ms 1
row "(s) seq scans per report on the history tables" seq:scans 3
row "(s) rows they read per report" seq:rows 1
row "idle CPU, all processes (% of one core)" idle:total 1
echo "per process: CPU ms per report at saturation | at $RATE/s"
for name in "${ACCOUNTED[@]}"; do
    cells=()
    for col in "${COLUMNS[@]}"; do
        cells+=("$(mean "$col" "sat:$name" 2)|$(mean "$col" "rate:$name" 2)")
    done
    line "    $name" "${cells[@]}"
done
row "    load generator (not in the totals), at saturation" sat:loadgen 2
echo "per process: peak RSS after (b); idle CPU in % of a core"
for name in "${ACCOUNTED[@]}"; do
    cells=()
    for col in "${COLUMNS[@]}"; do cells+=("$(mean "$col" "rss:$name" 0) MiB $(mean "$col" "idle:$name" 1)%"); done
    line "    $name" "${cells[@]}"
done
if [[ "$SKIP_SCALE" != 1 ]]; then
    detail "(e) slowest stage by CPU per report" slowest
    row "(e) with $SCALE_COPIES copies of it: reports/s" scaled:throughput_per_s 1
else
    detail "(e) slowest stage by CPU per report (scaling skipped)" slowest
fi
echo "every round:"
detail "    reports/s closed loop" closed:throughput_per_s
detail "    lost in (b)" closed:lost
detail "    lost in (c)" rate:lost
detail "    CPU ms per report at saturation" sat:total
detail "    CPU ms per report at $RATE/s" rate:total
detail "    p99 ms at $RATE/s" rate:p99_ms
detail "    history table read most by seq scans" seq:top
echo
# The goals of issue 14, per column; and the prefilled database's cost against the empty one's, per set.
for col in "${COLUMNS[@]}"; do
    awk -v c="$col" -v e="$(mean "$col" closed:throughput_per_s 1)" -v s="$(mean "$col" sat:total 2)" \
        -v r="$(mean "$col" rate:total 2)" -v p="$(mean "$col" rate:p99_ms 1)" -v rate="$RATE" 'BEGIN {
        m = "met"; n = "NOT met"
        printf "%-16s CPU/report at saturation %s ms (<= 4.5: %s); at %s/s %s ms (<= 10: %s); p99 at %s/s %s ms (<= 60: %s); %s reports/s (>= 400: %s)\n",
            c, s, (s != "?" && s <= 4.5 ? m : n), rate, r, (r != "?" && r <= 10 ? m : n), rate, p, (p != "?" && p <= 60 ? m : n),
            e, (e != "?" && e >= 400 ? m : n) }'
done
if (( PREFILL > 0 )); then
    for label in "${LABELS[@]}"; do
        awk -v l="$label" -v se="$(mean "$label/empty" sat:total 3)" -v sp="$(mean "$label/prefilled" sat:total 3)" \
            -v re="$(mean "$label/empty" rate:total 3)" -v rp="$(mean "$label/prefilled" rate:total 3)" -v rate="$RATE" 'BEGIN {
            ds = (se > 0 ? 100 * (sp - se) / se : 0); dr = (re > 0 ? 100 * (rp - re) / re : 0)
            printf "%-16s prefilled vs empty: CPU/report at saturation %+.1f %%, at %s/s %+.1f %% (within 10 %%: %s)\n",
                l, ds, rate, dr, (ds <= 10 && dr <= 10 ? "met" : "NOT met") }'
    done
fi
