#!/usr/bin/env python3
"""The broker side of `make chaos`, over RabbitMQ's management HTTP API (Python standard library only).

    chaos-broker.py spy     --management URL                 declare the spy queue: a copy of every unit delivery
    chaos-broker.py poison  --management URL --run ID        publish poison messages to the exchanges feeding
                                                             intake.submissions, classifier.reports, router.reports
                                                             and router.unit-updates; prints how many
    chaos-broker.py verify  --management URL --run ID [--timeout S]
                                                             every poison message is in its queue's .dlq (intake's in
                                                             intake.rejected), none reached a unit (the spy, read
                                                             and emptied)
    chaos-broker.py burst   --management URL --run ID --out FILE [--seconds S] [--rate R]
                                                             poison for the broker restart during dead-lettering:
                                                             published for S seconds (or until the broker goes away),
                                                             half to the stages' exchanges (the stage rejects it: a
                                                             confirmed copy to the .dlq), half into the retry queues
                                                             (the broker dead-letters it back to the work queue when
                                                             its 5 s TTL runs out, then the stage rejects it); FILE
                                                             gets one line per message: marker, path, outcome
    chaos-broker.py plant-replay --management URL --run ID   a valid submission in intake.rejected, as intake
                                                             dead-letters one it refused (reason and origin headers):
                                                             the message `open137 dlq replay` brings back
    chaos-broker.py verify  --management URL --run ID [--timeout S] [--burst FILE] [--replayed REPORT_ID]
                                                             every poison message is in its queue's .dlq (intake's in
                                                             intake.rejected), none reached a unit (the spy, read
                                                             and emptied); with --burst, every confirmed burst
                                                             message too; every message in every dead-letter queue
                                                             is poison of this run; with --replayed, the replayed
                                                             report was delivered to a unit (seen by the spy)
    chaos-broker.py depth   --management URL                 messages in the pipeline's work and retry queues (0, or the
                                                             total with the queues that hold them)

The spy queue `chaos.unit-deliveries` is bound to `open137.units` with `#`, so it sees every delivery to
every unit and to the council: no poison may be among them. Poison messages carry the marker
`poison-<run>-<n>` as their message id and inside their body (garbage bytes included), so they are found
in a dead-letter queue whichever way a service dead-lettered them (broker DLX or an explicit copy).
Exit 0 when verify passes, 1 otherwise; its last line is `VERDICT key=value ...` for chaos.sh.
"""

import argparse
import base64
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

SPY = "chaos.unit-deliveries"
WORK_QUEUES = ["intake.submissions", "intake.events", "classifier.reports", "router.reports", "router.unit-updates",
               "notifier.events", "council-audit.events"]
# Every dead-letter queue (open137 dlq list): each work queue's .dlq, and intake's rejected submissions.
DEAD_LETTER_QUEUES = [queue + ".dlq" for queue in WORK_QUEUES] + ["intake.rejected"]
RETRY_EXCHANGE = "open137.retry"
# Burst markers are numbered from here on (the first poison of a run has 1-20).
BURST_FIRST = 1001


