#!/usr/bin/env bash
# What the browser tests need, installed when missing: Debian's chromium, chromium-driver (the same
# version), Noto fonts (Persian, with Persian digits) and poppler-utils; Selenium and axe-core (inside
# selenium-axe-python) from PyPI.
set -euo pipefail
OPEN137_LOG_TAG="browser"
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
[[ -d /usr/share/fonts/truetype/noto ]] || missing+=(fonts-noto-core)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
command -v psql >/dev/null || missing+=(postgresql-client)
(( ${#missing[@]} == 0 )) || apt_install "${missing[@]}"
python3 -c "import selenium, selenium_axe_python" 2>/dev/null || python3 -m pip install --quiet selenium selenium-axe-python \
    || python3 -m pip install --quiet --break-system-packages selenium selenium-axe-python
