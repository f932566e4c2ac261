#!/usr/bin/env bash
# `make bench`: the whole pipeline end to end, in release mode, on a private stack — one table:
#   (a) the broker's raw ceiling (`open137 bench messaging`: persistent, confirmed publishes/s),
#   (b) end-to-end reports/s sustained for BENCH_DURATION s (`open137 loadgen`, closed loop),
#   (c) latency from intake (received_at) to the unit queue at a fixed BENCH_RATE reports/s,
#   (d) CPU seconds per report and peak RSS of every service, PostgreSQL and RabbitMQ (from /proc),
#   (e) 1 vs. BENCH_SCALE_COPIES copies of the slowest stage (the worker with the most CPU per report).
# Every report is durable (PostgreSQL commits, persistent messages, publisher confirms, quorum queues);
# the load generator verifies each report at its unit queue and in the audit log. Loopback only.
#
# Knobs (environment): BENCH_DURATION (60), BENCH_CONCURRENCY (64), BENCH_RATE (300), BENCH_RATE_DURATION (30),
# BENCH_SCALE_DURATION (= BENCH_DURATION), BENCH_SCALE_COPIES (3), BENCH_COPIES (1: copies of each worker
# service), BENCH_MESSAGES (20000, broker ceiling run), BENCH_CHANNELS (http,open311,amqp),
# BENCH_DRAIN_TIMEOUT (600), BENCH_SKIP_SCALE (0), BENCH_NO_BUILD (0: 1 uses the binaries as built), OPEN137_BENCH_E2E_AMQP_PORT (5732),
# OPEN137_BENCH_E2E_PG_PORT (5492), BENCH_INTAKE_PORT (18237), BENCH_COUNCIL_PORT (18238),
# BENCH_OPS_BASE_PORT (19300; service i copy j uses base + i + 10 j). The stack lives in .local/bench-e2e
# and is wiped on every run; service logs stay there until the next run.
set -euo pipefail
OPEN137_LOG_TAG="bench"
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$OPEN137_ROOT"

DURATION="${BENCH_DURATION:-60}"
CONCURRENCY="${BENCH_CONCURRENCY:-64}"
RATE="${BENCH_RATE:-300}"
RATE_DURATION="${BENCH_RATE_DURATION:-30}"
SCALE_DURATION="${BENCH_SCALE_DURATION:-$DURATION}"
SCALE_COPIES="${BENCH_SCALE_COPIES:-3}"
COPIES="${BENCH_COPIES:-1}"
MESSAGES="${BENCH_MESSAGES:-20000}"
CHANNELS="${BENCH_CHANNELS:-http,open311,amqp}"
DRAIN="${BENCH_DRAIN_TIMEOUT:-600}"
SKIP_SCALE="${BENCH_SKIP_SCALE:-0}"
INTAKE_PORT="${BENCH_INTAKE_PORT:-18237}"
COUNCIL_PORT="${BENCH_COUNCIL_PORT:-18238}"
OPS_BASE="${BENCH_OPS_BASE_PORT:-19300}"
for knob in DURATION CONCURRENCY RATE_DURATION SCALE_DURATION SCALE_COPIES COPIES MESSAGES DRAIN; do
    if ! [[ "${!knob}" =~ ^[0-9]+$ ]] || (( ${!knob} == 0 )); then die "BENCH_$knob=${!knob} must be a positive integer"; fi
done
(( SCALE_COPIES > COPIES )) || die "BENCH_SCALE_COPIES ($SCALE_COPIES) must be more than BENCH_COPIES ($COPIES)"

export OPEN137_STACK_DIR="$OPEN137_ROOT/.local/bench-e2e"
export OPEN137_AMQP_PORT="${OPEN137_BENCH_E2E_AMQP_PORT:-5732}"
export OPEN137_PG_PORT="${OPEN137_BENCH_E2E_PG_PORT:-5492}"
unset OPEN137_RABBITMQ_MGMT_PORT OPEN137_RABBITMQ_PROMETHEUS_PORT OPEN137_RABBITMQ_DIST_PORT OPEN137_EPMD_PORT
check_port OPEN137_BENCH_E2E_AMQP_PORT "$OPEN137_AMQP_PORT"
check_port OPEN137_BENCH_E2E_PG_PORT "$OPEN137_PG_PORT"
STACK="$OPEN137_STACK_DIR"
BIN="${OPEN137_BIN_DIR:-$OPEN137_ROOT/.build/release}"
SERVICES=(intake classifier router notifier council-audit)
WORKERS=(classifier router notifier council-audit)

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

if [[ "${BENCH_NO_BUILD:-0}" == 1 ]]; then
    log "BENCH_NO_BUILD=1: using the release binaries in $BIN as they are"
else
    log "release build (intake classifier router notifier council-audit open137)"
    for product in "${SERVICES[@]}" open137; do swift build -c release --product "$product"; done
fi

# ---------------------------------------------------------------------------------------------------
# The stack and the services

declare -A PID_OF=()   # instance -> pid

