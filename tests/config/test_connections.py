"""Requests served one after another by a thread-per-connection server (as ``runserver`` serves), each
client keeping its HTTP connection alive, leave a bounded number of PostgreSQL connections: a database
connection is closed when its request ends, not kept for the life of the thread (PostgreSQL pass)."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest
from django.db import connection


def _connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_kept_alive_clients_of_a_threaded_server_do_not_each_hold_a_database_connection(live_server):
    if connection.vendor != "postgresql":
        pytest.skip("counts PostgreSQL's connections")
    address = urlsplit(live_server.url)
    before = _connections()
    clients = []
    try:
        for _ in range(40):
            client = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
            client.request("GET", "/health/")
            response = client.getresponse()
            response.read()
            assert response.status in (200, 503)
            assert response.getheader("Connection", "").lower() != "close"  # the client's thread stays alive
            clients.append(client)
        # Forty threads are alive, each waiting for its client's next request.
        assert _connections() - before <= 3
    finally:
        for client in clients:
            client.close()
