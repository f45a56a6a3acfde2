"""CACHE_URL=redis://… keeps one Redis client per connection pool (halls.cache) and still caches."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("HALLQ_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")

PROBE = """
from django.core.cache import cache
from django.conf import settings
client = cache._cache.get_client("k")
assert client is cache._cache.get_client("k", write=True), "a new client per call"
cache.set("hallq-test-redis-cache", {"a": 1}, 30)
assert cache.get("hallq-test-redis-cache") == {"a": 1}
cache.delete("hallq-test-redis-cache")
assert cache.get("hallq-test-redis-cache") is None
print(settings.CACHES["default"]["BACKEND"])
"""


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_answers(), reason="no Redis at HALLQ_TEST_REDIS_URL")
def test_a_redis_cache_url_selects_the_backend_that_reuses_its_client_and_it_caches():
    env = {**os.environ, "CACHE_URL": REDIS_URL, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "halls.cache.RedisCache"
