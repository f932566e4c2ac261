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
    chaos-broker.py depth   --management URL                 messages in the pipeline's work and retry queues (0, or the
                                                             total with the queues that hold them)

The spy queue `chaos.unit-deliveries` is bound to `open137.units` with `#`, so it sees every delivery to
every unit and to the council: no poison may be among them. Poison messages carry the marker
`poison-<run>-<n>` as their message id and inside their body (garbage bytes included), so they are found
in a dead-letter queue whichever way a service dead-lettered them (broker DLX or an explicit copy).
Exit 0 when verify passes, 1 otherwise; the last line is a summary.
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


class Management:
    """The management API with the stack's guest user (loopback only)."""

    def __init__(self, base):
        self.base = base.rstrip("/") + "/api"
        self.auth = "Basic " + base64.b64encode(b"guest:guest").decode()

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Authorization": self.auth, "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            return json.loads(text) if text else None

    def queue(self, name):
        return self.call("GET", "/queues/%2F/" + urllib.parse.quote(name, safe=""))

    def publish(self, exchange, key, payload, properties):
        if isinstance(payload, bytes):
            body = {"properties": properties, "routing_key": key, "payload": base64.b64encode(payload).decode(), "payload_encoding": "base64"}
        else:
            body = {"properties": properties, "routing_key": key, "payload": payload, "payload_encoding": "string"}
        answer = self.call("POST", "/exchanges/%2F/" + urllib.parse.quote(exchange, safe="") + "/publish", body)
        return bool(answer and answer.get("routed"))

    def peek(self, queue, count, ackmode="ack_requeue_true"):
        """Up to count messages of queue (payload bytes, properties); requeued unless ackmode says otherwise.
        Only for queues no service consumes (dead-letter queues, the spy): a requeue counts as a delivery."""
        if count <= 0:
            return []
        messages = self.call("POST", "/queues/%2F/" + urllib.parse.quote(queue, safe="") + "/get",
                             {"count": count, "ackmode": ackmode, "encoding": "auto", "truncate": 100000})
        result = []
        for message in messages or []:
            payload = message.get("payload", "")
            data = base64.b64decode(payload) if message.get("payload_encoding") == "base64" else payload.encode()
            properties = dict(message.get("properties") or {})
            properties["routing_key"] = message.get("routing_key", "")
            result.append((data, properties))
        return result


def poison_messages(run):
    """(target queue, exchange, routing key, marker, payload) for every poison message of this run."""
    messages = []
    counter = [0]

    def marker():
        counter[0] += 1
        return f"poison-{run}-{counter[0]}"

    def event(kind, mark, data):
        return json.dumps({"specversion": "1.0", "id": mark, "source": "/open137/chaos", "type": kind,
                           "time": "2026-01-01T00:00:00Z", "datacontenttype": "application/json", "data": data})

    targets = [
        ("intake.submissions", "open137.intake", "intake.web", None),
        ("classifier.reports", "open137.events", "report.received", "report.received"),
        ("router.reports", "open137.events", "report.classified", "report.classified"),
        ("router.unit-updates", "open137.unit-updates", "parks.status", "unit.status-update"),
    ]
    for queue, exchange, key, kind in targets:
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


MARKER = re.compile(r"poison-[A-Za-z0-9]+-[0-9]+")


def markers_in(management, queue, ackmode="ack_requeue_true", others=None, ids=None):
    """(messages in queue, {poison marker: copies}) — by message id or by the marker inside the body.
    Messages without a marker are counted in others by (queue, reason code, routing key), when given."""
    depth = (management.queue(queue) or {}).get("messages", 0) or 0
    found = {}
    for data, properties in management.peek(queue, depth + 50 if depth else 0, ackmode):
        text = data.decode("utf-8", errors="replace")
        tokens = set(MARKER.findall(text) + MARKER.findall(properties.get("message_id") or ""))
        if ids is not None:
            key = (properties.get("message_id") or "-", properties.get("routing_key", ""))
            ids[key] = ids.get(key, 0) + 1
        for token in tokens:
            found[token] = found.get(token, 0) + 1
        if not tokens and others is not None:
            headers = properties.get("headers") or {}
            key = (queue, headers.get("x-open137-reason-code", "-"), headers.get("x-open137-original-routing-key", properties.get("routing_key", "-")))
            others[key] = others.get(key, 0) + 1
    return depth, found


def command_verify(management, arguments):
    messages = poison_messages(arguments.run)
    expected = {mark: ("intake.rejected" if queue == "intake.submissions" else queue + ".dlq") for queue, _, _, mark, _ in messages}
    deadline = time.time() + arguments.timeout
    while True:
        missing = []
        seen = {}
        others = {}
        for queue in sorted(set(expected.values())):
            _, found = markers_in(management, queue, others=others)
            seen[queue] = found
        for mark, queue in expected.items():
            if mark not in seen[queue]:
                missing.append((mark, queue))
        if not missing or time.time() >= deadline:
            break
        time.sleep(2)
    failures = [f"{mark} is not in {queue}" for mark, queue in missing]
    # The spy is read and emptied (nobody else consumes it).
    spy_ids = {}
    spy_depth, spy_found = markers_in(management, SPY, ackmode="ack_requeue_false", ids=spy_ids)
    spy_duplicates = sum(count - 1 for count in spy_ids.values())
    failures += [f"{mark} reached a unit or the council ({count} copies in {SPY})" for mark, count in spy_found.items()]
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    # Not ours, but worth seeing: what else the pipeline dead-lettered during the run, and why.
    for (queue, reason, key), count in sorted(others.items()):
        print(f"chaos-broker: also in {queue}: {count} message(s), reason {reason}, routing key {key}")
    per_queue = ", ".join(f"{queue} {sum(1 for m in expected if expected[m] == queue and m in seen[queue])}/{sum(1 for m in expected if expected[m] == queue)}"
                          for queue in sorted(set(expected.values())))
    print(f"chaos-broker: poison {'PASS' if not failures else 'FAIL'} — {len(expected) - len(missing)}/{len(expected)} dead-lettered ({per_queue}); "
          f"in unit deliveries: {sum(spy_found.values())} (of {spy_depth} deliveries seen by the spy, {spy_duplicates} of them again "
          f"under the same message id and routing key: duplicates on the wire as published)")
    return 1 if failures else 0


def command_depth(management, _arguments):
    counts = {}
    for queue in WORK_QUEUES:
        for suffix in ("", ".retry"):
            counts[queue + suffix] = (management.queue(queue + suffix) or {}).get("messages", 0) or 0
    total = sum(counts.values())
    print(total if total == 0 else f"{total} (" + ", ".join(f"{q} {n}" for q, n in counts.items() if n) + ")")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["spy", "poison", "verify", "depth"])
    parser.add_argument("--management", required=True, help="RabbitMQ management URL, e.g. http://127.0.0.1:15742/")
    parser.add_argument("--run", default="", help="this chaos run's id (poison markers)")
    parser.add_argument("--timeout", type=float, default=60, help="verify: seconds to wait for the dead-letter queues")
    arguments = parser.parse_args()
    if arguments.command in ("poison", "verify") and not arguments.run:
        parser.error("--run is required")
    management = Management(arguments.management)
    try:
        return {"spy": command_spy, "poison": command_poison, "verify": command_verify, "depth": command_depth}[arguments.command](management, arguments)
    except (urllib.error.URLError, OSError, ValueError) as error:
        print(f"chaos-broker: {arguments.command} failed: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