class Management:
    """The management API with the stack's guest user (loopback only)."""

    def __init__(self, base, timeout=30):
        self.base = base.rstrip("/") + "/api"
        self.auth = "Basic " + base64.b64encode(b"guest:guest").decode()
        self.timeout = timeout

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Authorization": self.auth, "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            text = response.read()
            return json.loads(text) if text else None

    def queue(self, name):
        return self.call("GET", "/queues/%2F/" + urllib.parse.quote(name, safe=""))

    def publish(self, exchange, key, payload, properties):
        """True when the broker routed the message to a queue. The management plugin publishes with
        mandatory and waits for the publisher confirm, so True means confirmed."""
        if isinstance(payload, bytes):
            body = {"properties": properties, "routing_key": key, "payload": base64.b64encode(payload).decode(), "payload_encoding": "base64"}
        else:
            body = {"properties": properties, "routing_key": key, "payload": payload, "payload_encoding": "string"}
        answer = self.call("POST", "/exchanges/%2F/" + urllib.parse.quote(exchange, safe="") + "/publish", body)
        return bool(answer and answer.get("routed"))

    def peek(self, queue, count, ackmode="ack_requeue_true"):
        """Up to count messages of queue (payload bytes, properties); requeued unless ackmode says otherwise.
        Only for queues no service consumes (dead-letter queues, the spy): a requeue counts as a delivery.
        Messages taken for good (the spy: ack_requeue_false) are read 2,000 a call (a full run's spy holds
        some 14,000, too many for one answer in time); requeued ones in one call (a second would see the
        first's again), with a longer timeout."""
        if count <= 0:
            return []
        path = "/queues/%2F/" + urllib.parse.quote(queue, safe="") + "/get"
        messages = []
        timeout, self.timeout = self.timeout, max(self.timeout, 180)
        try:
            if ackmode == "ack_requeue_false":
                while len(messages) < count:
                    chunk = self.call("POST", path, {"count": min(2000, count - len(messages)), "ackmode": ackmode,
                                                     "encoding": "auto", "truncate": 100000}) or []
                    messages += chunk
                    if not chunk:
                        break
            else:
                messages = self.call("POST", path, {"count": count, "ackmode": ackmode, "encoding": "auto", "truncate": 100000}) or []
        finally:
            self.timeout = timeout
        result = []
        for message in messages:
            payload = message.get("payload", "")
            data = base64.b64decode(payload) if message.get("payload_encoding") == "base64" else payload.encode()
            properties = dict(message.get("properties") or {})
            properties["routing_key"] = message.get("routing_key", "")
            result.append((data, properties))
        return result


# (work queue, exchange, routing key, CloudEvents type or None for a bare submission) of each poison target.
POISON_TARGETS = [
    ("intake.submissions", "open137.intake", "intake.web", None),
    ("classifier.reports", "open137.events", "report.received", "report.received"),
    ("router.reports", "open137.events", "report.classified", "report.classified"),
    ("router.unit-updates", "open137.unit-updates", "parks.status", "unit.status-update"),
]


def dead_letter_queue(queue):
    """Where a stage puts what it rejects from queue."""
    return "intake.rejected" if queue == "intake.submissions" else queue + ".dlq"


def event(kind, mark, data):
    return json.dumps({"specversion": "1.0", "id": mark, "source": "/open137/chaos", "type": kind,
                       "time": "2026-01-01T00:00:00Z", "datacontenttype": "application/json", "data": data})


def poison_messages(run):
    """(target queue, exchange, routing key, marker, payload) for every poison message of this run."""
    messages = []
    counter = [0]

    def marker():
        counter[0] += 1
        return f"poison-{run}-{counter[0]}"

    for queue, exchange, key, kind in POISON_TARGETS:
        m = marker()
        messages.append((queue, exchange, key, m, b"\x00\xff\xfe garbage " + m.encode() + b" \xc3\x28{{{"))
        m = marker()
        messages.append((queue, exchange, key, m, '{"not json at all ' + m))
        m = marker()
        if kind is None:
            messages.append((queue, exchange, key, m, json.dumps({"channel": 42, "description": ["x", m], "location": "nowhere"})))
        else:
            messages.append((queue, exchange, key, m, event(kind, m, {"report_id": 42, "description": False, "status": ["x"], "unit": 7})))
        m = marker()
        if kind is None:
            messages.append((queue, exchange, key, m, json.dumps({"description": f"{m}: the light is out"})))
        else:
            messages.append((queue, exchange, key, m, event(kind, m, {})))
        m = marker()
        messages.append((queue, exchange, key, m, json.dumps([m, 1, 2])))
    return messages


def command_spy(management, _arguments):
    management.call("PUT", "/queues/%2F/" + SPY, {"durable": True, "auto_delete": False, "arguments": {"x-queue-type": "classic"}})
    management.call("POST", f"/bindings/%2F/e/open137.units/q/{SPY}", {"routing_key": "#"})
    print(f"chaos-broker: spy queue {SPY} bound to open137.units with #")
    return 0


