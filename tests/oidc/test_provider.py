"""The test run's OIDC provider speaks the real protocol: discovery, JWKS, the authorization-code flow with PKCE
over plain HTTP, the token exchange with the client secret and an ID token verified as Authlib's client does
(joserfc, Authlib's dependency and successor of authlib.jose, then Authlib's OIDC claim rules). No Flask app."""
from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.jwk import KeySet

# No app listens here: the flow ends at the redirect to it, which is not requested.
APP = "http://127.0.0.1:59123"
SCOPE = "openid email profile riskkarta"


@pytest.fixture(scope="module")
def metadata(oidc_provider):
    response = httpx.get(oidc_provider.metadata_url)
    assert response.status_code == 200
    return response.json()


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize(oidc, metadata, http, login, password, *, scope=SCOPE, redirect_uri=None):
    """One authorization request with PKCE (S256), signed in through the form; returns the response, the
    verifier, state and nonce."""
    verifier, challenge = pkce_pair()
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    query = urlencode({
        "response_type": "code", "client_id": oidc.client_id,
        "redirect_uri": redirect_uri or oidc.redirect_uri(APP), "scope": scope, "state": state,
        "nonce": nonce, "code_challenge": challenge, "code_challenge_method": "S256"})
    response = oidc.log_in(http, f"{metadata['authorization_endpoint']}?{query}", login, password)
    return response, verifier, state, nonce


def callback_params(oidc, response) -> dict[str, str]:
    assert response.status_code in (302, 303), (response.status_code, response.text[:500])
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == oidc.redirect_uri(APP)
    return {key: values[0] for key, values in parse_qs(location.query).items()}


def exchange(oidc, metadata, code, verifier, *, secret=None, redirect_uri=None) -> httpx.Response:
    return httpx.post(metadata["token_endpoint"], auth=(oidc.client_id, secret or oidc.client_secret), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri or oidc.redirect_uri(APP),
        "code_verifier": verifier})


def verified_id_token(oidc, metadata, tokens, nonce) -> dict:
    """The ID token's claims after its signature (the provider's JWKS) and claims (iss, aud, exp, nonce,
    at_hash) are checked the way Authlib's OpenID client checks them."""
    keys = KeySet.import_key_set(httpx.get(metadata["jwks_uri"]).json())
    token = jwt.decode(tokens["id_token"], keys, algorithms=metadata["id_token_signing_alg_values_supported"])
    claims = CodeIDToken(token.claims, token.header, {"iss": {"values": [oidc.issuer]}},
                         {"nonce": nonce, "client_id": oidc.client_id, "access_token": tokens["access_token"]})
    claims.validate(leeway=5)
    return dict(claims)


def test_discovery(oidc_provider, metadata):
    issuer = oidc_provider.issuer
    assert urlsplit(issuer).hostname == "127.0.0.1"
    assert metadata["issuer"] == issuer
    for endpoint in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
        assert metadata[endpoint].startswith(issuer + "/"), endpoint
    assert {"openid", "email", "profile", "riskkarta"} <= set(metadata["scopes_supported"])
    assert {"email", "riskkarta_role", "groups"} <= set(metadata["claims_supported"])
    assert "code" in metadata["response_types_supported"]
    assert "S256" in metadata["code_challenge_methods_supported"]
    assert "client_secret_basic" in metadata["token_endpoint_auth_methods_supported"]


def test_jwks_holds_public_signing_keys_only(metadata):
    keys = httpx.get(metadata["jwks_uri"]).json()["keys"]
    assert keys
    for key in keys:
        assert key["kty"] == "RSA" and key["use"] == "sig" and key["kid"]
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)  # no private parts


