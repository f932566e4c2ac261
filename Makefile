# Open137 — the two everyday commands are `make run` and `make test`; the logic lives in infra/local/.
#
#   make run              set up everything (packages, broker, database, release build, migrations,
#                         topology), run the five services; Ctrl-C stops them and the stack.
#                         WORKERS=N runs N copies of classifier, router, notifier and council-audit.
#   make test             a throwaway broker and database under .local/test, then swift test.
#                         SWIFT_TEST_ARGS="--filter X" passes arguments to swift test.
#   make bench            the whole pipeline end to end (release, private stack): broker ceiling, reports/s,
#                         latency at 300/s, CPU and memory per service, 1 vs. 3 copies of the slowest stage.
#   make cluster          a three-node RabbitMQ cluster (AMQP 5782-5784) and two PostgreSQL nodes under Patroni behind
#                         HAProxy (DATABASE_URL on 5621) under .local/cluster, left running; the services' broker
#                         failover test against it (CLUSTER_TEST=0 skips it); make cluster-stop stops it.
#                         CLUSTER=1 make run runs everything on such a cluster (its stack under .local/run).
#   make chaos-cluster    load generator (25/s for 120 s) while the cluster loses nodes: the broker node leading most
#                         queues SIGKILLed and restarted, then another stopped cleanly; then the PostgreSQL primary
#                         SIGKILLed (Patroni and server), the standby promoted, the old primary back as a replica;
#                         asserts nothing lost or doubled, audit chain intact, drained in 30 s.
#   make chaos            load generator under faults (release, private stack .local/chaos, WORKERS=2): SIGKILLed
#                         workers, a broker restart, a database stop -m immediate, poison; asserts nothing lost or
#                         doubled, one assignment each, audit chain intact, drained in 30 s, security pass.
#   make bench-messaging  messaging benchmark against the .local/run broker (started if needed).
#   make bench-intake     intake over HTTP (release, private stack): reports/s, p50/p99, vs. the database's ceiling.
#   make bench-classifier classifier benchmark: classifications/s on one core, training time, memory.
#   make bench-router     router (release, private stack): routed reports/s, the broker's ceiling, CPU per report.
#   make bench-notifier   notifier (release, private stack): notifications/s to a local webhook receiver, CPU per notification.
#   make bench-audit      council audit: appended events/s with the hash chain, verification entries/s (test stack's database).
#   make stop             stop a running `make run` and the .local/run stack.
#   make build            debug build of everything.
#   make clean-local      stop every stack under .local/ and delete .local/.

SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help run test chaos cluster cluster-stop chaos-cluster bench bench-messaging bench-intake bench-classifier bench-router bench-notifier bench-audit stop build clean-local

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

run:
	@OPEN137_CLUSTER="$(or $(CLUSTER),$(OPEN137_CLUSTER))" infra/local/run.sh start

test:
	@infra/local/test.sh

chaos:
	@infra/local/chaos.sh

cluster:
	@infra/local/cluster.sh start

cluster-stop:
	@infra/local/cluster.sh stop

chaos-cluster:
	@infra/local/chaos-cluster.sh

bench:
	@infra/local/bench.sh

bench-messaging:
	@infra/local/bench-messaging.sh

bench-intake:
	@infra/local/bench-intake.sh

bench-classifier:
	@infra/local/bench-classifier.sh

bench-router:
	@infra/local/bench-router.sh

bench-notifier:
	@infra/local/bench-notifier.sh

bench-audit:
	@infra/local/bench-audit.sh

stop:
	@infra/local/run.sh stop

build:
	swift build

clean-local:
	@infra/local/clean-local.sh
