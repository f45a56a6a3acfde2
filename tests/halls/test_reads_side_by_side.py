"""Independent reads run side by side on PostgreSQL outside a transaction (grading's evidence), and one after
the other on this thread's connection anywhere else, where another connection could not see the rows."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from halls.db import reads_can_run_side_by_side, reads_side_by_side
from halls.models import Hall
from tests.factories import HallFactory


def _backend_and_thread() -> tuple[int | None, int]:
    """The server process serving this thread's connection (None on SQLite), and this thread."""
    if connection.vendor != "postgresql":
        return None, threading.get_ident()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0], threading.get_ident()


def _open_connections(*, settle_to: int | None = None) -> int:
    """The test database's connections; with ``settle_to``, waits up to 5 s for that many (a server process
    leaves pg_stat_activity a moment after its client closed the connection)."""
    deadline = time.monotonic() + 5
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()")
            count = cursor.fetchone()[0]
        if settle_to is None or count <= settle_to or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


@pytest.mark.django_db
def test_inside_a_transaction_the_reads_run_on_this_thread_and_see_its_uncommitted_rows():
    hall = HallFactory()  # uncommitted: the test's transaction is still open
    assert not reads_can_run_side_by_side()

    where, count = reads_side_by_side(_backend_and_thread, lambda: Hall.objects.filter(pk=hall.pk).count())

    assert where == _backend_and_thread()
    assert count == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_outside_a_transaction_each_read_has_a_connection_of_its_own_closed_afterwards():
    if connection.vendor != "postgresql":
        pytest.skip("side by side only on PostgreSQL")
    HallFactory.create_batch(3)
    before = _open_connections()
    barrier = threading.Barrier(3, timeout=20)

    def read(number: int):
        barrier.wait()  # all three are under way at once, or this times out
        return number, Hall.objects.count(), _backend_and_thread()

    results = reads_side_by_side(*(lambda number=number: read(number) for number in range(3)))

    assert [number for number, _count, _where in results] == [0, 1, 2]  # in the calls' order
    assert {count for _number, count, _where in results} == {3}
    backends = {where[0] for _number, _count, where in results}
    threads = {where[1] for _number, _count, where in results}
    assert len(backends) == 3 and connection.connection.info.backend_pid not in backends
    assert threading.get_ident() not in threads
    assert _open_connections(settle_to=before) == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_failing_read_raises_its_error_to_the_caller():
    if connection.vendor != "postgresql":
        pytest.skip("side by side only on PostgreSQL")

    def failing():
        raise LookupError("no such month")

    with pytest.raises(LookupError, match="no such month"):
        reads_side_by_side(Hall.objects.count, failing)
