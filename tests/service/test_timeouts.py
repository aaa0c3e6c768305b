"""Slow and idle clients over a real loopback socket are cut off in bounded time."""

from __future__ import annotations

import select
import socket
import threading
import time

import pytest
import uvicorn
from service_support import AUTH, tiny_app

from allocator.service.app import ServiceSettings
from allocator.service.server import uvicorn_options

LIMIT = 1.0  # every timeout of the server under test, seconds
BOUND = 4.0  # a cut-off must come within this many seconds
CRAWL = 0.25  # seconds between the slow client's bytes


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def bounded_service(store_url):
    """The service under uvicorn with the serve command's options and 1-second limits."""
    limits = {"head_timeout_seconds": LIMIT, "body_timeout_seconds": LIMIT,
              "keep_alive_seconds": LIMIT}
    app = tiny_app(store_url, **limits)
    options = {**uvicorn_options(ServiceSettings(store_url, frozenset(), **limits)),
               "log_config": None}  # leave the test run's logging alone
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "service did not start"
        time.sleep(0.02)
    yield port
    server.should_exit = True
    thread.join(30)


def _connect(port: int) -> socket.socket:
    """A client socket whose reads give up after BOUND + 2 s (the test then fails)."""
    return socket.create_connection(("127.0.0.1", port), timeout=BOUND + 2)


def _read_until_closed(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes (a reset counts as closing)."""
    received = b""
    try:
        while chunk := connection.recv(4096):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def _crawl(connection: socket.socket, data: bytes) -> None:
    """Send ``data`` a byte per CRAWL seconds, until the server answers or closes.

    Bytes sent after the server closed would make it reset the connection, and the
    kernel drop an answer not read yet: so stop as soon as anything can be read.
    """
    for byte in data:
        try:
            connection.sendall(bytes([byte]))
        except OSError:
            return
        if select.select([connection], [], [], CRAWL)[0]:
            return


def test_a_client_that_sends_nothing_is_disconnected(bounded_service):
    started = time.monotonic()
    with _connect(bounded_service) as connection:
        assert _read_until_closed(connection) == b""
    assert time.monotonic() - started < BOUND


def test_a_client_that_sends_its_headers_slowly_is_disconnected(bounded_service):
    head = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"p" * 200 + b"\r\n\r\n"
    started = time.monotonic()
    with _connect(bounded_service) as connection:
        _crawl(connection, head)  # stops when the server closes (or after 60 s without)
        assert _read_until_closed(connection) == b""
    assert time.monotonic() - started < BOUND + CRAWL * 4


def test_a_client_that_sends_its_body_slowly_gets_408(bounded_service):
    body = b'{"job_key": "slow", "seed": 1' + b" " * 100 + b"}"
    head = (f"POST /jobs HTTP/1.1\r\nHost: x\r\nAuthorization: {AUTH['Authorization']}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    started = time.monotonic()
    with _connect(bounded_service) as connection:
        connection.sendall(head)
        _crawl(connection, body)
        answer = _read_until_closed(connection)
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert b"not received within 1 s" in answer
    assert time.monotonic() - started < BOUND


def test_an_idle_keep_alive_connection_is_closed(bounded_service):
    started = time.monotonic()
    with _connect(bounded_service) as connection:
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = _read_until_closed(connection)
    assert answer.startswith(b"HTTP/1.1 200 ") and answer.endswith(b'{"status":"ok"}')
    assert time.monotonic() - started < BOUND


def test_serve_passes_the_bounds_to_uvicorn(monkeypatch, store_url):
    from typer.testing import CliRunner

    from allocator.interfaces.cli import app

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda application, **options: seen.update(options))
    monkeypatch.setenv("ALLOCATOR_SERVICE_TOKENS", "x")
    result = CliRunner().invoke(app, ["serve", "--db", store_url])
    assert result.exit_code == 0, result.stderr
    assert seen["timeout_keep_alive"] == 5 and seen["access_log"] is False
    assert seen["http"].head_timeout_seconds == 10.0


def test_pipelined_requests_are_all_answered(bounded_service):
    request = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
    with _connect(bounded_service) as connection:
        connection.sendall(request * 3)
        answer = _read_until_closed(connection)
    assert answer.count(b"HTTP/1.1 200 ") == 3