cleanup() {
    local rc=$? instance
    trap - EXIT INT TERM
    for instance in "${!PID_OF[@]}"; do kill -TERM "${PID_OF[$instance]}" 2>/dev/null || true; done
    for instance in "${!PID_OF[@]}"; do wait "${PID_OF[$instance]}" 2>/dev/null || true; done
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
API_KEY="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
COUNCIL_KEY="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
REOPEN_KEY="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
"$BIN/open137" migrate >/dev/null
"$BIN/open137" topology declare >/dev/null

# start_copy NAME COPY — starts one release copy, logging to the stack dir; waits for /ready.
start_copy() {
    local name="$1" i="$2" instance ops
    instance="$name-$((i + 1))"
    ops="$(ops_port "$name" "$i")"
    local env=(AMQP_URL="$AMQP_URL" DATABASE_URL="$DATABASE_URL" OPS_PORT="$ops" LOG_LEVEL=warning)
    case "$name" in
        intake) env+=(INTAKE_PORT="$INTAKE_PORT" OPEN137_API_KEY="$API_KEY" OPEN137_REOPEN_KEY="$REOPEN_KEY") ;;
        council-audit) env+=(COUNCIL_PORT=$((COUNCIL_PORT + 10 * i)) OPEN137_COUNCIL_KEY="$COUNCIL_KEY") ;;
    esac
    env "${env[@]}" "$BIN/$name" >>"$STACK/logs/$instance.log" 2>&1 </dev/null &
    PID_OF[$instance]=$!
    for _ in $(seq 1 240); do
        if curl -fsS -m 2 "http://127.0.0.1:$ops/ready" >/dev/null 2>&1; then return 0; fi
        pid_alive "${PID_OF[$instance]}" || { tail -20 "$STACK/logs/$instance.log"; die "$instance exited"; }
        sleep 0.25
    done
    die "$instance did not become ready"
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
        depth="$(curl -fsS -u guest:guest "${RABBITMQ_MANAGEMENT_URL%/}/api/queues" 2>/dev/null | python3 -c '
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
        "$BIN/open137" loadgen --channels "$CHANNELS" --drain-timeout "$DRAIN" "$@" | tee "$out" || status=$?
    (( status == 0 )) || log "warning: loadgen exited $status (see $out)"
}

# ---------------------------------------------------------------------------------------------------
# (a) the broker's ceiling, before any service runs

LOAD_BEFORE="$(uptime | sed 's/.*load average: //')"
log "(a) broker ceiling: open137 bench messaging ($MESSAGES persistent messages, quorum queue)"
"$BIN/open137" bench messaging --messages "$MESSAGES" --sequential-messages 500 | tee "$STACK/bench-messaging.out"
CEILING="$(sed -n 's/^publish, pipelined confirms.* \([0-9][0-9]*\) msg\/s/\1/p' "$STACK/bench-messaging.out" | tr -d ' ')"

for name in "${SERVICES[@]}"; do
    copies=1; [[ "$name" == intake ]] || copies=$COPIES
    for ((i = 0; i < copies; i++)); do log "starting $name copy $((i + 1)) (release)"; start_copy "$name" "$i"; done
done

log "warm-up: 5 s at 50 reports/s (not counted)"
loadgen "$STACK/warmup.out" --rate 50 --duration 5 >/dev/null
wait_idle

# What the pipeline costs doing nothing (polls, heartbeats, timers): the base under every per-report figure.
IDLE_SECONDS=10
log "idle CPU: $IDLE_SECONDS s without load"
declare -A IDLE_BEFORE=() IDLE_PERCENT=()
ACCOUNTED=("${SERVICES[@]}" postgresql rabbitmq)
for name in "${ACCOUNTED[@]}"; do IDLE_BEFORE[$name]="$(cpu_of "$name")"; done
sleep "$IDLE_SECONDS"
for name in "${ACCOUNTED[@]}"; do
    IDLE_PERCENT[$name]="$(awk -v a="${IDLE_BEFORE[$name]}" -v b="$(cpu_of "$name")" -v s="$IDLE_SECONDS" 'BEGIN { printf "%.1f", 100 * (b - a) / s }')"
done

# (c) latency at a fixed moderate rate, on an idle pipeline
log "(c) fixed rate: $RATE reports/s for $RATE_DURATION s"
loadgen "$STACK/rate.out" --rate "$RATE" --duration "$RATE_DURATION"
wait_idle

# (b) + (d) closed loop, with CPU accounting
log "(b) closed loop: $CONCURRENCY submitters for $DURATION s"
declare -A CPU_BEFORE=()
for name in "${ACCOUNTED[@]}"; do CPU_BEFORE[$name]="$(cpu_of "$name")"; done
loadgen "$STACK/closed.out" --concurrency "$CONCURRENCY" --duration "$DURATION"
wait_idle
declare -A CPU_PER_REPORT=()
DELIVERED="$(result "$STACK/closed.out" delivered)"
for name in "${ACCOUNTED[@]}"; do
    CPU_PER_REPORT[$name]="$(awk -v a="${CPU_BEFORE[$name]}" -v b="$(cpu_of "$name")" -v n="${DELIVERED:-0}" 'BEGIN { printf "%.2f", (n > 0 ? 1000 * (b - a) / n : 0) }')"
