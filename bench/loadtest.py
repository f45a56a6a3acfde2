"""A small closed-loop load generator: N client threads on loopback, each with its own keep-alive
connection, sending requests one after another; bounded by a request count and a deadline.

Two ways to send them: back to back (``think=None``: every client always waiting on the server, which
measures saturation), or as people use a web application, each client reading the page for a while
between requests (``think=(1, 5)``: a pause drawn uniformly from 1 to 5 seconds, locust's ``between(1, 5)``),
with the clients' first requests spread over the first pause rather than all at once."""

from __future__ import annotations

import http.client
import random
import statistics
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class LoadRequest:
    """One request and the status that counts as success (a form saved answers 302, a page 200)."""

    path: str
    method: str = "GET"
    body: bytes = b""
    expect: int = 200
    cookie: str = ""


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    client_cpu_seconds: float = 0.0  # CPU the generator itself used (all its threads): not the server's

    @property
    def per_second(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")

    @property
    def p95(self) -> float:
        if len(self.latencies_ms) < 2:
            return self.median
        return statistics.quantiles(self.latencies_ms, n=20, method="inclusive")[18]


def random_picker(requests: list[LoadRequest]) -> Callable[[random.Random], LoadRequest | None]:
    """Each call draws one of ``requests`` (pages may be asked for again and again)."""
    return lambda rng: rng.choice(requests)


def once_picker(requests: Iterable[LoadRequest]) -> Callable[[random.Random], LoadRequest | None]:
    """Each request is handed out once across all clients (a draft saved twice would be a conflict)."""
    remaining = iter(list(requests))
    lock = threading.Lock()

    def pick(_rng: random.Random) -> LoadRequest | None:
        with lock:
            return next(remaining, None)

    return pick


def load_run(
    *,
    host: str,
    port: int,
    pick: Callable[[random.Random], LoadRequest | None],
    headers: dict[str, str],
    clients: int,
    requests_per_client: int,
    deadline_seconds: float,
    seed: int = 0,
    think: tuple[float, float] | None = None,
) -> LoadResult:
    """``clients`` threads each send up to ``requests_per_client`` requests drawn by ``pick``, stopping early
    at the deadline or when ``pick`` has nothing left; with ``think``, each pauses that many seconds (drawn
    uniformly) after each response. Only loopback hosts are accepted."""
    if host not in LOOPBACK:
        raise ValueError(f"load tests only target loopback, not {host!r}")
    result = LoadResult()
    lock = threading.Lock()
    stop_at = time.monotonic() + deadline_seconds
    start_gate = threading.Barrier(clients)

    def client(number: int) -> None:
        rng = random.Random(f"{seed}-{number}")
        connection = http.client.HTTPConnection(host, port, timeout=60)
        start_gate.wait()
        if think is not None:
            time.sleep(rng.uniform(0, think[1]))
        for _ in range(requests_per_client):
            request = pick(rng)
            if request is None or time.monotonic() > stop_at:
                break
            sent = dict(headers)
            if request.cookie:
                sent["Cookie"] = request.cookie
            if request.method == "POST":
                sent["Content-Type"] = "application/x-www-form-urlencoded"
            began = time.perf_counter()
            try:
                connection.request(request.method, request.path, body=request.body or None, headers=sent)
                response = connection.getresponse()
                response.read()
                elapsed = (time.perf_counter() - began) * 1000
                with lock:
                    result.latencies_ms.append(elapsed)
                    if response.status != request.expect:
                        result.errors.append(f"{response.status} {request.method} {request.path}")
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = http.client.HTTPConnection(host, port, timeout=60)
            except (OSError, http.client.HTTPException) as error:
                with lock:
                    result.errors.append(f"{type(error).__name__} {request.path}")
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=60)
            if think is not None:
                time.sleep(rng.uniform(*think))
        connection.close()

    threads = [threading.Thread(target=client, args=(number,), daemon=True) for number in range(clients)]
    began = time.perf_counter()
    cpu_began = time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=deadline_seconds + 90)
    result.seconds = time.perf_counter() - began
    result.client_cpu_seconds = time.process_time() - cpu_began
    return result


def path_of(url: str) -> str:
    """A path with its query; a full URL must point at loopback."""
    parts = urlsplit(url)
    if parts.scheme and parts.hostname not in LOOPBACK:
        raise ValueError(f"load tests only target loopback, not {parts.hostname!r}")
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