def command_poison(management, arguments):
    unrouted = 0
    messages = poison_messages(arguments.run)
    for _, exchange, key, mark, payload in messages:
        properties = {"message_id": mark, "delivery_mode": 2,
                      "content_type": "application/octet-stream" if isinstance(payload, bytes) else "application/json"}
        if not management.publish(exchange, key, payload, properties):
            unrouted += 1
            print(f"chaos-broker: {mark} to {exchange} ({key}) was not routed", file=sys.stderr)
    print(f"chaos-broker: published {len(messages)} poison messages ({unrouted} unrouted)")
    return 1 if unrouted else 0


def burst_message(run, index):
    """The index-th burst message: (marker, path, work queue, exchange, routing key, payload). Even pairs go
    to the stage's own exchange ("stage": the stage rejects it and publishes a confirmed copy to its .dlq),
    odd pairs into the work queue's retry queue ("expiry": the broker dead-letters it back to the work queue
    when the retry TTL runs out, then the stage rejects it)."""
    queue, exchange, key, kind = POISON_TARGETS[index % len(POISON_TARGETS)]
    mark = f"poison-{run}-{BURST_FIRST + index}"
    path = "expiry" if (index // len(POISON_TARGETS)) % 2 else "stage"
    if path == "expiry":
        exchange, key = RETRY_EXCHANGE, queue
    if index % 3 == 0:
        payload = '{"not json at all ' + mark
    elif kind is None:
        payload = json.dumps({"description": f"{mark}: the light is out"})
    else:
        payload = event(kind, mark, {})
    return mark, path, queue, exchange, key, payload


def command_burst(management, arguments):
    """Publishes burst poison at --rate a second for --seconds, or until three publishes in a row fail (the
    broker is going away); one line per message in --out: marker, path, work queue, outcome (confirmed:
    routed and confirmed; unconfirmed: no answer, so it may or may not be in the broker; unrouted)."""
    management.timeout = 5
    counts = {"confirmed": 0, "unconfirmed": 0, "unrouted": 0}
    failures_in_a_row = 0
    started = time.time()
    index = 0
    with open(arguments.out, "w", encoding="utf-8") as out:
        while time.time() - started < arguments.seconds and failures_in_a_row < 3:
            mark, path, queue, exchange, key, payload = burst_message(arguments.run, index)
            properties = {"message_id": mark, "delivery_mode": 2, "content_type": "application/json"}
            try:
                outcome = "confirmed" if management.publish(exchange, key, payload, properties) else "unrouted"
                failures_in_a_row = 0
            except (urllib.error.URLError, OSError, ValueError):
                outcome = "unconfirmed"
                failures_in_a_row += 1
            counts[outcome] += 1
            out.write(f"{mark}\t{path}\t{queue}\t{outcome}\n")
            out.flush()
            index += 1
            pause = started + index / arguments.rate - time.time()
            if pause > 0:
                time.sleep(pause)
    print(f"chaos-broker: burst of {index} poison messages in {time.time() - started:.1f} s: {counts['confirmed']} confirmed, "
          f"{counts['unconfirmed']} unconfirmed, {counts['unrouted']} unrouted"
          + (" (stopped: the broker went away)" if failures_in_a_row >= 3 else ""))
    return 0


def replay_marker(run):
    return f"chaos-replay-{run}"


def command_plant_replay(management, arguments):
    """A valid AMQP submission (channel app) in intake.rejected with the headers intake writes when it
    refuses one — as if an older validation rule had refused it; its origin (open137.intake, intake.app)
    is what `open137 dlq replay` publishes it back to."""
    mark = replay_marker(arguments.run)
    body = json.dumps({
        "description": f"The street light at the corner of the school lane has been out for three nights ({mark})",
        "contact_allowed": False,
        "location": {"lat": 35.7006, "long": 51.4013},
        "reporter": {"language": "en", "type": "other"},
    })
    properties = {"message_id": mark, "delivery_mode": 2, "content_type": "application/json", "headers": {
        "x-open137-reason-code": "invalid-submission",
        "x-open137-reason": "chaos: a valid submission as an older intake refused it (replayed at the end of the run)",
        "x-open137-original-exchange": "open137.intake",
        "x-open137-original-routing-key": "intake.app",
    }}
    if not management.publish("amq.default", "intake.rejected", body, properties):
        print("chaos-broker: the replay message was not routed to intake.rejected", file=sys.stderr)
        return 1
    print(f"chaos-broker: {mark} planted in intake.rejected (a valid submission, origin open137.intake intake.app)")
    return 0


MARKER = re.compile(r"poison-[A-Za-z0-9]+-[0-9]+")
REPLAY = re.compile(r"chaos-replay-[A-Za-z0-9]+")


def markers_in(management, queue, ackmode="ack_requeue_true", others=None, ids=None, planted=None, needle=None):
    """(messages in queue, {poison marker: copies}, messages whose body holds needle) — poison by message id
    or by the marker inside the body. Messages without a marker are counted in others by (queue, reason code,
    routing key) when given; the planted replay message in planted (by queue)."""
    depth = (management.queue(queue) or {}).get("messages", 0) or 0
    found = {}
    with_needle = 0
    for data, properties in management.peek(queue, depth + 50 if depth else 0, ackmode):
        text = data.decode("utf-8", errors="replace")
        message_id = properties.get("message_id") or ""
        tokens = set(MARKER.findall(text) + MARKER.findall(message_id))
        if needle and needle in text:
            with_needle += 1
        if ids is not None:
            key = (message_id or "-", properties.get("routing_key", ""))
            ids[key] = ids.get(key, 0) + 1
        for token in tokens:
            found[token] = found.get(token, 0) + 1
        if tokens:
            continue
        if planted is not None and (REPLAY.search(message_id) or REPLAY.search(text)):
            planted[queue] = planted.get(queue, 0) + 1
        elif others is not None:
            headers = properties.get("headers") or {}
            key = (queue, headers.get("x-open137-reason-code", "-"), headers.get("x-open137-original-routing-key", properties.get("routing_key", "-")))
            others[key] = others.get(key, 0) + 1
    return depth, found, with_needle


def read_burst(path):
    """(marker, path, work queue, outcome) per line of a burst file."""
    rows = []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 4:
                rows.append(tuple(parts))
    return rows


def command_verify(management, arguments):
    messages = poison_messages(arguments.run)
    expected = {mark: dead_letter_queue(queue) for queue, _, _, mark, _ in messages}
    burst = read_burst(arguments.burst) if arguments.burst else []
    burst_queue = {mark: dead_letter_queue(queue) for mark, _, queue, _ in burst}
    burst_confirmed = [row for row in burst if row[3] == "confirmed"]
    deadline = time.time() + arguments.timeout
    while True:
        seen = {}
        others = {}
        planted = {}
        for queue in DEAD_LETTER_QUEUES:
            _, found, _ = markers_in(management, queue, others=others, planted=planted)
            seen[queue] = found
        missing = [(mark, queue) for mark, queue in expected.items() if mark not in seen[queue]]
        burst_missing = [(mark, burst_queue[mark]) for mark, _, _, _ in burst_confirmed if mark not in seen[burst_queue[mark]]]
        if (not missing and not burst_missing) or time.time() >= deadline:
            break
        time.sleep(2)

    def elsewhere(mark):
        where = [queue for queue, found in seen.items() if mark in found]
        return f" (found in {', '.join(where)})" if where else ""

    failures = [f"{mark} is not in {queue}{elsewhere(mark)}" for mark, queue in missing]
    failures += [f"burst {mark} (confirmed by the broker) is not in {queue}{elsewhere(mark)}: lost in dead-lettering" for mark, queue in burst_missing]
    # Copies beyond the first of one poison message in one dead-letter queue (at-least-once dead-lettering, or
    # a stage that rejected a redelivery again, may leave some; printed, not a failure). Poison published to
    # open137.events also reaches the notifier's, council-audit's and intake's read-model queues, whose stages
    # reject it too: those copies in other queues are expected.
    copies = {}
    extra_copies = 0
    for found in seen.values():
        for mark, count in found.items():
            copies[mark] = copies.get(mark, 0) + count
            extra_copies += count - 1
    known = set(expected) | set(burst_queue)
    strangers = sum(count for mark, count in copies.items() if mark not in known)
    nonpoison = sum(others.values())
    if nonpoison:
        failures.append(f"{nonpoison} message(s) in the dead-letter queues are not poison of this run")
    # The spy is read and emptied (nobody else consumes it).
    spy_ids = {}
    spy_depth, spy_found, replay_hits = markers_in(management, SPY, ackmode="ack_requeue_false", ids=spy_ids, needle=arguments.replayed)
    spy_duplicates = sum(count - 1 for count in spy_ids.values())
    failures += [f"{mark} reached a unit or the council ({count} copies in {SPY})" for mark, count in spy_found.items()]
    if arguments.replayed and not replay_hits:
        failures.append(f"the replayed report {arguments.replayed} was not delivered to a unit (not in {SPY})")
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    # What else the pipeline dead-lettered during the run, and why (each one is a failure above).
    for (queue, reason, key), count in sorted(others.items()):
        print(f"chaos-broker: NOT POISON in {queue}: {count} message(s), reason {reason}, routing key {key}")
    for queue, count in sorted(planted.items()):
        print(f"chaos-broker: the planted replay message is still in {queue} ({count})")
    per_queue = ", ".join(f"{queue} {sum(1 for m in expected if expected[m] == queue and m in seen[queue])}/{sum(1 for m in expected if expected[m] == queue)}"
                          for queue in sorted(set(expected.values())))
    print(f"chaos-broker: poison {'PASS' if not failures else 'FAIL'} — {len(expected) - len(missing)}/{len(expected)} dead-lettered ({per_queue}); "
          f"in unit deliveries: {sum(spy_found.values())} (of {spy_depth} deliveries seen by the spy, {spy_duplicates} of them again "
          f"under the same message id and routing key: duplicates on the wire as published)")
    burst_in_dlq = {path: 0 for path in ("stage", "expiry")}
    burst_sent = {path: 0 for path in ("stage", "expiry")}
    for mark, path, _, outcome in burst_confirmed:
        burst_sent[path] += 1
        burst_in_dlq[path] += mark in seen[burst_queue[mark]]
    unconfirmed = [row for row in burst if row[3] != "confirmed"]
    unconfirmed_found = sum(1 for mark, _, _, _ in unconfirmed if mark in seen[burst_queue[mark]])
    if burst:
        print(f"chaos-broker: burst around the broker restart: {len(burst)} published, {len(burst_confirmed)} confirmed, "
              f"{sum(burst_in_dlq.values())} of them in their dead-letter queue (stage reject {burst_in_dlq['stage']}/{burst_sent['stage']}, "
              f"broker expiry then reject {burst_in_dlq['expiry']}/{burst_sent['expiry']}), lost {len(burst_missing)}; "
              f"{len(unconfirmed)} unconfirmed (publish answered by no confirm), {unconfirmed_found} of those in their dead-letter queue")
    print(f"chaos-broker: dead-letter queues: {sum(sum(found.values()) for found in seen.values())} poison copies "
          f"({extra_copies} beyond the first of a message in one queue), {nonpoison} not poison, {sum(planted.values())} planted replay message(s) left")
    print("chaos-broker: poison copies per queue: " + ", ".join(f"{queue} {sum(found.values())}" for queue, found in seen.items()))
    # Under which dead-letter strategy this was measured: the work queues' (the broker's dead-lettering at the
    # delivery limit) and the retry queues' (the expiry path of the burst), as the broker applies it: a queue
    # argument wins over the policy in effect (open137-dead-letter-at-least-once). Unset means at-most-once.
    strategies = {}
    for queue in WORK_QUEUES:
        for name in (queue, queue + ".retry"):
            info = management.queue(name) or {}
            arguments_of = info.get("arguments") or {}
            policy = info.get("effective_policy_definition") or {}
            strategy = arguments_of.get("x-dead-letter-strategy") or policy.get("dead-letter-strategy") or "at-most-once"
            overflow = arguments_of.get("x-overflow") or policy.get("overflow")
            kind = "work" if name == queue else "retry"
            label = strategy + (f"+{overflow}" if overflow else "")
            strategies.setdefault((kind, label), []).append(name)
    strategy_text = "; ".join(f"{kind} queues {label} ({len(names)})" for (kind, label), names in sorted(strategies.items()))
    print(f"chaos-broker: dead-letter strategy: {strategy_text}")
    print("VERDICT " + " ".join(f"{key}={value}" for key, value in [
        ("strategy_work", ",".join(sorted({label for (kind, label) in strategies if kind == "work"}))),
        ("strategy_retry", ",".join(sorted({label for (kind, label) in strategies if kind == "retry"}))),
        ("poison", f"{len(expected) - len(missing)}/{len(expected)}"),
        ("burst_published", len(burst)), ("burst_confirmed", len(burst_confirmed)),
        ("burst_in_dlq", sum(burst_in_dlq.values())), ("burst_lost", len(burst_missing)),
        ("burst_stage", f"{burst_in_dlq['stage']}/{burst_sent['stage']}"), ("burst_expiry", f"{burst_in_dlq['expiry']}/{burst_sent['expiry']}"),
        ("burst_unconfirmed", len(unconfirmed)), ("burst_unconfirmed_in_dlq", unconfirmed_found),
        ("dlq_scanned", sum(sum(found.values()) for found in seen.values()) + nonpoison + sum(planted.values())),
        ("dlq_extra_copies", extra_copies), ("dlq_other_poison", strangers), ("dlq_not_poison", nonpoison),
        ("replay_left", sum(planted.values())), ("poison_at_units", sum(spy_found.values())),
        ("replay_at_unit", ("yes" if replay_hits else "no") if arguments.replayed else "-"),
    ]))
    return 1 if failures else 0


def command_depth(management, _arguments):
    counts = {}
    unacked = {}
    for queue in WORK_QUEUES:
        for suffix in ("", ".retry"):
            info = management.queue(queue + suffix) or {}
            counts[queue + suffix] = info.get("messages", 0) or 0
            unacked[queue + suffix] = info.get("messages_unacknowledged", 0) or 0

    def held(queue):
        # Messages delivered and never settled: a consumer that still holds its connection but does no work.
        return f" ({unacked[queue]} unacknowledged: held by a consumer)" if unacked[queue] else ""
    total = sum(counts.values())
    print(total if total == 0 else f"{total} (" + ", ".join(f"{q} {n}{held(q)}" for q, n in counts.items() if n) + ")")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["spy", "poison", "burst", "plant-replay", "verify", "depth"])
    parser.add_argument("--management", required=True, help="RabbitMQ management URL, e.g. http://127.0.0.1:15742/")
    parser.add_argument("--run", default="", help="this chaos run's id (poison markers)")
    parser.add_argument("--timeout", type=float, default=60, help="verify: seconds to wait for the dead-letter queues")
    parser.add_argument("--out", help="burst: the file of published markers")
    parser.add_argument("--seconds", type=float, default=60, help="burst: seconds to publish at the most (it stops when the broker goes away)")
    parser.add_argument("--rate", type=float, default=40, help="burst: messages a second")
    parser.add_argument("--burst", help="verify: the burst file; every confirmed burst message must be in its dead-letter queue")
    parser.add_argument("--replayed", help="verify: the id of the replayed report, which must have been delivered to a unit")
    arguments = parser.parse_args()
    if arguments.command in ("poison", "burst", "plant-replay", "verify") and not arguments.run:
        parser.error("--run is required")
    if arguments.command == "burst" and not arguments.out:
        parser.error("--out is required")
    management = Management(arguments.management)
    try:
        return {"spy": command_spy, "poison": command_poison, "burst": command_burst, "plant-replay": command_plant_replay,
                "verify": command_verify, "depth": command_depth}[arguments.command](management, arguments)
    except (urllib.error.URLError, OSError, ValueError) as error:
        print(f"chaos-broker: {arguments.command} failed: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
