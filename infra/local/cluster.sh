#!/usr/bin/env bash
# `make cluster`: a three-node RabbitMQ cluster on this machine (infra/local/rabbitmq-cluster.sh) and two
# PostgreSQL nodes under Patroni behind HAProxy (infra/local/postgres-ha.sh), left running under .local/cluster,
# and the services' broker failover test against it. `make cluster-stop` stops it.
#   infra/local/cluster.sh start   start and join the nodes, write .local/cluster/cluster.env, run the test
#   infra/local/cluster.sh test    the failover test only (the cluster must be up)
#   infra/local/cluster.sh stop    stop the nodes
#
# Environment (all optional):
#   CLUSTER_STACK_DIR   where the cluster lives (default .local/cluster)
#   CLUSTER_AMQP_PORT   node 1's AMQP port (default 5782; nodes on 5782-5784, management 15782-15784,
#                       Prometheus 16782-16784, distribution 25782-25784, epmd 26782)
#   CLUSTER_PG_PORT     HAProxy's port, DATABASE_URL's (default 5621; PostgreSQL nodes on 5622-5623, their Patroni
#                       REST APIs on 8622-8623, the replicas' port 5624, etcd 8624-8625 — clear of make test's stacks)
#   CLUSTER_TEST=0      do not run the failover test after start
#   OPEN137_TEST_TIMEOUT  seconds the test may take (default 300)
# The test (Tests/FaultTests/ClusterFailoverTests.swift, OPEN137_CLUSTER_TESTS=1) kills the node a publisher
# is connected to while it publishes, checks that it goes on on another node with every publish confirmed and
# every confirmed message consumed, and starts the node again (it rejoins). It uses the debug build's test
# bundle (`swift build --build-tests` first when it is missing).
set -euo pipefail
OPEN137_LOG_TAG="cluster"
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$OPEN137_ROOT"

export OPEN137_STACK_DIR="${CLUSTER_STACK_DIR:-.local/cluster}"
STACK="$(stack_dir)"
export OPEN137_STACK_DIR="$STACK"
CLUSTER_ENV="$STACK/cluster.env"

cmd_start() {
    export OPEN137_AMQP_PORT="${CLUSTER_AMQP_PORT:-5782}"
    export OPEN137_PG_PORT="${CLUSTER_PG_PORT:-5621}"
    "$OPEN137_LOCAL_DIR/postgres-ha.sh" start
    "$OPEN137_LOCAL_DIR/rabbitmq-cluster.sh" start
    local lines pg_lines
    mapfile -t lines < <("$OPEN137_LOCAL_DIR/rabbitmq-cluster.sh" env)
    mapfile -t pg_lines < <("$OPEN137_LOCAL_DIR/postgres-ha.sh" env)
    (umask 077; write_env_file "$CLUSTER_ENV" "OPEN137_STACK_DIR=$STACK" "${lines[@]}" \
        "RABBITMQ_MANAGEMENT_URL=$(sed -n 's/^RABBITMQ_NODE1_MANAGEMENT_URL=//p' <<< "$(printf '%s\n' "${lines[@]}")")" \
        "${pg_lines[@]}")
    log "environment in ${CLUSTER_ENV#"$OPEN137_ROOT"/} (AMQP_URL names the three nodes, DATABASE_URL is HAProxy's primary port); stop with make cluster-stop"
    [[ "${CLUSTER_TEST:-1}" == 0 ]] || cmd_test
}

cmd_test() {
    [[ -s "$CLUSTER_ENV" ]] || die "no cluster under $STACK (make cluster first)"
    local bundle="$OPEN137_ROOT/.build/debug/Open137PackageTests.xctest"
    if [[ ! -x "$bundle" ]]; then
        log "swift build --build-tests (the failover test's bundle is missing)"
        swift build --build-tests >&2 || die "swift build --build-tests failed"
    fi
    log "failover test: SIGKILL of the publisher's node while it publishes"
    local rc=0
    (
        set -a
        # shellcheck source=/dev/null
        source "$CLUSTER_ENV"
        set +a
        export OPEN137_CLUSTER_TESTS=1
        exec timeout -k 10 "${OPEN137_TEST_TIMEOUT:-300}" "$bundle" --testing-library swift-testing --filter ClusterFailoverTests
    ) || rc=$?
    (( rc == 0 )) || die "the failover test failed (status $rc)"
    log "failover test passed"
}

case "${1:-start}" in
    start) cmd_start ;;
    test) cmd_test ;;
    stop)
        rc=0
        "$OPEN137_LOCAL_DIR/rabbitmq-cluster.sh" stop || rc=1
        "$OPEN137_LOCAL_DIR/postgres-ha.sh" stop || rc=1
        exit "$rc" ;;
    *) echo "usage: $0 {start|test|stop}" >&2; exit 2 ;;
esac
