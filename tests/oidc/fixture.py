"""`oidc_provider`: a real OpenID Connect provider (node's oidc-provider, tests/oidc/provider.mjs) on loopback for
the test session, with the test client and accounts. tests/conftest.py registers the fixture.

A sign-in test, once the app has its /auth/login and /auth/callback (its Authlib client configured with
`oidc_provider.metadata_url`, `.client_id` and `.client_secret`, PKCE S256; the redirect URI
`oidc_provider.redirect_uri(app_url)` is allowed on any port of 127.0.0.1):

    with httpx.Client() as http:
        start = http.get(f"{app_url}/auth/login")                 # the app redirects to the provider
        account = oidc_provider.accounts["committee"]             # .claims: what the app should make of it
        back = oidc_provider.log_in(http, start.headers["location"], account.login, account.password)
        signed_in = http.get(back.headers["location"])            # the app's callback, with code and state
"""
from __future__ import annotations

import dataclasses
import html
import json
import re
import secrets
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CLIENT_ID = "riskkarta-test"  # as provider.mjs registers it
REDIRECT_PATH = "/auth/callback"
READY_TIMEOUT_S = 30


@dataclasses.dataclass(frozen=True)
class Account:
    login: str
    password: str
    sub: str
    claims: dict  # what the ID token and userinfo say with the `email profile riskkarta` scopes (besides `sub`)


@dataclasses.dataclass(frozen=True)
class OidcProvider:
    issuer: str  # http://127.0.0.1:PORT
    client_id: str
    client_secret: str
    accounts: dict[str, Account]  # by login: committee, city, viewer, admin, norole
    # Any port on 127.0.0.1 with this path is an allowed redirect URI, so the app may start after the provider.
    redirect_uri_pattern: str = f"http://127.0.0.1:*{REDIRECT_PATH}"

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def redirect_uri(self, base_url: str) -> str:
        """The allowed redirect URI of an app served at `base_url` (http://127.0.0.1:PORT)."""
        return base_url.rstrip("/") + REDIRECT_PATH

    def on_provider(self, url: str) -> bool:
        return url == self.issuer or url.startswith(self.issuer + "/")

    def log_in(self, http: httpx.Client, url: str, login: str, password: str) -> httpx.Response:
        """Open `url` (an authorization request to this provider), fill its login form and return the first
        response that does not send the browser on within the provider: on success the redirect to the client's
        redirect URI (`code`, `state` and `iss` in its Location, which is not requested), otherwise the
        provider's page (the form again with 401 for a wrong login or password, or an error page).

        Redirects are followed only while they stay on the provider. When `http` already has a session at the
        provider there is no form and the redirect back comes at once."""
        response = self._follow(http, http.get(url))
        if response.is_redirect or not self.on_provider(str(response.url)):
            return response
        form = re.search(r'<form method="post" action="([^"]+)"', response.text)
        if form is None:  # an error page, e.g. a redirect URI that is not allowed
            return response
        action = urljoin(str(response.url), html.unescape(form[1]))
        return self._follow(http, http.post(action, data={"login": login, "password": password}))

    def _follow(self, http: httpx.Client, response: httpx.Response) -> httpx.Response:
        for _ in range(10):
            if not response.is_redirect:
                return response
            location = urljoin(str(response.url), response.headers["location"])
            if not self.on_provider(location):
                return response
            response = http.get(location)
        raise AssertionError(f"too many redirects at the provider, last {response.url}")


def load_accounts() -> dict[str, Account]:
    data = json.loads((HERE / "accounts.json").read_text())
    return {login: Account(login, a["password"], a["sub"], a["claims"]) for login, a in data.items()}


def _install() -> None:
    """tests/oidc/node_modules from its lock file (a no-op when installed; `make test` has done it too)."""
    subprocess.run([sys.executable, str(ROOT / "scripts" / "assets.py"), "--test"], check=True)


def _wait_ready(process: subprocess.Popen, stderr_path: Path) -> str:
    """The issuer from the script's `READY <issuer>` line; fails with its stderr when it exits or is late."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while (left := deadline - time.monotonic()) > 0:
            if selector.select(timeout=left):
                line = process.stdout.readline()
                if line.startswith("READY "):
                    return line.split()[1]
                if not line:  # EOF: the script has exited
                    break
    exited = process.poll() is not None
    process.kill()
    process.wait()
    what = f"exited with code {process.returncode}" if exited else f"was not ready within {READY_TIMEOUT_S} s"
    pytest.fail(f"the OIDC provider (tests/oidc/provider.mjs) {what}; its stderr:\n{stderr_path.read_text()}",
                pytrace=False)


@pytest.fixture(scope="session")
def oidc_provider():
    """The provider for the session; the process is stopped at the end."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed for the OIDC provider (make test installs Node.js)", pytrace=False)
    _install()
    secret = secrets.token_urlsafe(24)
    provider = OidcProvider(issuer="", client_id=CLIENT_ID, client_secret=secret, accounts=load_accounts())
    with tempfile.TemporaryDirectory(prefix="riskkarta-oidc-") as tmp:
        stderr_path = Path(tmp) / "stderr.log"
        with stderr_path.open("w") as stderr:
            process = subprocess.Popen(
                [node, str(HERE / "provider.mjs"), "0", "--client-secret", secret,
                 "--redirect-uri", provider.redirect_uri_pattern, "--exit-with-stdin"],
                cwd=HERE, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True)
        try:
            yield dataclasses.replace(provider, issuer=_wait_ready(process, stderr_path))
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            for pipe in (process.stdin, process.stdout):
                pipe.close()
