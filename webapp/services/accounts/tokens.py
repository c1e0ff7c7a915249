"""Bearer tokens for scripts: a random token shown once; only its SHA-256 is stored; revocable."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from webapp.services import accounts
from webapp.services.accounts import audit

PREFIX = "rk_"


@dataclass(frozen=True)
class TokenInfo:
    id: int
    email: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, email: str, name: str = "script", *, actor: str | None = None) -> tuple[str, int]:
    """A new token for the user: (the token, to show once; its id)."""
    user = accounts.find_user(session, email)
    if user is None:
        raise accounts.refused(f"There is no user {email}.", status=404)
    token = PREFIX + secrets.token_urlsafe(32)
    token_id = session.execute(text(
        "INSERT INTO api_token (user_id, name, token_hash, prefix) VALUES (:u, :n, :h, :p) RETURNING id"),
        {"u": user.id, "n": name[:200], "h": _digest(token), "p": token[:10]}).scalar_one()
    audit.record(session, actor, "create", "api_token", token_id, None,
                 {"user": user.email, "name": name, "prefix": token[:10]})
    return token, token_id


def list_tokens(session: Session, email: str | None = None) -> list[TokenInfo]:
    rows = session.execute(text(
        "SELECT t.id, u.email, t.name, t.prefix, t.created_at, t.last_used_at, t.revoked_at FROM api_token t "
        "JOIN app_user u ON u.id = t.user_id WHERE CAST(:email AS text) IS NULL OR u.email = :email ORDER BY t.id"),
        {"email": email.strip().lower() if email else None}).all()
    return [TokenInfo(*r) for r in rows]


def revoke_token(session: Session, token_id: int, *, actor: str | None = None) -> TokenInfo:
    found = next((t for t in list_tokens(session) if t.id == token_id), None)
    if found is None:
        raise accounts.refused(f"There is no token {token_id}.", status=404)
    session.execute(text("UPDATE api_token SET revoked_at = COALESCE(revoked_at, now()) WHERE id = :id"),
                    {"id": token_id})
    audit.record(session, actor, "revoke", "api_token", token_id, {"revoked": found.revoked_at is not None},
                 {"revoked": True})
    return found


def user_for_token(session: Session, token: str) -> accounts.User | None:
    """The active user a live token belongs to, or None (unknown, revoked, or the user is inactive)."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    row = session.execute(text(
        "UPDATE api_token SET last_used_at = now() WHERE token_hash = :h AND revoked_at IS NULL RETURNING user_id"),
        {"h": _digest(token)}).first()
    if row is None:
        return None
    user = accounts.get_user(session, row[0])
    return user if user is not None and user.active else None
