#!/usr/bin/env python3
"""Security pass over the live HTTP APIs of intake and council-audit, and a canary hunt in their logs.

Talks HTTP with the Python standard library only, as an attacker or a careless client would:

  * every endpoint (the native API of Services/Intake/IntakeService/OpenAPI/openapi.yaml, the Open311
    routes of IntakeAPI+Open311.swift, the committee's routes of CouncilAPI.swift) without a key, with a
    wrong key, with another channel's key, with another unit's key (a parks key posting a status for a
    report routed to traffic, a unit's key reading the committee's API), with oversize and malformed
    bodies (JSON, form, XML-suffixed), wrong content types, path ids that do not exist or belong to
    others, and SQL/script-injection-shaped values → the expected 4xx with a machine-readable body
    (never a 5xx, never an HTML page), and no answer contains another party's personal data (the
    victim reports' name, phone or e-mail anywhere; their description in no error and no tracking view);
  * canary: reports carrying a unique name, phone number and e-mail (native, Open311, Persian digits,
    and the phone and e-mail typed into a description) flow through the pipeline (routed, in the audit
    log); then every file under the given log folders must be free of them (the phone in any spelling:
    +98…, 0…, Persian digits, with spaces or dashes). The scan fails the pass when it finds one. With
    --webhook-port (the notifier subscribed to it for report.*), every webhook body received must be free
    of them too; with --management, the unit's delivery of a victim who refused contact is read back from
    its queue (requeued) and must be free of them;
  * reopening: the public tracking code alone, or a wrong secret, reopens nothing (403); the secret from
    the 201 is what the reporter holds.

    DATABASE_URL=… python3 infra/local/security-pass.py --intake http://127.0.0.1:8137 \\
        --council http://127.0.0.1:8138 --api-key "$OPEN137_API_KEY" --council-key "$OPEN137_COUNCIL_KEY" \\
        --open137 .build/release/open137 --logs .local/run/logs [--logs MORE …]
    python3 infra/local/security-pass.py --self-test    # proves the canary scan catches a planted canary

Keys for single channels and units are made with `open137 keys create` (needs DATABASE_URL). Exits 0 when
every check passes, 1 otherwise (each failure printed), 2 for usage errors; the last line is a summary.
"""

import argparse
import base64
import http.server
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET

from checks import Checks  # infra/local/checks.py: the script's folder is on sys.path

PERSIAN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
ERROR_TYPES = ("application/json", "text/xml", "application/xml")


class Canary:
    """A unique name, phone and e-mail for this run, and the patterns that find them in any spelling."""

    def __init__(self, token=None):
        self.token = token or "".join(random.choice("bcdfghjkmnpqrstvwxz") for _ in range(10))
        self.name = f"Kanari {self.token.capitalize()}"
        self.email = f"kanari.{self.token}@example.org"
        # An Iranian mobile number no one has: 0912 and seven random digits (stored as +98912…).
        self.national = "912" + "".join(random.choice("0123456789") for _ in range(7))
        self.phone = "0" + self.national
        self.phone_persian = self.phone.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
        # The ten national digits, each optionally followed by a space, dash, dot or parenthesis.
        self.phone_pattern = re.compile(r"[\s\-.()]?".join(self.national))

    def found_in(self, text):
        """The kinds of canary in text (after mapping Persian and Arabic digits to Latin ones)."""
        text = text.translate(PERSIAN_DIGITS)
        lowered = text.lower()
        kinds = []
        if self.token in lowered:
            kinds.append("name-or-email")
        if self.phone_pattern.search(text):
            kinds.append("phone")
        return kinds


def scan_logs(folders, canary):
    """(files scanned, bytes scanned, [(path, line number, kinds)]) over every file under folders."""
    files = size = 0
    hits = []
    for folder in folders:
        if os.path.isfile(folder):
            paths = [folder]
        else:
            paths = [os.path.join(root, name) for root, _, names in os.walk(folder) for name in names]
        for path in sorted(paths):
            try:
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError:
                continue
            files += 1
            size += len(data)
            for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
                kinds = canary.found_in(line)
                if kinds:
                    hits.append((path, number, kinds))
    return files, size, hits


class Client:
    """Minimal HTTP client: (status, content type, body bytes), never raises on 4xx/5xx."""

    def __init__(self, base):
        self.base = base.rstrip("/")

    def request(self, method, path, body=None, headers=None, key=None):
        headers = dict(headers or {})
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        for attempt in range(3):
            try:
                with urllib.request.urlopen(request, timeout=15) as response:
                    return response.status, response.headers.get("Content-Type", ""), response.read()
            except urllib.error.HTTPError as error:
                return error.code, error.headers.get("Content-Type", ""), error.read()
            except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
                # A server that closes the connection on an oversize body is an answer too (not a 5xx),
                # but a refused connection means the server is gone.
                if attempt == 2:
                    return 0, "", str(error).encode()
                time.sleep(0.5)
        return 0, "", b""


