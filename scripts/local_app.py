"""What the by-hand scripts (load test, screenshots, benches) share: one `Error:` line and out, a free loopback port,
demo users' tokens made and revoked through the `riskkarta` command, and the app served under gunicorn on loopback
for the length of a `with` block."""
from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
RISKKARTA = str(ROOT / ".venv" / "bin" / "riskkarta")


def fail(message: str) -> None:
    print(f"Error: {message}", file=sys.stderr)
    sys.exit(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_token(env: dict, email: str, name: str) -> tuple[str, str]:
    """A new bearer token of an existing user: (its id, the token)."""
    done = subprocess.run([RISKKARTA, "tokens", "create", email, "--name", name], env=env, capture_output=True,
                          text=True)
    if done.returncode:
        fail(f"could not make a token for {email}: {done.stderr.strip()} (load the demo city: make db)")
    found = re.search(r"token (\d+) for", done.stdout + done.stderr)
    return (found.group(1) if found else ""), next(w for w in done.stdout.split() if w.startswith("rk_"))


def revoke_tokens(env: dict, token_ids: list[str]) -> None:
    for token_id in token_ids:
        subprocess.run([RISKKARTA, "tokens", "revoke", token_id], env=env, capture_output=True)


@contextmanager
def served(env: dict, workers: int = 2, wait_s: float = 30):
    """`riskkarta serve` on a free loopback port with `env`; yields its base URL once /api/health answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([RISKKARTA, "serve", "--port", str(port), "--workers", str(workers)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                if requests.get(url + "/api/health", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                fail("the server did not start (is the database up? make db)")
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
