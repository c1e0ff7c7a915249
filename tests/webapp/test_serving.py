"""The app as `riskkarta serve` runs it, under gunicorn (webapp/serving.py): gunicorn's own answers are problem+json
too, and no response names the server software."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn_url(database_url, data_dir):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "RISKKARTA_DATA_DIR": str(data_dir),
           "RISKKARTA_ANONYMOUS_ROLE": "viewer"}
    riskkarta = Path(sys.executable).with_name("riskkarta")
    process = subprocess.Popen([str(riskkarta), "serve", "--port", str(port), "--workers", "1"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(url + "/api/health", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def _raw(url: str, request: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(request)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_no_response_names_the_server(gunicorn_url):
    for path in ("/api/health", "/", "/no-such-page", "/static/riskkarta.css"):
        response = requests.get(gunicorn_url + path, timeout=10)
        assert "Server" not in response.headers, path
        assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("length", [5_000, 9_000, 100_000])
def test_an_over_long_address_is_a_414_problem_at_every_length(gunicorn_url, length):
    response = requests.get(gunicorn_url + "/api/layers?q=" + "x" * length, timeout=10)
    assert response.status_code == 414
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json()["status"] == 414


@pytest.mark.parametrize("request_bytes", [
    b"GET /api/health HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n",
    b"G\x00T /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: " + b"a" * 10_000 + b"\r\n\r\n",
    b"GET /api/health HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(200)) + b"\r\n",
], ids=["a bad HTTP version", "a NUL in the method", "an over-long header", "too many headers"])
def test_requests_gunicorn_refuses_itself_get_problem_json(gunicorn_url, request_bytes):
    answer = _raw(gunicorn_url, request_bytes)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b" ")[1][:1] == b"4", head[:80]
    assert b"application/problem+json" in head and b"Server:" not in head
    assert b'"status": 4' in body