class WebhookReceiver:
    """A webhook subscriber on 127.0.0.1:port, recording every body it is sent (answers 204)."""

    def __init__(self, port):
        received = self._received = []
        lock = self._lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    received.append(body)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def bodies(self):
        with self._lock:
            return list(self._received)

    def subjects(self):
        found = set()
        for body in self.bodies():
            try:
                found.add(json.loads(body).get("subject"))
            except ValueError:
                pass
        return found


class Pass:
    """The checks over the live APIs."""

    def __init__(self, arguments, canary):
        self.intake = Client(arguments.intake)
        self.council = Client(arguments.council)
        self.api_key = arguments.api_key
        self.council_key = arguments.council_key
        self.open137 = arguments.open137
        self.wait = arguments.wait
        self.canary = canary
        self.checks = Checks()
        self.keys = {}
        self.victims = []          # (report id, tracking code, description)
        self.secrets = {}          # tracking code → the reporter's reopen secret from the 201
        self.refused_contact = None  # the report id of the victim who said contact_allowed: false
        self.webhooks = WebhookReceiver(arguments.webhook_port) if arguments.webhook_port else None
        self.management = arguments.management
        self.marker = uuid.uuid4().hex[:12]   # in descriptions: not the canary (a description is no contact)

    # -- helpers ---------------------------------------------------------------------------------------

    def make_keys(self):
        for channel in ("web", "sms", "open311", "unit:parks", "unit:traffic", "council"):
            result = subprocess.run([self.open137, "keys", "create", "--channel", channel],
                                    capture_output=True, text=True, timeout=60)
            key = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
            if result.returncode != 0 or not key:
                raise SystemExit(f"security-pass: open137 keys create --channel {channel} failed ({result.returncode}): {result.stderr[-500:]}")
            self.keys[channel] = key

    def leaks(self, body, *, description_too):
        """What of the victims' data the body shows."""
        text = body.decode("utf-8", errors="replace")
        found = [f"canary {kind}" for kind in self.canary.found_in(text)]
        if description_too:
            for _, _, description in self.victims:
                if description and description in text:
                    found.append("a victim's description")
        return found

    def answer(self, what, response, statuses, *, kind="json", description_too=True):
        """The response has one of statuses, a machine-readable body for a 4xx, and leaks nothing."""
        status, content_type, body = response
        statuses = (statuses,) if isinstance(statuses, int) else tuple(statuses)
        self.checks.expect(status in statuses, f"{what}: status {status}, expected {'/'.join(map(str, statuses))}: {body[:160]!r}")
        self.checks.expect(status < 500 and status != 0, f"{what}: never a 5xx or a dropped connection (got {status})")
        leaked = self.leaks(body, description_too=description_too or status >= 400)
        self.checks.expect(not leaked, f"{what}: the answer shows {', '.join(leaked)}")
        if 400 <= status < 500 and status != 0:
            self.checks.expect(content_type.startswith(ERROR_TYPES), f"{what}: error content type {content_type!r} is not JSON/XML")
            self.checks.expect(self.machine_readable(kind, body), f"{what}: error body is not machine-readable: {body[:160]!r}")
        return response

    @staticmethod
    def machine_readable(kind, body):
        try:
            if kind == "xml":
                root = ET.fromstring(body)
                return root.tag == "errors" and len(root) > 0 and all(e.findtext("code") for e in root)
            value = json.loads(body)
            if kind == "open311":
                return isinstance(value, list) and value and all({"code", "description"} <= set(e) for e in value)
            return isinstance(value, dict) and isinstance(value.get("error"), dict) and value["error"].get("code")
        except (ValueError, ET.ParseError, TypeError, AttributeError):
            return False

    def post_json(self, path, value, key=None, headers=None, raw=None):
        body = raw if raw is not None else json.dumps(value, ensure_ascii=False).encode()
        headers = dict({"Content-Type": "application/json"}, **(headers or {}))
        return self.intake.request("POST", path, body=body, headers=headers, key=key)

    def post_form(self, path, form, content_type="application/x-www-form-urlencoded; charset=utf-8", raw=None):
        body = raw if raw is not None else urllib.parse.urlencode(form).encode()
        return self.intake.request("POST", path, body=body, headers={"Content-Type": content_type})

    @staticmethod
    def damm(digits):
        table = [[0, 3, 1, 7, 5, 9, 8, 6, 4, 2], [7, 0, 9, 2, 1, 5, 4, 8, 6, 3], [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
                 [1, 7, 5, 0, 9, 8, 3, 4, 2, 6], [6, 1, 2, 3, 0, 4, 5, 9, 7, 8], [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
                 [5, 8, 6, 9, 7, 2, 0, 1, 3, 4], [8, 9, 4, 5, 3, 6, 2, 0, 1, 7], [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
                 [2, 5, 8, 1, 4, 3, 6, 7, 9, 0]]
        interim = 0
        for digit in digits:
            interim = table[interim][int(digit)]
        return str(interim)

    def unknown_tracking_code(self):
        stem = "9" + "".join(random.choice("0123456789") for _ in range(8))
        return stem + self.damm(stem)

    # -- the victims (canary reports) ------------------------------------------------------------------

    def report(self, service_code, description, reporter, attributes=None, channel="web", key=None, contact_allowed=True):
        body = {"channel": channel, "description": description, "service_code": service_code,
                "location": {"lat": 35.70, "long": 51.40}, "reporter": reporter, "contact_allowed": contact_allowed}
        if attributes:
            body["attributes"] = attributes
        return self.post_json("/api/v1/reports", body, key=key or self.keys["web"],
                              headers={"Idempotency-Key": f"security-{uuid.uuid4()}"})

    def submit_victims(self):
        c = self.canary
        submissions = [
            ("native, routed to traffic", "CFC-SCHOOL",
             f"Security pass {self.marker} A: the crossing in front of the primary school has no crossing guard and children run across",
             {"name": c.name, "phone": c.phone, "email": c.email, "language": "en", "type": "parent"}, "web", None),
            ("native, Persian digits", "CFC-PLAY",
             f"بررسی امنیتی {self.marker} ب: سرسره پارک محله شکسته است و بچه ها زخمی می شوند",
             {"name": c.name, "phone": c.phone_persian, "language": "fa", "type": "child"}, "137-phone", self.api_key),
            ("native, contact in the description", "CFC-PLAY",
             f"Security pass {self.marker} C: the swing chain is broken; call me on {c.phone} or write to {c.email}",
             {"type": "parent", "language": "en"}, "web", None),
            ("native, contact given but refused to the unit", "CFC-SCHOOL",
             f"Security pass {self.marker} E: the zebra crossing at the primary school gate has faded away",
             {"name": c.name, "phone": c.phone, "email": c.email, "language": "en", "type": "parent"}, "web", None),
        ]
        for what, code, description, reporter, channel, key in submissions:
            attributes = {"equipment": "slide"} if code == "CFC-PLAY" else None
            refuses = " E:" in description
            status, _, body = self.answer(f"canary report ({what})", self.report(code, description, reporter, attributes, channel, key,
                                                                                 contact_allowed=not refuses), 201,
                                          description_too=False)
            if status == 201:
                receipt = json.loads(body)
                self.victims.append((receipt["report_id"], receipt["tracking_code"], description))
                secret = receipt.get("reopen_secret", "")
                self.checks.expect(re.fullmatch(r"[0-9]{8}", secret or "") is not None, f"canary report ({what}): the 201 gives an 8-digit reopen secret")
                self.secrets[receipt["tracking_code"]] = secret
                if refuses:
                    self.refused_contact = receipt["report_id"]
        form = {"api_key": self.keys["open311"], "service_code": "CFC-PLAY", "lat": "35.7", "long": "51.4",
                "description": f"Security pass {self.marker} D: the seesaw in the park is broken", "attribute[equipment]": "seesaw",
                "first_name": c.name.split()[0], "last_name": c.name.split()[1], "email": c.email, "phone": c.phone}
        status, _, body = self.answer("canary report (Open311)", self.post_form("/open311/v2/requests.json", form), 200,
                                      kind="open311", description_too=False)
        if status == 200:
            code = json.loads(body)[0]["service_request_id"]
            self.victims.append((None, code, form["description"]))

    def wait_for_pipeline(self):
        """Until the first victim is routed (tracking shows its unit) and in the council's audit log."""
        report_id, code, _ = self.victims[0]
        deadline = time.time() + self.wait
        unit = None
        while time.time() < deadline:
            status, _, body = self.intake.request("GET", f"/api/v1/track/{code}")
            if status == 200:
                tracking = json.loads(body)
                unit = tracking.get("unit") or (tracking.get("assignment") or {}).get("unit")
                if unit:
                    break
            time.sleep(1)
        self.checks.expect(unit is not None, f"the canary report was not routed within {self.wait} s (tracking shows no unit)")
        routed_to = unit.get("code") if isinstance(unit, dict) else unit
        while time.time() < deadline:
            status, _, body = self.council.request("GET", f"/api/v1/council/reports/{report_id}/timeline", key=self.council_key)
            if status == 200 and b"report.routed" in body:
                break
            time.sleep(1)
        self.checks.expect(status == 200 and b"report.routed" in body, f"the canary report's routing is not in the audit log within {self.wait} s")
        # Every victim through the pipeline too (the Open311 one and the Persian one reach the same stages).
        for _, code, _ in self.victims[1:]:
            while time.time() < deadline:
                status, _, body = self.intake.request("GET", f"/api/v1/track/{code}")
                if status == 200 and json.loads(body).get("unit"):
                    break
                time.sleep(1)
        return routed_to

    # -- the matrix ------------------------------------------------------------------------------------

    def native_submit(self):
        path = "/api/v1/reports"
        good = {"channel": "web", "description": "The street light in our alley has been out for a week",
                "service_code": "CFC-OTHER", "location": {"lat": 35.70, "long": 51.40}}
        self.answer("submit without a key", self.post_json(path, good), (401, 403))
        self.answer("submit with a wrong key", self.post_json(path, good, key="not-a-key-" + uuid.uuid4().hex), (401, 403))
        self.answer("submit with an over-long key", self.post_json(path, good, key="k" * 5000), (400, 401, 403, 431))
        self.answer("submit with a non-Bearer Authorization", self.post_json(path, good, headers={"Authorization": f"Basic {self.api_key}"}), (401, 403))
        self.answer("submit for web with the sms channel's key", self.post_json(path, good, key=self.keys["sms"]), 403)
        self.answer("submit with a unit's key", self.post_json(path, good, key=self.keys["unit:parks"]), 403)
        self.answer("submit with the council's status key", self.post_json(path, good, key=self.keys["council"]), 403)
        self.answer("submit with the committee's key", self.post_json(path, good, key=self.council_key), (401, 403))
        web = self.keys["web"]
        self.answer("submit an oversize body", self.post_json(path, None, key=web, raw=b'{"description": "' + b"a" * 300_000 + b'"}'), 413)
        self.answer("submit malformed JSON", self.post_json(path, None, key=web, raw=b'{"channel": "web", "description": '), 400)
        self.answer("submit a JSON array", self.post_json(path, None, key=web, raw=b'[1, 2, 3]'), 400)
        self.answer("submit invalid UTF-8", self.post_json(path, None, key=web, raw=b'{"channel": "web", "description": "\xff\xfe"}'), 400)
        self.answer("submit deeply nested JSON", self.post_json(path, None, key=web, raw=b"[" * 20_000 + b"]" * 20_000), 400)
        self.answer("submit XML", self.intake.request("POST", path, body=b"<report><channel>web</channel></report>",
                                                      headers={"Content-Type": "application/xml"}, key=web), 415)
        self.answer("submit a form", self.intake.request("POST", path, body=b"channel=web&description=x",
                                                         headers={"Content-Type": "application/x-www-form-urlencoded"}, key=web), 415)
        self.answer("submit text/plain", self.intake.request("POST", path, body=json.dumps(good).encode(),
                                                             headers={"Content-Type": "text/plain"}, key=web), 415)
        self.answer("submit with wrong types", self.post_json(path, dict(good, description=42, location="here"), key=web), 400)
        self.answer("submit an operator-shaped channel", self.post_json(path, dict(good, channel={"$ne": None}), key=web), 400)
        self.answer("submit a script in the description", self.post_json(path, dict(good, description="<script>alert(document.cookie)</script> the light is out"), key=web), 400)
        self.answer("submit a script in the reporter's name", self.post_json(path, dict(good, reporter={"name": "<img src=x onerror=alert(1)>"}), key=web), 400)
        self.answer("submit SQL in the service code", self.post_json(path, dict(good, service_code="CFC-PLAY' OR '1'='1"), key=web), 400)
        self.answer("submit SQL in the phone", self.post_json(path, dict(good, reporter={"phone": "0912'; DROP TABLE reports; --"}), key=web), 400)
        self.answer("submit an unknown field", self.post_json(path, dict(good, report_id=str(uuid.uuid4())), key=web), 400)
        status, _, body = self.answer("submit SQL-shaped text as a description (plain text: accepted)",
                                      self.post_json(path, dict(good, description="'); DROP TABLE intake.reports; -- the lamp is out"), key=web), 201)
        if status == 201:
            code = json.loads(body)["tracking_code"]
            self.answer("the SQL-shaped report tracks (the table is still there)", self.intake.request("GET", f"/api/v1/track/{code}"), 200)
        victim_key = f"security-replay-{uuid.uuid4()}"
        self.post_json(path, good, key=web, headers={"Idempotency-Key": victim_key})
        self.answer("another body under the same Idempotency-Key", self.post_json(path, dict(good, description="Another text entirely for the same key"),
                                                                                   key=web, headers={"Idempotency-Key": victim_key}), 409)

    def tracking(self):
        for _, code, _ in self.victims:
            self.answer(f"tracking {code} (public: no personal data, no description)", self.intake.request("GET", f"/api/v1/track/{code}"), 200)
        self.answer("tracking an unknown code", self.intake.request("GET", f"/api/v1/track/{self.unknown_tracking_code()}"), 404)
        if self.victims:
            code = self.victims[0][1]
            mistyped = code[:-1] + str((int(code[-1]) + 1) % 10)
            self.answer("tracking a mistyped code", self.intake.request("GET", f"/api/v1/track/{mistyped}"), (400, 404))
        for value in ("' OR '1'='1", "1; DROP TABLE reports", "<script>alert(1)</script>", "../../etc/passwd", "%00", "9" * 400):
            self.answer(f"tracking {value[:24]!r}", self.intake.request("GET", "/api/v1/track/" + urllib.parse.quote(value, safe="")), (400, 404))
            self.answer(f"reopening {value[:24]!r}", self.post_json("/api/v1/track/" + urllib.parse.quote(value, safe="") + "/reopen", {}), (400, 404))

    def status_updates(self, traffic_report):
        path = lambda report: f"/api/v1/reports/{report}/status"
        update = {"status": "acknowledged", "note": "seen"}
        report = traffic_report or str(uuid.uuid4())
        self.answer("status without a key", self.post_json(path(report), update), (401, 403))
        self.answer("status with a wrong key", self.post_json(path(report), update, key="not-a-key"), (401, 403))
        self.answer("status with a channel's key", self.post_json(path(report), update, key=self.keys["web"]), 403)
        self.answer("status with the committee's key", self.post_json(path(report), update, key=self.council_key), (401, 403))
        if traffic_report:
            self.answer("a parks key posting a status for a report routed to traffic",
                        self.post_json(path(report), update, key=self.keys["unit:parks"]), 403)
            self.answer("a parks key posting as traffic", self.post_json(path(report), dict(update, unit="traffic"), key=self.keys["unit:parks"]), 403)
            self.answer("a unit reopening (only the council may)", self.post_json(path(report), {"status": "reopened"}, key=self.keys["unit:traffic"]), 403)
            self.answer("the council's key speaking as a unit", self.post_json(path(report), dict(update, unit="traffic"), key=self.keys["council"]), 403)
            # The positive control: the right unit is let through (so the 403s above are about the unit).
            self.answer("traffic posting a status for its own report", self.post_json(path(report), update, key=self.keys["unit:traffic"]), 202)
        traffic = self.keys["unit:traffic"]
        self.answer("status for a report that does not exist", self.post_json(path(uuid.uuid4()), update, key=traffic), (403, 404))
        for value in ("1 OR 1=1", "'; DROP TABLE reports; --", "<script>", "..%2F..%2Fopenapi.yaml", "00000000-0000-0000-0000-00000000000g"):
            self.answer(f"status for report id {value!r}", self.post_json(path(urllib.parse.quote(value, safe="%")), update, key=traffic), (400, 404))
        self.answer("status: oversize body", self.post_json(path(report), None, key=traffic, raw=b'{"note": "' + b"n" * 300_000 + b'"}'), 413)
        self.answer("status: malformed JSON", self.post_json(path(report), None, key=traffic, raw=b'{"status": '), 400)
        self.answer("status: wrong content type", self.intake.request("POST", path(report), body=b"status=resolved",
                                                                       headers={"Content-Type": "application/x-www-form-urlencoded"}, key=traffic), 415)
        self.answer("status: unknown status", self.post_json(path(report), {"status": "deleted"}, key=traffic), 400)
        self.answer("status: script in the note", self.post_json(path(report), dict(update, note="<script>alert(1)</script>"), key=traffic), 400)
        self.answer("status: rejection without its reason", self.post_json(path(report), {"status": "rejected"}, key=traffic), 400)
        self.answer("status: another report id in the body", self.post_json(path(report), dict(update, report_id=str(uuid.uuid4())), key=traffic), 400)
        if self.victims:
            code = self.victims[0][1]
            self.answer("reopen with the public tracking code alone", self.post_json(f"/api/v1/track/{code}/reopen", {}), 403)
            self.answer("reopen with another report's secret", self.post_json(
                f"/api/v1/track/{code}/reopen", {"secret": self.secrets.get(self.victims[1][1], "00000000") if len(self.victims) > 1 else "00000000"}), 403)
            self.answer("reopen: not resolved (the reporter's own secret)", self.post_json(
                f"/api/v1/track/{code}/reopen", {"secret": self.secrets.get(code, "")}), 409)
        self.answer("reopen: unknown code", self.post_json(f"/api/v1/track/{self.unknown_tracking_code()}/reopen", {"secret": "12345678"}), 404)
        self.answer("reopen: malformed JSON", self.post_json(f"/api/v1/track/{self.unknown_tracking_code()}/reopen", None, raw=b"{nope"), (400, 404))
        self.answer("reopen: oversize", self.post_json(f"/api/v1/track/{self.unknown_tracking_code()}/reopen", None, raw=b'{"note": "' + b"n" * 300_000 + b'"}'), 413)
        self.answer("reopen: unknown field", self.post_json(f"/api/v1/track/{self.unknown_tracking_code()}/reopen", {"status": "resolved"}), (400, 404))

    def open311(self):
        form = {"service_code": "CFC-PLAY", "lat": "35.7", "long": "51.4", "description": "The slide is broken in the park near us",
                "attribute[equipment]": "slide"}
        for suffix, kind in (("json", "open311"), ("xml", "xml")):
            path = f"/open311/v2/requests.{suffix}"
            self.answer(f"Open311 POST ({suffix}) without api_key", self.post_form(path, form), 403, kind=kind)
            self.answer(f"Open311 POST ({suffix}) with a wrong api_key", self.post_form(path, dict(form, api_key="nope")), 403, kind=kind)
            self.answer(f"Open311 POST ({suffix}) with the sms channel's key", self.post_form(path, dict(form, api_key=self.keys["sms"])), 403, kind=kind)
            self.answer(f"Open311 POST ({suffix}) with a unit's key", self.post_form(path, dict(form, api_key=self.keys["unit:parks"])), 403, kind=kind)
            key = self.keys["open311"]
            self.answer(f"Open311 POST ({suffix}) oversize", self.post_form(path, None, raw=b"description=" + b"x" * 300_000), 413, kind=kind)
            self.answer(f"Open311 POST ({suffix}) malformed form", self.post_form(path, None, raw=b"api_key=" + key.encode() + b"&lat=%ZZ&=x"), 400, kind=kind)
            self.answer(f"Open311 POST ({suffix}) JSON body", self.post_form(path, None, content_type="application/json",
                                                                               raw=json.dumps(dict(form, api_key=key)).encode()), (400, 415), kind=kind)
            self.answer(f"Open311 POST ({suffix}) XML body", self.post_form(path, None, content_type="text/xml",
                                                                              raw=b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><request>&e;</request>'),
                        (400, 415), kind=kind)
            self.answer(f"Open311 POST ({suffix}) duplicated api_key", self.post_form(path, None, raw=urllib.parse.urlencode(
                [("api_key", key), ("api_key", "other")] + list(form.items())).encode()), (400, 403), kind=kind)
            self.answer(f"Open311 POST ({suffix}) SQL in service_code", self.post_form(path, dict(form, api_key=key, service_code="' OR 1=1 --")), (400, 404), kind=kind)
            self.answer(f"Open311 POST ({suffix}) script in the description", self.post_form(path, dict(form, api_key=key, description="<script>alert(1)</script>")), 400, kind=kind)
            self.answer(f"Open311 POST ({suffix}) wrong types", self.post_form(path, dict(form, api_key=key, lat="north", long="[]")), 400, kind=kind)
            self.answer(f"Open311 GET requests/{{unknown}}.{suffix}", self.intake.request("GET", f"/open311/v2/requests/{self.unknown_tracking_code()}.{suffix}"), 404, kind=kind)
            self.answer(f"Open311 GET tokens/{{unknown}}.{suffix}", self.intake.request("GET", f"/open311/v2/tokens/{uuid.uuid4()}.{suffix}"), 404, kind=kind)
            self.answer(f"Open311 GET services/{{unknown}}.{suffix}", self.intake.request("GET", f"/open311/v2/services/NOPE.{suffix}"), 404, kind=kind)
            self.answer(f"Open311 GET services.{suffix}", self.intake.request("GET", f"/open311/v2/services.{suffix}"), 200, kind=kind)
            self.answer(f"Open311 discovery.{suffix}", self.intake.request("GET", f"/open311/discovery.{suffix}"), 200, kind=kind)
            for name, value in (("service_request_id", "' OR '1'='1"), ("service_code", "CFC-PLAY' OR 1=1 --"), ("status", "open' OR 'x'='x"),
                                ("start_date", "2024-01-01'; DROP TABLE reports; --"), ("page_size", "-1"), ("page", "99999999999999999999"),
                                ("service_request_id", "<script>alert(1)</script>"), ("jurisdiction_id", "' OR 1=1")):
                query = urllib.parse.urlencode({name: value})
                status, _, body = self.answer(f"Open311 GET requests.{suffix}?{name}={value[:20]!r}",
                                              self.intake.request("GET", f"/open311/v2/requests.{suffix}?{query}"), (200, 400, 404), kind=kind,
                                              description_too=False)
                if status == 200 and suffix == "json":
                    self.checks.expect(json.loads(body) == [], f"Open311 GET requests.json?{name}=… (injection-shaped) returns nothing, not everything")
        # The public list and each victim read back: descriptions are public, contact never (and typed-in contact masked).
        status, _, body = self.answer("Open311 GET requests.json (public list)", self.intake.request("GET", "/open311/v2/requests.json?extensions=true&page_size=1000"),
                                      200, kind="open311", description_too=False)
        for _, code, _ in self.victims:
            for suffix, kind in (("json", "open311"), ("xml", "xml")):
                self.answer(f"Open311 GET requests/{code}.{suffix} (no contact)", self.intake.request("GET", f"/open311/v2/requests/{code}.{suffix}"), 200,
                            kind=kind, description_too=False)
        self.answer("Open311 wrong method", self.intake.request("DELETE", "/open311/v2/requests.json"), (404, 405), kind="open311")

    def council_api(self):
        paths = ["/api/v1/council/reports", "/api/v1/council/reports.csv", "/api/v1/council/summary", "/api/v1/council/summary.csv"]
        if self.victims and self.victims[0][0]:
            paths += [f"/api/v1/council/reports/{self.victims[0][0]}/timeline", f"/api/v1/council/reports/{self.victims[0][0]}/timeline.csv"]
        for path in paths:
            self.answer(f"council {path} without a key", self.council.request("GET", path), 401, description_too=True)
            self.answer(f"council {path} with a wrong key", self.council.request("GET", path, key="not-the-key"), 403)
            self.answer(f"council {path} with intake's development key", self.council.request("GET", path, key=self.api_key), 403)
            self.answer(f"council {path} with a unit's key", self.council.request("GET", path, key=self.keys["unit:parks"]), 403)
            self.answer(f"council {path} with the council's status key (intake's, not the committee's)", self.council.request("GET", path, key=self.keys["council"]), 403)
            self.answer(f"council {path} with the committee's key (no contact data)", self.council.request("GET", path, key=self.council_key), 200, description_too=False)
        key = self.council_key
        self.answer("council timeline of an unknown report", self.council.request("GET", f"/api/v1/council/reports/{uuid.uuid4()}/timeline", key=key), 404)
        self.answer("council timeline of an unknown tracking code", self.council.request("GET", f"/api/v1/council/reports/{self.unknown_tracking_code()}/timeline", key=key), 404)
        for value in ("' OR '1'='1", "<script>alert(1)</script>", "1; DROP TABLE council_audit.entries"):
            self.answer(f"council timeline {value[:20]!r}", self.council.request("GET", f"/api/v1/council/reports/{urllib.parse.quote(value, safe='')}/timeline", key=key), (400, 404))
            status, _, body = self.answer(f"council reports?unit={value[:20]!r}", self.council.request("GET", "/api/v1/council/reports?" + urllib.parse.urlencode({"unit": value}), key=key),
                                          (200, 400), description_too=False)
            if status == 200:
                page = json.loads(body)
                self.checks.expect(not page.get("reports") and not page.get("items"), f"council reports?unit=… (injection-shaped) returns no reports")
        for name, value in (("from", "yesterday"), ("limit", "-5"), ("district", "' OR 1=1"), ("child_friendly", "maybe"), ("nope", "1")):
            self.answer(f"council reports?{name}={value!r}", self.council.request("GET", "/api/v1/council/reports?" + urllib.parse.urlencode({name: value}), key=key),
                        (200, 400), description_too=False)
        self.answer("council unknown route", self.council.request("GET", "/api/v1/council/secrets", key=key), 404)
        self.answer("council wrong method", self.council.request("POST", "/api/v1/council/reports", body=b"{}", key=key), (404, 405))
        self.answer("council oversize request", self.council.request("POST", "/api/v1/council/reports", body=b"x" * 300_000, key=key), (404, 405, 413))

    def outward_copies(self):
        """Webhook bodies and the unit's delivery of the victim who refused contact carry no canary."""
        if self.webhooks:
            deadline = time.time() + self.wait
            wanted = {report_id for report_id, _, _ in self.victims if report_id}
            while time.time() < deadline and not wanted <= self.webhooks.subjects():
                time.sleep(1)
            self.checks.expect(wanted <= self.webhooks.subjects(), f"webhooks for every canary report within {self.wait} s "
                                                                   f"(got {len(self.webhooks.subjects() & wanted)} of {len(wanted)})")
            bodies = self.webhooks.bodies()
            leaked = sum(1 for body in bodies if self.canary.found_in(body.decode("utf-8", errors="replace")))
            self.checks.expect(bodies and leaked == 0, f"webhook bodies: {leaked} of {len(bodies)} carry the canary")
            self.checks.expect(not any(b'"contact"' in body for body in bodies), "webhook bodies carry no contact member")
        if self.management and self.refused_contact:
            delivery = self.unit_delivery("traffic", self.refused_contact)
            self.checks.expect(delivery is not None, "the delivery of the report that refused contact is in unit.traffic")
            if delivery is not None:
                found = self.canary.found_in(delivery)
                self.checks.expect(not found, f"the unit's delivery of a report that refused contact shows {', '.join(found)}")

    def unit_delivery(self, unit, report_id):
        """The body of the unit's delivery of report_id, read from its queue and requeued (management API)."""
        url = urllib.parse.urlsplit(self.management)
        base = f"{url.scheme}://{url.hostname}:{url.port}"
        token = base64.b64encode(f"{url.username or 'guest'}:{url.password or 'guest'}".encode()).decode()
        request = urllib.request.Request(f"{base}/api/queues/%2F/unit.{unit}/get", method="POST",
                                         data=json.dumps({"count": 1000, "ackmode": "ack_requeue_true", "encoding": "auto"}).encode(),
                                         headers={"Content-Type": "application/json", "Authorization": f"Basic {token}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                messages = json.loads(response.read())
        except (urllib.error.URLError, ValueError) as error:
            self.checks.expect(False, f"reading unit.{unit} through the management API: {error}")
            return None
        for message in messages:
            if report_id in message.get("payload", ""):
                return message["payload"]
        return None

    def other_routes(self):
        self.answer("intake unknown route", self.intake.request("GET", "/admin"), 404)
        self.answer("intake wrong method", self.intake.request("DELETE", "/api/v1/reports"), (404, 405))
        self.answer("intake path traversal", self.intake.request("GET", "/api/v1/track/..%2F..%2F..%2Fetc%2Fpasswd"), (400, 404))
        self.answer("intake OpenAPI document", self.intake.request("GET", "/openapi.yaml"), 200)

    def run(self):
        self.make_keys()
        self.submit_victims()
        routed_to = self.wait_for_pipeline() if self.victims else None
        self.checks.expect(routed_to == "traffic", f"the school report was routed to traffic (got {routed_to}); the parks-vs-traffic checks need it")
        self.native_submit()
        self.tracking()
        self.status_updates(self.victims[0][0] if self.victims and routed_to == "traffic" else None)
        self.open311()
        self.council_api()
        self.other_routes()
        self.outward_copies()
        self.answer("intake still answers after the pass", self.intake.request("GET", "/openapi.yaml"), 200)
        return self.checks


def self_test():
    """Plants the canary (in the spellings a log could use) in a temporary log folder: the scan must find
    every planted line and nothing in a clean file — otherwise a passing scan would prove nothing."""
    canary = Canary()
    with tempfile.TemporaryDirectory() as folder:
        clean = os.path.join(folder, "clean.log")
        with open(clean, "w", encoding="utf-8") as handle:
            handle.write('{"level":"info","message":"report accepted","report_id":"%s"}\n' % uuid.uuid4())
            handle.write("phone numbers of others: 09120000000 +989121111111\n")
        planted = [
            f"level=info msg=\"sending sms\" to=+98{canary.national}",
            f"reporter={canary.phone[:4]} {canary.phone[4:7]} {canary.phone[7:]}",
            f"tel: {canary.phone_persian}",
            f'{{"name": "{canary.name}"}}',
            f"mail from {canary.email.upper()}",
        ]
        os.makedirs(os.path.join(folder, "nested"))
        dirty = os.path.join(folder, "nested", "service.log")
        with open(dirty, "w", encoding="utf-8") as handle:
            handle.write("a harmless first line\n" + "\n".join(planted) + "\n")
        files, _, hits = scan_logs([folder], canary)
        lines = sorted(number for path, number, _ in hits if path == dirty)
        problems = []
        if files != 2:
            problems.append(f"scanned {files} files, expected 2")
        if lines != list(range(2, 2 + len(planted))):
            problems.append(f"found the canary on lines {lines} of the planted log, expected {list(range(2, 2 + len(planted)))}")
        if any(path == clean for path, _, _ in hits):
            problems.append("reported the canary in the clean log")
    for problem in problems:
        print(f"FAIL self-test: {problem}", file=sys.stderr)
    print(f"security-pass self-test: {'the canary scan catches a planted canary' if not problems else 'FAILED'} ({len(planted)} planted spellings)")
    return 1 if problems else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--intake", help="intake's base URL, e.g. http://127.0.0.1:8137")
    parser.add_argument("--council", help="council-audit's base URL, e.g. http://127.0.0.1:8138")
    parser.add_argument("--api-key", help="intake's development key (OPEN137_API_KEY)")
    parser.add_argument("--council-key", help="the committee's key (OPEN137_COUNCIL_KEY)")
    parser.add_argument("--logs", action="append", default=[], help="a log folder or file to scan for the canary (repeatable)")
    parser.add_argument("--open137", default="open137", help="the open137 binary (for keys create; needs DATABASE_URL)")
    parser.add_argument("--wait", type=float, default=90, help="seconds the canary reports may take through the pipeline")
    parser.add_argument("--settle", type=float, default=3, help="seconds to let the services write their logs before the scan")
    parser.add_argument("--webhook-port", type=int, help="receive the notifier's webhooks on 127.0.0.1:PORT and search them for the canary")
    parser.add_argument("--management", help="RabbitMQ management URL with credentials, to read a unit's delivery back from its queue")
    parser.add_argument("--self-test", action="store_true", help="only prove that the canary scan catches a planted canary")
    arguments = parser.parse_args()
    if arguments.self_test:
        return self_test()
    missing = [name for name in ("intake", "council", "api_key", "council_key") if not getattr(arguments, name)]
    if not arguments.logs:
        missing.append("logs")
    if not os.environ.get("DATABASE_URL"):
        missing.append("DATABASE_URL (environment, for open137 keys create)")
    if missing:
        parser.error("missing: " + ", ".join("--" + m.replace("_", "-") if m.islower() else m for m in missing))
    for folder in arguments.logs:
        if not os.path.exists(folder):
            parser.error(f"--logs {folder}: no such file or folder")

    canary = Canary()
    started = time.time()
    checks = Pass(arguments, canary).run()
    time.sleep(arguments.settle)
    files, size, hits = scan_logs(arguments.logs, canary)
    for path, number, kinds in hits:
        # The path and line only: printing the line would copy the canary into this run's output.
        print(f"FAIL canary ({', '.join(kinds)}) in {path}:{number}", file=sys.stderr)
    checks.expect(files > 0, "no log file to scan")
    checks.expect(not hits, f"the canary appears {len(hits)} times in the logs")
    verdict = "PASS" if not checks.failures else "FAIL"
    print(f"security-pass: {verdict} — {checks.passed} checks passed, {len(checks.failures)} failed; canary searched in {files} log files "
          f"({size / 1e6:.1f} MB): {len(hits)} hits; {time.time() - started:.0f} s")
    return 0 if not checks.failures else 1


if __name__ == "__main__":
    sys.exit(main())