done
LOADGEN_CPU="$(sed -n 's/^load generator CPU (this process) *\([0-9.]*\) s.*/\1/p' "$STACK/closed.out")"
LOADGEN_CPU_PER_REPORT="$(awk -v c="${LOADGEN_CPU:-0}" -v n="${DELIVERED:-0}" 'BEGIN { printf "%.2f", (n > 0 ? 1000 * c / n : 0) }')"
declare -A HWM=()
for name in "${ACCOUNTED[@]}"; do HWM[$name]="$(hwm_of "$name")"; done

SLOWEST=""
for name in "${WORKERS[@]}"; do
    if [[ -z "$SLOWEST" ]] || awk -v a="${CPU_PER_REPORT[$name]}" -v b="${CPU_PER_REPORT[$SLOWEST]}" 'BEGIN { exit !(a > b) }'; then SLOWEST=$name; fi
done

# (e) more copies of the slowest stage
if [[ "$SKIP_SCALE" != 1 ]]; then
    log "(e) $SCALE_COPIES copies of $SLOWEST, closed loop for $SCALE_DURATION s"
    for ((i = COPIES; i < SCALE_COPIES; i++)); do start_copy "$SLOWEST" "$i"; done
    loadgen "$STACK/scaled.out" --concurrency "$CONCURRENCY" --duration "$SCALE_DURATION"
fi
LOAD_AFTER="$(uptime | sed 's/.*load average: //')"

# ---------------------------------------------------------------------------------------------------
# The table

E2E="$(result "$STACK/closed.out" throughput_per_s)"
row() { printf '%-64s %s\n' "$1" "$2"; }
echo
echo "open137 bench — end to end, release, $(nproc) cores, everything durable; $(date -u +%FT%TZ)"
echo "load average before: $LOAD_BEFORE; after: $LOAD_AFTER (the machine is shared)"
row "(a) broker ceiling: persistent confirmed publishes/s (pipelined)" "${CEILING:-?} msg/s"
row "(b) end to end, closed loop, $CONCURRENCY submitters, $DURATION s, $COPIES copy/worker" \
    "$E2E reports/s  (accepted $(result "$STACK/closed.out" accepted), delivered $DELIVERED, lost $(result "$STACK/closed.out" lost), dup $(result "$STACK/closed.out" duplicates_units), audit missing $(result "$STACK/closed.out" audit_missing))"
row "    intake accepted during the load" "$(sed -n 's/^accepted\/s during the load *\([0-9.]*\) .*/\1/p' "$STACK/closed.out") reports/s"
row "    end to end / broker ceiling" "$(awk -v e="$E2E" -v c="${CEILING:-0}" 'BEGIN { printf "%.1f %%", (c > 0 ? 100 * e / c : 0) }')"
row "(c) latency received_at → unit queue at $RATE/s for $RATE_DURATION s" \
    "p50 $(result "$STACK/rate.out" p50_ms) ms  p95 $(result "$STACK/rate.out" p95_ms) ms  p99 $(result "$STACK/rate.out" p99_ms) ms  (delivered $(result "$STACK/rate.out" delivered), lost $(result "$STACK/rate.out" lost))"
echo "(d) per delivered report in (b): CPU ms; peak RSS (VmHWM) MiB; CPU % of one core when idle"
total=0
for name in "${ACCOUNTED[@]}"; do
    label="$name"; [[ "$name" == postgresql ]] && label="postgresql (RSS after (b): private of all + shared once)"
    row "    $label" "$(printf '%7.2f ms CPU   %6s MiB   idle %5s %%' "${CPU_PER_REPORT[$name]}" "${HWM[$name]}" "${IDLE_PERCENT[$name]}")"
    total="$(awk -v a="$total" -v b="${CPU_PER_REPORT[$name]}" 'BEGIN { printf "%.2f", a + b }')"
done
row "    pipeline total (services + postgresql + rabbitmq)" "$(printf '%7.2f ms CPU  → at most %.0f reports/s on %d cores' "$total" "$(awk -v t="$total" -v n="$(nproc)" 'BEGIN { print (t > 0 ? 1000 * n / t : 0) }')" "$(nproc)")"
row "    load generator (verifying consumer of every unit queue)" "$(printf '%7.2f ms CPU' "$LOADGEN_CPU_PER_REPORT")"
if [[ "$SKIP_SCALE" != 1 ]]; then
    row "(e) slowest stage by CPU/report: $SLOWEST — $COPIES vs $SCALE_COPIES copies" \
        "$E2E → $(result "$STACK/scaled.out" throughput_per_s) reports/s  (lost $(result "$STACK/scaled.out" lost))"
else
    row "(e) slowest stage by CPU/report" "$SLOWEST (scaling skipped)"
fi
awk -v e="$E2E" 'BEGIN { printf "goal >= 1000 reports/s end to end: %s\n", (e >= 1000 ? "met" : "NOT met") }'
awk -v p="$(result "$STACK/rate.out" p99_ms)" -v r="$RATE" 'BEGIN { printf "goal p99 <= 100 ms at %d/s: %s\n", r, (p != "nan" && p <= 100 ? "met" : "NOT met") }'
