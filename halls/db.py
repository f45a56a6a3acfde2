"""The database connection after a failure."""

from __future__ import annotations

from django.db import connection


def connection_reset_if_broken() -> None:
    """Drop this thread's database connection if it is broken, so the next query opens a fresh one: a
    failure can then still be recorded after the connection itself was what failed.

    Not inside an outer transaction (a caller's, or a test's): closing the connection would end it.
    """
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()
