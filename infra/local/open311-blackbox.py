#!/usr/bin/env python3
"""Black-box check of intake's Open311 GeoReport v2 endpoint, as an ordinary Open311 client sees it.

Talks HTTP to a live server with the Python standard library only (urllib, json, xml.etree) and
asserts what any GeoReport v2 client relies on: discovery, the service list and a service
definition, a form-encoded POST answered with a service_request_id, that request read back in JSON
and XML (the same fields, no personal data), FixMyStreet's `servicerequestupdates` extension (the feed, a
citizen's update answered with the same update_id when repeated), and the spec's error documents (403, 404, 400).

    python3 infra/local/open311-blackbox.py --base http://127.0.0.1:8137 --key "$OPEN137_API_KEY"

Exits 0 when every check passes, 1 otherwise (each failure is printed).
"""

import argparse
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET

from checks import Checks  # infra/local/checks.py: the script's folder is on sys.path

CANARY = "Canary-Blackbox"


class Client:
    """Minimal HTTP client: returns (status, content type, body bytes), never raises on 4xx/5xx."""

    def __init__(self, base):
        self.base = base.rstrip("/")

    def request(self, method, path, form=None, headers=None):
        data = urllib.parse.urlencode(form, doseq=True).encode() if form is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        if data is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.headers.get("Content-Type", ""), response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Content-Type", ""), error.read()


def xml_to_json_shape(element, lists):
    """The Spark-convention reading of an element: list containers become lists, leaves text or None."""
    if element.tag in lists:
        return [xml_to_json_shape(child, lists) for child in element]
    if len(element) == 0:
        return element.text if element.text else None
    return {child.tag: xml_to_json_shape(child, lists) for child in element}


def same(json_value, xml_value):
    """JSON and XML agree: numbers and booleans compared through their text, null as an empty element."""
    if isinstance(json_value, dict):
        return isinstance(xml_value, dict) and json_value.keys() == xml_value.keys() and all(same(json_value[k], xml_value[k]) for k in json_value)
    if isinstance(json_value, list):
        return isinstance(xml_value, list) and len(json_value) == len(xml_value) and all(same(a, b) for a, b in zip(json_value, xml_value))
    if json_value is None:
        return xml_value is None
    if isinstance(json_value, bool):
        return xml_value == ("true" if json_value else "false")
    if isinstance(json_value, (int, float)):
        try:
            return float(xml_value) == float(json_value)
        except (TypeError, ValueError):
            return False
    return json_value == xml_value


def json_error(checks, response, status, what):
    code, content_type, body = response
    checks.expect(code == status, f"{what}: status {code}, expected {status}")
    checks.expect(content_type.startswith("application/json"), f"{what}: content type {content_type}")
    try:
        errors = json.loads(body)
    except ValueError:
        checks.expect(False, f"{what}: error body is not JSON")
        return
    checks.expect(isinstance(errors, list) and errors and all(set(e) == {"code", "description"} and e["code"] == status for e in errors),
                  f"{what}: not the spec's error document: {errors!r}")


