"""The bench's bare-Django floor (bench/bare_wsgi.py) answers JSON on its one URL, with settings of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.run import BARE_FLOOR_PATH

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
from wsgiref.util import setup_testing_defaults
from bench.bare_wsgi import application
from django.conf import settings
environ = {}
setup_testing_defaults(environ)
environ["PATH_INFO"] = sys.argv[1]
answer = {}
def start_response(status, headers, exc_info=None):
    answer["status"], answer["headers"] = status, dict(headers)
answer["body"] = b"".join(application(environ, start_response)).decode()
answer["middleware"], answer["apps"] = settings.MIDDLEWARE, settings.INSTALLED_APPS
print(json.dumps(answer))
"""


def test_the_bare_floor_answers_json_without_middleware_or_applications():
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, BARE_FLOOR_PATH], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["status"] == "200 OK"
    assert answer["headers"]["Content-Type"] == "application/json"
    assert json.loads(answer["body"])["done"] is True
    assert answer["middleware"] == [] and answer["apps"] == []
