"""Schemathesis hooks for infra/local/openapi-check.py: the rules of intake's API that JSON Schema cannot state.

Loaded through SCHEMATHESIS_HOOKS. A positive case (one the fuzzer claims is valid) is made to satisfy them, so
that `positive_data_acceptance` tests everything else the document says; negative cases are left as generated.

- A tracking code's last digit is a Damm check digit (issued codes always have one; a client types them back).
- Open311 GET requests: start_date <= end_date at most 90 days apart (servicerequestupdates: 7 days); updated_after <= updated_before.
"""
import schemathesis

# The totally anti-symmetric quasigroup of Services/Intake/IntakeService/Reports/TrackingCode.swift.
DAMM = [
    [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
    [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
    [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
    [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
    [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
    [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
    [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
    [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
    [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
    [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
]


def with_check_digit(code: str) -> str:
    """The code's first nine digits and their Damm check digit."""
    interim = 0
    for digit in code[:9]:
        interim = DAMM[interim][int(digit)]
    return code[:9] + str(interim)


@schemathesis.hook
def map_case(context, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return case
    params = case.path_parameters or {}
    code = params.get("tracking_code")
    if isinstance(code, str) and len(code) == 10 and code.isascii() and code.isdigit():
        params["tracking_code"] = with_check_digit(code)
    query = case.query
    if isinstance(query, dict):
        # Equal ends are always a valid window, whatever the two dates drawn were.
        if query.get("start_date") and query.get("end_date"):
            query["end_date"] = query["start_date"]
        if query.get("updated_after") and query.get("updated_before"):
            query["updated_before"] = query["updated_after"]
    return case