def xml_error(checks, response, status, what):
    code, content_type, body = response
    checks.expect(code == status, f"{what}: status {code}, expected {status}")
    checks.expect(content_type.startswith("text/xml"), f"{what}: content type {content_type}")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as error:
        checks.expect(False, f"{what}: XML does not parse: {error}")
        return
    checks.expect(root.tag == "errors" and len(root) > 0 and all(e.tag == "error" and e.findtext("code") == str(status) for e in root),
                  f"{what}: not the spec's XML error document")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="the server, e.g. http://127.0.0.1:8137")
    parser.add_argument("--key", required=True, help="an API key valid for the open311 channel")
    parser.add_argument("--jurisdiction", default="tehran.ir")
    arguments = parser.parse_args()
    client = Client(arguments.base)
    checks = Checks()
    lists = {"services", "service_requests", "attributes", "values", "endpoints", "formats", "errors"}

    # Discovery.
    status, _, body = client.request("GET", "/open311/discovery.json")
    if checks.expect(status == 200, f"discovery.json: {status}"):
        discovery = json.loads(body)
        endpoints = [e for e in discovery.get("endpoints", []) if e.get("specification") == "http://wiki.open311.org/GeoReport_v2"]
        checks.expect(len(endpoints) == 1 and endpoints[0]["url"].endswith("/open311/v2"), "discovery: one GeoReport v2 endpoint")
        checks.expect(endpoints and set(endpoints[0].get("formats", [])) == {"text/xml", "application/json"}, "discovery: both formats")
        status, _, xml_body = client.request("GET", "/open311/discovery.xml")
        checks.expect(status == 200 and same(discovery, xml_to_json_shape(ET.fromstring(xml_body), lists)), "discovery: XML equals JSON")

    # Services and a definition.
    query = "?jurisdiction_id=" + urllib.parse.quote(arguments.jurisdiction)
    status, content_type, body = client.request("GET", "/open311/v2/services.json" + query)
    services = json.loads(body) if status == 200 else []
    checks.expect(status == 200 and content_type.startswith("application/json"), f"services.json: {status} {content_type}")
    checks.expect(all({"service_code", "service_name", "metadata", "type"} <= set(s) for s in services) and services, "services: required fields")
    checks.expect([s["service_code"] for s in services[:5]] == ["CFC-KG", "CFC-PLAY", "CFC-SCHOOL", "CFC-TRANSPORT", "CFC-OTHER"], "services: child-friendly codes first")
    status, _, xml_body = client.request("GET", "/open311/v2/services.xml" + query)
    checks.expect(status == 200 and same(services, xml_to_json_shape(ET.fromstring(xml_body), lists)), "services: XML equals JSON")
    status, _, body = client.request("GET", "/open311/v2/services.json?locale=en")
    checks.expect(status == 200 and any(s["service_name"] == "Children's playgrounds" for s in json.loads(body)), "services: English names with locale=en")
    status, _, body = client.request("GET", "/open311/v2/services/CFC-PLAY.json" + query)
    definition = json.loads(body) if status == 200 else {}
    checks.expect(definition.get("service_code") == "CFC-PLAY" and any(a.get("code") == "equipment" for a in definition.get("attributes", [])), "service definition: CFC-PLAY")
    status, _, xml_body = client.request("GET", "/open311/v2/services/CFC-PLAY.xml" + query)
    checks.expect(status == 200 and same(definition, xml_to_json_shape(ET.fromstring(xml_body), lists)), "service definition: XML equals JSON")

    # POST a request, in JSON and XML.
    form = {
        "api_key": arguments.key, "jurisdiction_id": arguments.jurisdiction, "service_code": "CFC-PLAY",
        "lat": "35.7", "long": "51.4", "description": "Black-box check: the slide in the park is broken",
        "attribute[equipment]": "slide", "first_name": CANARY, "email": "blackbox@example.org", "phone": "09121234567",
    }
    status, _, body = client.request("POST", "/open311/v2/requests.json", form=form)
    created = json.loads(body) if status == 200 else [{}]
    request_id = created[0].get("service_request_id")
    checks.expect(status == 200 and isinstance(request_id, str) and request_id.isdigit(), f"POST requests.json: {status} {body[:200]!r}")
    status, _, xml_body = client.request("POST", "/open311/v2/requests.xml", form=form)
    xml_created = ET.fromstring(xml_body) if status == 200 else None
    checks.expect(xml_created is not None and xml_created.tag == "service_requests" and (xml_created.findtext("request/service_request_id") or "").isdigit(),
                  f"POST requests.xml: {status}")

    # Read it back.
    if request_id:
        status, _, body = client.request("GET", f"/open311/v2/requests/{request_id}.json" + query)
        read = json.loads(body) if status == 200 else []
        checks.expect(len(read) == 1 and read[0]["service_request_id"] == request_id and read[0]["status"] == "open" and read[0]["service_code"] == "CFC-PLAY",
                      f"GET requests/{{id}}.json: {status}")
        status, _, xml_body = client.request("GET", f"/open311/v2/requests/{request_id}.xml" + query)
        checks.expect(status == 200 and same(read, xml_to_json_shape(ET.fromstring(xml_body), lists)), "GET requests/{id}: XML equals JSON")
        for text in (body, xml_body):
            checks.expect(CANARY.encode() not in text and b"blackbox@example.org" not in text and b"912" not in text, "GET requests/{id}: no personal data")
        status, _, body = client.request("GET", f"/open311/v2/requests.json?service_request_id={request_id}&extensions=true")
        listed = json.loads(body) if status == 200 else []
        checks.expect(len(listed) == 1 and listed[0].get("extended_attributes", {}).get("tracking_code") == request_id, "GET requests.json by id with extensions")

    # FixMyStreet's update extension: the feed in both formats, a citizen's update stored once.
    lists.add("service_request_updates")
    status, _, body = client.request("GET", "/open311/v2/servicerequestupdates.json?jurisdiction_id=" + arguments.jurisdiction)
    feed = json.loads(body) if status == 200 else None
    checks.expect(isinstance(feed, list) and all(set(u) == {"update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"} for u in feed),
                  f"GET servicerequestupdates.json: {status}")
    status, _, xml_body = client.request("GET", "/open311/v2/servicerequestupdates.xml?jurisdiction_id=" + arguments.jurisdiction)
    checks.expect(status == 200 and ET.fromstring(xml_body).tag == "service_request_updates", f"GET servicerequestupdates.xml: {status}")
    for text in (body, xml_body):
        checks.expect(CANARY.encode() not in text and b"blackbox@example.org" not in text, "GET servicerequestupdates: no personal data")
    if request_id:
        update = {
            "api_key": arguments.key, "service_request_id": request_id, "update_id": f"blackbox-{uuid.uuid4()}",
            "updated_datetime": "2026-03-02T09:15:00+03:30", "status": "OPEN", "description": "Black-box check: still broken",
            "first_name": CANARY, "email": "blackbox@example.org",
        }
        status, _, xml_body = client.request("POST", "/open311/v2/servicerequestupdates.xml", form=update)
        posted = ET.fromstring(xml_body) if status == 200 else None
        update_id = posted.findtext("request_update/update_id") if posted is not None else None
        checks.expect(posted is not None and posted.tag == "service_request_updates" and update_id, f"POST servicerequestupdates.xml: {status}")
        status, _, body = client.request("POST", "/open311/v2/servicerequestupdates.json", form=update)
        checks.expect(status == 200 and json.loads(body) == [{"update_id": update_id}], "POST servicerequestupdates repeated: the same update_id")
        json_error(checks, client.request("POST", "/open311/v2/servicerequestupdates.json", form=dict(update, status="SOLVED")), 400, "POST update with a bad status")
        json_error(checks, client.request("POST", "/open311/v2/servicerequestupdates.json", form={k: v for k, v in update.items() if k != "api_key"}), 403, "POST update without api_key")
    xml_error(checks, client.request("GET", "/open311/v2/servicerequestupdates.xml?start_date=2026-02-02T00:00:00Z&end_date=2026-02-01T00:00:00Z"), 400, "updates: end_date before start_date")

    # Errors, in the spec's format.
    json_error(checks, client.request("POST", "/open311/v2/requests.json", form={k: v for k, v in form.items() if k != "api_key"}), 403, "POST without api_key")
    xml_error(checks, client.request("POST", "/open311/v2/requests.xml", form=dict(form, api_key="not-a-key")), 403, "POST with a bad api_key (XML)")
    json_error(checks, client.request("POST", "/open311/v2/requests.json", form=dict(form, service_code="PIZZA")), 404, "POST with an unknown service_code")
    json_error(checks, client.request("POST", "/open311/v2/requests.json", form=dict(form, lat="north")), 400, "POST with a bad lat")
    json_error(checks, client.request("GET", "/open311/v2/services/PIZZA.json"), 404, "unknown service definition")
    xml_error(checks, client.request("GET", "/open311/v2/services/PIZZA.xml"), 404, "unknown service definition (XML)")
    json_error(checks, client.request("GET", "/open311/v2/requests.json?start_date=yesterday"), 400, "bad start_date")
    json_error(checks, client.request("GET", "/open311/v2/requests.json?jurisdiction_id=karaj.ir"), 404, "unknown jurisdiction_id")
    json_error(checks, client.request("GET", "/open311/v2/requests/1.json"), 404, "unknown service_request_id")
    xml_error(checks, client.request("GET", f"/open311/v2/tokens/{uuid.uuid4()}.xml"), 404, "unknown token (XML)")

    print(f"open311-blackbox: {checks.passed} checks passed, {len(checks.failures)} failed against {arguments.base}")
    return 1 if checks.failures else 0


if __name__ == "__main__":
    sys.exit(main())
