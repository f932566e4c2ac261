#!/usr/bin/env python3
"""The OpenAPI contract against a live intake: `make test` runs it (infra/local/test.sh, black-box phase).

1. The served `/openapi.yaml` is the repository's document and validates as OpenAPI 3 (openapi-spec-validator).
2. A few explicit requests: documented-valid requests are accepted and their answers match the schemas;
   a blank address (the validator once let it through) is refused by both the document and the server.
3. schemathesis, generated from the document, against the live intake — bounded by --max-examples per
   operation and --max-time in all: no 5xx, every status code, content type, header and body as documented,
   and requests the document calls valid are accepted (positive_data_acceptance; the rules JSON Schema cannot
   state are applied to positive cases by infra/local/openapi-hooks.py).

Needs openapi-spec-validator and schemathesis (PyPI; test.sh installs them). Loopback only.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DOCUMENT = os.path.join(ROOT, "Services/Intake/IntakeService/OpenAPI/openapi.yaml")
CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_headers_conformance", "response_schema_conformance", "positive_data_acceptance",
])


def fail(message):
    print(f"openapi-check: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def request(method, url, body=None, headers=None):
    """(status, headers, body bytes) of one request; HTTP errors are answers too."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def schema_validator(document, pointer):
    """A JSON Schema 2020-12 validator for `#/<pointer>` of the document (its $refs resolved within it)."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    resource = Resource.from_contents(document, default_specification=__import__("referencing.jsonschema").jsonschema.DRAFT202012)
    registry = Registry().with_resource("urn:openapi", resource)
    return Draft202012Validator({"$ref": f"urn:openapi#/{pointer}"}, registry=registry)


def expect_valid(document, pointer, value, what):
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in schema_validator(document, pointer).iter_errors(value)]
    if errors:
        fail(f"{what} does not validate against #/{pointer}: {errors[:5]}")


def expect_invalid(document, pointer, value, what):
    if schema_validator(document, pointer).is_valid(value):
        fail(f"{what} validates against #/{pointer}, but the server refuses it")


def check_document(base):
    import yaml
    from openapi_spec_validator import validate

    status, _, served = request("GET", f"{base}/openapi.yaml")
    if status != 200:
        fail(f"GET /openapi.yaml answered {status}")
    with open(DOCUMENT, "rb") as file:
        if served != file.read():
            fail("the served /openapi.yaml differs from the repository's")
    document = yaml.safe_load(served)
    try:
        validate(document)
    except Exception as error:  # the validator's own error names the place
        fail(f"/openapi.yaml is not valid OpenAPI 3: {str(error)[:2000]}")
    print(f"openapi-check: /openapi.yaml validates as OpenAPI {document['openapi']}")
    return document


def check_explicit(base, key, document):
    """Documented-valid requests accepted, a blank address refused — by the document and by the server."""
    schemas = "components/schemas"
    report = {
        "channel": "web", "description": "چراغ کوچه خاموش است", "service_code": "LIGHT",
        "attributes": {"pole_number": "P-17"}, "location": {"address": "خیابان ولیعصر، کوچه ۱۲", "district": 6},
        "reporter": {"phone": "۰۹۱۲ ۱۲۳ ۴۵۶۷", "language": "fa", "notify": False}, "contact_allowed": False,
    }
    expect_valid(document, f"{schemas}/ReportSubmission", report, "the sample report")
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    status, _, body = request("POST", f"{base}/api/v1/reports", json.dumps(report).encode(), headers)
    if status != 201:
        fail(f"a schema-valid report was answered {status}: {body[:300]!r}")
    receipt = json.loads(body)
    expect_valid(document, f"{schemas}/Receipt", receipt, "the 201 receipt")
    status, _, body = request("GET", f"{base}/api/v1/track/{receipt['tracking_code']}")
    if status != 200:
        fail(f"tracking a new report answered {status}")
    expect_valid(document, f"{schemas}/Tracking", json.loads(body), "the tracking view")

    for blank in ["", "   ", "\n\t"]:
        bad = dict(report, location={"address": blank, "district": 6})
        expect_invalid(document, f"{schemas}/ReportSubmission", bad, f"a report with address {blank!r}")
        status, _, body = request("POST", f"{base}/api/v1/reports", json.dumps(bad).encode(), headers)
        if status != 400:
            fail(f"a report whose address is {blank!r} with no coordinates was answered {status}, not 400")
        expect_valid(document, f"{schemas}/Error", json.loads(body), "the 400")

    form = {
        "api_key": key, "service_code": "CFC-PLAY", "description": "تاب پارک شکسته است", "lat": "35.7", "long": "51.4",
        "attribute[equipment]": "swing", "first_name": "Sara", "email": "sara@example.org",
    }
    typed = dict(form, lat=35.7, long=51.4)
    expect_valid(document, f"{schemas}/Open311Submission", typed, "the sample Open311 request")
    form_headers = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, body = request("POST", f"{base}/open311/v2/requests.json", urllib.parse.urlencode(form).encode(), form_headers)
    if status != 200:
        fail(f"a schema-valid Open311 request was answered {status}: {body[:300]!r}")
    expect_valid(document, f"{schemas}/Open311Created", json.loads(body), "the Open311 POST answer")
    blank_form = {k: v for k, v in form.items() if k not in ("lat", "long")} | {"address_string": "  ", "district": "6"}
    expect_invalid(document, f"{schemas}/Open311Submission", dict(blank_form, district=6), "an Open311 request with a blank address_string")
    status, _, body = request("POST", f"{base}/open311/v2/requests.json", urllib.parse.urlencode(blank_form).encode(), form_headers)
    if status != 400:
        fail(f"an Open311 request with a blank address_string and no coordinates was answered {status}, not 400")
    expect_valid(document, f"{schemas}/Open311Errors", json.loads(body), "the Open311 400")
    print("openapi-check: explicit requests accepted and refused as documented")


def run_schemathesis(base, key, max_examples, max_time, workers, seed):
    with tempfile.TemporaryDirectory(prefix="openapi-check-") as folder:
        config = os.path.join(folder, "schemathesis.toml")
        with open(config, "w") as file:
            # The key from the environment, never on a command line.
            file.write('[auth.openapi.channelKey]\nbearer = "${OPEN137_CHECK_KEY}"\n')
            file.write('[auth.openapi.open311Key]\napi_key = "${OPEN137_CHECK_KEY}"\n')
        command = [
            "schemathesis", "--config-file", config, "run", f"{base}/openapi.yaml", "--url", base,
            "--checks", CHECKS, "--phases", "examples,coverage,fuzzing", "--max-examples", str(max_examples),
            "--max-time", str(max_time), "--workers", str(workers), "--request-timeout", "30",
            "--suppress-health-check", "too_slow,filter_too_much", "--no-color",
        ]
        if seed is not None:
            command += ["--seed", str(seed)]
        env = dict(os.environ, OPEN137_CHECK_KEY=key, SCHEMATHESIS_HOOKS=os.path.join(HERE, "openapi-hooks.py"))
        print("openapi-check: " + " ".join(command[3:]), flush=True)
        return subprocess.run(command, env=env, cwd=folder).returncode


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="intake's API, e.g. http://127.0.0.1:8137 (loopback)")
    parser.add_argument("--key", required=True, help="an API key valid for every channel (the development key)")
    parser.add_argument("--max-examples", type=int, default=30, help="test cases per operation and phase")
    parser.add_argument("--max-time", type=int, default=150, help="seconds schemathesis may run in all")
    # One worker: with two, hypothesis describes its lambdas from threads and CPython 3.11.7's ast module
    # fails ("AST constructor recursion depth mismatch"), which schemathesis reports as runtime errors.
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--skip-fuzz", action="store_true", help="only the document and the explicit requests")
    args = parser.parse_args()
    host = urllib.parse.urlsplit(args.base).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        fail(f"{args.base} is not a loopback address; this check only runs against a local intake")
    document = check_document(args.base)
    check_explicit(args.base, args.key, document)
    if args.skip_fuzz:
        return
    rc = run_schemathesis(args.base, args.key, args.max_examples, args.max_time, args.workers, args.seed)
    if rc != 0:
        fail(f"schemathesis found responses that break the contract (status {rc}); see above")
    print("openapi-check: PASS")


if __name__ == "__main__":
    main()
