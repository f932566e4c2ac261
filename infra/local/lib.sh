# shellcheck shell=bash
# Shared helpers for the local-stack scripts in infra/local/. Sourced, never executed.
#
# Conventions:
#   - everything a script creates lives under $OPEN137_STACK_DIR (default .local/run, relative to the
#     repository root), so two stacks (run and test) can exist side by side;
#   - a script stops only processes whose pid it recorded itself;
#   - messages go to stderr, prefixed with the script's tag; machine-readable output goes to stdout.

umask 022

OPEN137_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck disable=SC2034  # used by the scripts that source this file
OPEN137_LOCAL_DIR="$OPEN137_ROOT/infra/local"

# log MESSAGE... — one line on stderr, prefixed with the calling script's tag.
log() { printf '[%s] %s\n' "${OPEN137_LOG_TAG:-open137}" "$*" >&2; }

# die MESSAGE... — log an error and exit 1.
die() { log "error: $*"; exit 1; }

# stack_dir — the absolute stack directory ($OPEN137_STACK_DIR, relative paths resolved against the repo root).
stack_dir() {
    local dir="${OPEN137_STACK_DIR:-.local/run}"
    [[ -n "$dir" ]] || die "OPEN137_STACK_DIR is empty"
    [[ "$dir" == /* ]] || dir="$OPEN137_ROOT/$dir"
    # Normalise without requiring the directory to exist.
    local parent base
    parent="$(dirname "$dir")"; base="$(basename "$dir")"
    mkdir -p "$parent"
    printf '%s/%s\n' "$(cd "$parent" && pwd)" "$base"
}

# check_port NAME VALUE — VALUE must be a TCP port number; NAME is the env var that sets it.
check_port() {
    local name=$1 value=$2
    if ! [[ "$value" =~ ^[0-9]+$ ]] || (( value < 1 || value > 65535 )); then
        die "$name=$value is not a TCP port (1-65535)"
    fi
}

# port_in_use PORT — true when something listens on PORT (any address).
port_in_use() {
    local port=$1
    if command -v ss >/dev/null 2>&1; then
        [[ -n "$(ss -ltnH "sport = :$port" 2>/dev/null)" ]]
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
    fi
}

# require_free_port PORT VAR WHAT — fail clearly when PORT is taken, naming the env var to change.
require_free_port() {
    local port=$1 var=$2 what=$3
    if port_in_use "$port"; then
        local holder=""
        if command -v ss >/dev/null 2>&1; then
            holder="$(ss -ltnpH "sport = :$port" 2>/dev/null | sed -n 's/.*users:((\("[^"]*"\).*/\1/p' | head -n1)"
        fi
        die "port $port ($what) is already in use${holder:+ by $holder}; choose a free port with $var=<port>"
    fi
}

# pid_alive PID — true when PID runs and is not a zombie (PID 1 here may not reap orphans).
pid_alive() {
    local pid=${1:-} stat state
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    if [[ -r "/proc/$pid/stat" ]]; then
        stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
        state="${stat##*) }"; state="${state%% *}"
        [[ "$state" != Z && "$state" != X ]] || return 1
    fi
    return 0
}

# read_pid FILE — print the first line of a pid file (empty when missing).
read_pid() { if [[ -f "$1" ]]; then head -n1 "$1" | tr -dc '0-9'; fi; }

# wait_pid_gone PID SECONDS — wait until PID is gone (or a zombie); false on timeout.
wait_pid_gone() {
    local pid=$1 deadline=$((SECONDS + $2))
    while pid_alive "$pid"; do
        (( SECONDS < deadline )) || return 1
        sleep 0.2
    done
}

# as_root CMD... — run CMD as root (directly when we are root, through sudo otherwise).
as_root() {
    if [[ $EUID -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root to run: $* (install sudo or run as root)"
    fi
}

# apt_install PACKAGE... — install Debian packages; `apt-get update` only when the plain install fails.
apt_install() {
    (( $# > 0 )) || return 0
    command -v apt-get >/dev/null 2>&1 \
        || die "missing packages: $* — install them with your package manager (no apt-get here)"
    log "installing $* with apt-get"
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"; then
        log "apt-get install failed; running apt-get update and retrying"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
    fi
}

# deb_installed PACKAGE — true when the Debian package is installed.
deb_installed() {
    command -v dpkg-query >/dev/null 2>&1 || return 1
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

# read_env_file FILE PREFIX — set PREFIX<KEY>=<value> for each KEY=value line of FILE (no eval).
read_env_file() {
    local file=$1 prefix=$2 key value
    [[ -f "$file" ]] || return 0
    while IFS='=' read -r key value; do
        [[ "$key" =~ ^[A-Z_][A-Z0-9_]*$ ]] || continue
        printf -v "${prefix}${key}" '%s' "$value"
    done < "$file"
}

# write_env_file FILE KEY=value... — write an env file atomically (unquoted KEY=value lines).
write_env_file() {
    local file=$1; shift
    local tmp="$file.tmp.$$"
    printf '%s\n' "$@" > "$tmp"
    mv -f "$tmp" "$file"
}
