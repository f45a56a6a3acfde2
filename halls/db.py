"""The database connection after a failure, and independent reads run side by side."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import connection


def connection_reset_if_broken() -> None:
    """Drop this thread's database connection if it is broken, so the next query opens a fresh one: a
    failure can then still be recorded after the connection itself was what failed.

    Not inside an outer transaction (a caller's, or a test's): closing the connection would end it.
    """
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()


def reads_can_run_side_by_side() -> bool:
    """Whether independent reads may run on connections of their own: on PostgreSQL (a server that runs
    one query per connection on a core of its own), and outside a transaction, whose uncommitted rows
    (a caller's writes, a test's data) another connection would not see."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def _closing(call: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        try:
            return call()
        finally:
            connection.close()  # this thread's own connection: the pool's threads do not outlive the call

    return run


def reads_side_by_side(*calls: Callable[[], Any]) -> list[Any]:
    """The results of ``calls`` (read-only functions without arguments), in their order.

    Where :func:`reads_can_run_side_by_side`, each runs in a thread on a connection of its own, so that the
    database works on them at once (the server then uses every core); elsewhere one after the other on this
    thread's connection. Either way the results are the same: each read sees the data committed when it
    runs, as it would one after the other. If calls fail, the error of the first of them in order is raised
    (the others are waited for, so that no thread is left reading).
    """
    if len(calls) < 2 or not reads_can_run_side_by_side():
        return [call() for call in calls]
    with ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="reads") as pool:
        futures = [pool.submit(_closing(call)) for call in calls]
        return [future.result() for future in futures]
