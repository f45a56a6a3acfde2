"""The load generator: requests back to back, or with a user's pause between them; loopback only."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.loadtest import LoadRequest, load_run, random_picker


class _Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 (http.server's name)
        body = b"ok"
        self.send_response(200 if self.path == "/ok" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def _run(port, path="/ok", think=None):
    return load_run(
        host="127.0.0.1",
        port=port,
        pick=random_picker([LoadRequest(path=path)]),
        headers={},
        clients=3,
        requests_per_client=4,
        deadline_seconds=30,
        think=think,
    )


def test_every_client_sends_its_requests_and_each_is_timed(server):
    result = _run(server)
    assert len(result.latencies_ms) == 12
    assert result.errors == []
    assert result.per_second > 0


def test_a_users_pause_after_each_response_makes_the_run_last_at_least_the_pauses(server):
    back_to_back = _run(server)
    paused = _run(server, think=(0.1, 0.1))
    assert len(paused.latencies_ms) == 12
    # 4 pauses of 0.1 s per client after its responses (and up to one more before its first request)
    assert paused.seconds >= 0.4
    assert paused.seconds > back_to_back.seconds


def test_an_unexpected_status_is_counted_as_an_error(server):
    result = _run(server, path="/missing")
    assert len(result.errors) == 12 and result.errors[0].startswith("404 GET /missing")


def test_only_loopback_is_load_tested():
    with pytest.raises(ValueError):
        load_run(
            host="example.com",
            port=80,
            pick=random_picker([LoadRequest(path="/")]),
            headers={},
            clients=1,
            requests_per_client=1,
            deadline_seconds=1,
        )
