"""What the stdlib black-box scripts (open311-blackbox.py, security-pass.py) share: a collector of checks."""
import sys


class Checks:
    """Collects failures instead of stopping at the first one."""

    def __init__(self):
        self.failures = []
        self.passed = 0

    def expect(self, condition, what):
        if condition:
            self.passed += 1
        else:
            self.failures.append(what)
            print(f"FAIL {what}", file=sys.stderr)
        return condition