def test_code_flow_with_pkce_gives_a_committee_member_and_their_districts(oidc_provider, metadata):
    account = oidc_provider.accounts["committee"]
    with httpx.Client() as http:
        response, verifier, state, nonce = authorize(oidc_provider, metadata, http, account.login,
                                                     account.password)
    params = callback_params(oidc_provider, response)
    assert params["state"] == state
    assert params["iss"] == oidc_provider.issuer  # RFC 9207, which Authlib can check
    token_response = exchange(oidc_provider, metadata, params["code"], verifier)
    assert token_response.status_code == 200, token_response.text
    tokens = token_response.json()
    assert tokens["token_type"].lower() == "bearer"

    claims = verified_id_token(oidc_provider, metadata, tokens, nonce)
    assert claims["sub"] == account.sub
    assert claims["aud"] == oidc_provider.client_id
    assert claims["email"] == "karin.lind@stad.example" and claims["email_verified"] is True
    assert claims["riskkarta_role"] == "committee"
    assert claims["groups"] == ["stadens-personal", "riskkarta-committee", "sdn-11", "sdn-15"]
    assert claims["name"] == "Karin Lind"

    userinfo = httpx.get(metadata["userinfo_endpoint"],
                         headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    assert userinfo == {"sub": account.sub, **account.claims}

    again = exchange(oidc_provider, metadata, params["code"], verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"  # a code is used once


@pytest.mark.parametrize("login", ["city", "viewer", "admin", "norole"])
def test_every_account_signs_in_with_its_claims(oidc_provider, metadata, login):
    account = oidc_provider.accounts[login]
    with httpx.Client() as http:
        response, verifier, _, nonce = authorize(oidc_provider, metadata, http, login, account.password)
    tokens = exchange(oidc_provider, metadata, callback_params(oidc_provider, response)["code"], verifier).json()
    claims = verified_id_token(oidc_provider, metadata, tokens, nonce)
    assert claims["sub"] == account.sub
    assert {key: claims.get(key) for key in account.claims} == account.claims
    if login == "norole":
        assert "riskkarta_role" not in claims
        assert not [group for group in claims["groups"] if group.startswith(("riskkarta-", "sdn-"))]


def test_a_wrong_password_is_refused(oidc_provider, metadata):
    account = oidc_provider.accounts["committee"]
    with httpx.Client() as http:
        response, *_ = authorize(oidc_provider, metadata, http, account.login, "not-the-password")
        assert response.status_code == 401
        assert "Wrong login or password" in response.text and '<form method="post"' in response.text
        unknown, *_ = authorize(oidc_provider, metadata, http, "nobody", account.password)
        assert unknown.status_code == 401


def test_the_pkce_verifier_and_the_client_secret_are_checked(oidc_provider, metadata):
    account = oidc_provider.accounts["viewer"]
    with httpx.Client() as http:
        response, verifier, *_ = authorize(oidc_provider, metadata, http, account.login, account.password)
    code = callback_params(oidc_provider, response)["code"]
    wrong_secret = exchange(oidc_provider, metadata, code, verifier, secret="wrong")
    assert wrong_secret.status_code == 401 and wrong_secret.json()["error"] == "invalid_client"
    wrong_verifier = exchange(oidc_provider, metadata, code, pkce_pair()[0])
    assert wrong_verifier.status_code == 400 and wrong_verifier.json()["error"] == "invalid_grant"


def test_an_authorization_request_without_pkce_is_refused(oidc_provider, metadata):
    query = urlencode({"response_type": "code", "client_id": oidc_provider.client_id,
                       "redirect_uri": oidc_provider.redirect_uri(APP), "scope": SCOPE, "state": "s"})
    response = httpx.get(f"{metadata['authorization_endpoint']}?{query}")
    params = callback_params(oidc_provider, response)
    assert params["error"] == "invalid_request" and "PKCE" in params["error_description"]


def test_without_the_riskkarta_scope_there_is_no_role_or_groups(oidc_provider, metadata):
    account = oidc_provider.accounts["committee"]
    with httpx.Client() as http:
        response, verifier, _, nonce = authorize(oidc_provider, metadata, http, account.login, account.password,
                                                 scope="openid email")
    tokens = exchange(oidc_provider, metadata, callback_params(oidc_provider, response)["code"], verifier).json()
    claims = verified_id_token(oidc_provider, metadata, tokens, nonce)
    assert claims["email"] == account.claims["email"]
    assert "riskkarta_role" not in claims and "groups" not in claims and "name" not in claims


@pytest.mark.parametrize("redirect_uri", [
    "http://127.0.0.1:59123/elsewhere",          # another path
    "http://localhost:59123/auth/callback",      # another host name
    "https://127.0.0.1:59123/auth/callback",     # another scheme
    "http://127.0.0.1/auth/callback",            # no port
    "http://127.0.0.1:59123/auth/callback?x=1",  # extra query
])
def test_only_loopback_callbacks_on_any_port_are_allowed(oidc_provider, metadata, redirect_uri):
    with httpx.Client() as http:
        response, *_ = authorize(oidc_provider, metadata, http, "viewer", "irrelevant", redirect_uri=redirect_uri)
    assert response.status_code == 400  # the provider's error page; no redirect anywhere
    assert "invalid_redirect_uri" in response.text


@pytest.fixture()
def callback_server():
    """A stand-in for the app on a port of its own, after the provider started: answers its callback with 200."""

    class Callback(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"the app's callback")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Callback)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.mark.browser
def test_a_browser_signs_in_through_the_form_and_keeps_its_session(oidc_provider, metadata, browser_page,
                                                                   callback_server):
    """The form is fillable with Playwright, an app on any loopback port gets the code, and the provider's
    session cookie survives plain http (a second authorization needs no form)."""
    page, log = browser_page
    account = oidc_provider.accounts["city"]
    redirect_uri = oidc_provider.redirect_uri(callback_server)
    verifier, challenge = pkce_pair()
    query = {"response_type": "code", "client_id": oidc_provider.client_id, "redirect_uri": redirect_uri,
             "scope": SCOPE, "state": "s1", "nonce": "n1", "code_challenge": challenge,
             "code_challenge_method": "S256"}
    page.goto(f"{metadata['authorization_endpoint']}?{urlencode(query)}")
    page.get_by_label("Login").fill(account.login)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{redirect_uri}?**")
    code = parse_qs(urlsplit(page.url).query)["code"][0]
    tokens = exchange(oidc_provider, metadata, code, verifier, redirect_uri=redirect_uri).json()
    assert verified_id_token(oidc_provider, metadata, tokens, "n1")["riskkarta_role"] == "city"

    page.goto(f"{metadata['authorization_endpoint']}?{urlencode({**query, 'state': 's2'})}")
    page.wait_for_url(f"{redirect_uri}?**")
    assert parse_qs(urlsplit(page.url).query)["state"] == ["s2"] and "code" in page.url
    assert log["outside"] == [] and log["errors"] == [] and log["failed"] == []
