#!/usr/bin/env bash
# One command from a clean clone to a running app with a demo province:
# SQLite under var/, Celery tasks eager in-process, demo data, monthly grading, the docs,
# http://127.0.0.1:8000 (docs under /docs/)
set -euo pipefail
source "$(dirname "$0")/_venv.sh" docs
source "$(dirname "$0")/_pdf_deps.sh"
PY=.venv/bin/python
HALLS=${HALLQ_DEMO_HALLS:-120}
MONTHS=${HALLQ_DEMO_MONTHS:-6}
echo "==> database"
$PY manage.py migrate --noinput -v0
echo "==> demo province ($HALLS halls, $MONTHS months)"
$PY manage.py seed_demo --halls "$HALLS" --months "$MONTHS" --seed 42
echo "==> documentation (site/, served under /docs/)"
NO_MKDOCS_2_WARNING=1 $PY -m mkdocs build --quiet
echo "==> serving on http://127.0.0.1:${PORT:-8000}  (Ctrl-C to stop)"
exec $PY manage.py runserver "127.0.0.1:${PORT:-8000}"
