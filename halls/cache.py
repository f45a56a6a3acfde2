"""Django's Redis cache, with one client per connection pool instead of a new one for every call.

Django's RedisCacheClient builds a ``redis.Redis`` object around its connection pool on each get and set;
with redis-py 8 that object costs more CPU than the command itself, and every signed-in request reads its
session from the cache (SESSION_ENGINE cached_db). A ``redis.Redis`` over a connection pool is safe to share
between threads (each command borrows a connection from the pool), so each pool keeps one."""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class RedisCache(DjangoRedisCache):
    """``CACHE_URL=redis://...`` selects this backend (config/settings/base.py)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
