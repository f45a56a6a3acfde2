#!/usr/bin/env bash
# One command from a clean clone to a passing test suite: installs the test needs (Python packages,
# Debian's pango and a CJK font for the PDF reports, and Debian's chromium for the browser tests where apt
# is available), then runs pytest.
# Extra arguments go to pytest. DATABASE_URL / CELERY_BROKER_URL switch to PostgreSQL / Redis.
set -euo pipefail
source "$(dirname "$0")/_venv.sh" test
source "$(dirname "$0")/_pdf_deps.sh"
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing Debian's chromium (and a CJK font for screenshots) for the browser tests"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null) \
    || echo "!! could not install chromium: browser tests will be skipped" >&2
fi
exec .venv/bin/python -m pytest "$@"
