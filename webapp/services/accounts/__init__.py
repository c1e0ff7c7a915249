"""Accounts: users with a role (and districts for committee members), signed in by a local password (argon2) or
through the city's identity provider, and bearer tokens for scripts. Every change is audited."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import text
from sqlalchemy.orm import Session

from webapp.errors import ProblemError
from webapp.i18n import N_
from webapp.services.accounts import audit

ROLES = ("viewer", "committee", "city", "admin")
# How a page names each role (translated where shown).
ROLE_NAMES = {"viewer": N_("viewer"), "committee": N_("committee member"), "city": N_("city office"),
              "admin": N_("administrator")}
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
_hasher = PasswordHasher()
# Verified when the email is unknown, so that a wrong email takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("riskkarta: no such user")
# Sign-ins: after this many failures in a row an account waits, doubling each time, at most MAX_WAIT.
FREE_FAILURES, FIRST_WAIT, MAX_WAIT = 5, timedelta(seconds=30), timedelta(minutes=15)
MIN_PASSWORD = 10


def refused(detail: str, status: int = 422) -> ProblemError:
    return ProblemError(status, "invalid-account", "Invalid account", detail)


@dataclass(frozen=True)
class User:
    """A signed-in person as the application sees them."""

    id: int
    email: str
    name: str | None
    role: str
    districts: tuple[str, ...]  # district codes, for committee members
    active: bool
    is_demo: bool
    has_password: bool

    def may_edit(self, district_code: str) -> bool:
        """The one permission check for situation pictures: a committee member of that district."""
        return self.active and self.role == "committee" and district_code in self.districts

    def public(self) -> dict:
        """What the audit log and the API may show of a user (never the password hash)."""
        return {"id": self.id, "email": self.email, "name": self.name, "role": self.role,
                "districts": list(self.districts), "active": self.active}


_USER = """
    SELECT u.id, u.email, u.name, u.role,
           COALESCE(array_agg(d.code ORDER BY d.code) FILTER (WHERE d.code IS NOT NULL), '{}'),
           u.active, u.is_demo, u.password_hash IS NOT NULL
    FROM app_user u LEFT JOIN district_membership m ON m.user_id = u.id LEFT JOIN district d ON d.id = m.district_id
"""


def _user(row) -> User:
    return User(row[0], row[1], row[2], row[3], tuple(row[4]), row[5], row[6], row[7])


def get_user(session: Session, user_id: int) -> User | None:
    row = session.execute(text(_USER + " WHERE u.id = :id GROUP BY u.id"), {"id": user_id}).first()
    return _user(row) if row else None


def find_user(session: Session, email: str) -> User | None:
    row = session.execute(text(_USER + " WHERE u.email = :email GROUP BY u.id"),
                          {"email": email.strip().lower()}).first()
    return _user(row) if row else None


def list_users(session: Session) -> list[User]:
    return [_user(r) for r in session.execute(text(_USER + " GROUP BY u.id ORDER BY u.email")).all()]


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD or len(password) > 1000:
        raise refused(f"A password has {MIN_PASSWORD} to 1000 characters.")


def _district_ids(session: Session, codes: tuple[str, ...]) -> list[int]:
    found = dict(session.execute(text("SELECT code, id FROM district WHERE code = ANY(:codes)"),
                                 {"codes": list(codes)}).all())
    missing = [c for c in codes if c not in found]
    if missing:
        raise refused(f"There is no district {', '.join(repr(c) for c in missing)}.")
    return [found[c] for c in codes]


def add_user(session: Session, email: str, role: str, *, districts: tuple[str, ...] = (), password: str | None = None,
             name: str | None = None, actor: str | None = None, is_demo: bool = False) -> User:
    """A new user. A committee member needs at least one district; others have none. Without a password the user
    signs in through the identity provider only."""
    email = (email or "").strip().lower()
    if not EMAIL.match(email):
        raise refused(f"{email!r} is not an email address.")
    if role not in ROLES:
        raise refused(f"The role must be one of {', '.join(ROLES)}, not {role!r}.")
    if role == "committee" and not districts:
        raise refused("A committee member belongs to at least one district: give --district CODE.")
    if role != "committee" and districts:
        raise refused("Only committee members belong to districts.")
    if find_user(session, email) is not None:
        raise refused(f"There is already a user {email}.", status=409)
    if password is not None:
        _check_password(password)
    ids = _district_ids(session, tuple(dict.fromkeys(districts)))
    user_id = session.execute(text(
        "INSERT INTO app_user (email, name, role, password_hash, is_demo) VALUES (:email, :name, :role, :hash, :demo) "
        "RETURNING id"), {"email": email, "name": name, "role": role, "demo": is_demo,
                          "hash": _hasher.hash(password) if password is not None else None}).scalar_one()
    for district_id in ids:
        session.execute(text("INSERT INTO district_membership (user_id, district_id) VALUES (:u, :d)"),
                        {"u": user_id, "d": district_id})
    user = get_user(session, user_id)
    audit.record(session, actor, "create", "user", user_id, None, user.public())
    return user


def set_password(session: Session, email: str, password: str, *, actor: str | None = None) -> None:
    user = find_user(session, email)
    if user is None:
        raise refused(f"There is no user {email}.", status=404)
    _check_password(password)
    session.execute(text("UPDATE app_user SET password_hash = :hash, failed_sign_ins = 0 WHERE id = :id"),
                    {"hash": _hasher.hash(password), "id": user.id})
    audit.record(session, actor, "set-password", "user", user.id)


def authenticate(session: Session, email: str, password: str) -> User:
    """The user whose password this is; 401 otherwise (the same answer for an unknown email), 429 while an account
    waits after repeated failures."""
    wrong = ProblemError(401, "sign-in-failed", "Sign-in failed", "The email or the password is wrong.")
    row = session.execute(text(
        "SELECT id, password_hash, failed_sign_ins, last_failed_at, active FROM app_user WHERE email = :email "
        "FOR UPDATE"), {"email": (email or "").strip().lower()}).first()
    if row is None or row[1] is None:
        _verify(_DUMMY_HASH, password or "")
        raise wrong
    user_id, stored, failures, last_failed, active = row
    now = datetime.now(UTC)
    if failures >= FREE_FAILURES and last_failed is not None:
        wait = min(FIRST_WAIT * 2 ** (failures - FREE_FAILURES), MAX_WAIT)
        if now < last_failed + wait:
            seconds = int((last_failed + wait - now).total_seconds()) + 1
            raise ProblemError(429, "sign-in-throttled", "Too many failed sign-ins",
                               f"Too many failed sign-ins for this account; try again in {seconds} s.",
                               retry_after=seconds)
    if not _verify(stored, password or "") or not active:
        session.execute(text("UPDATE app_user SET failed_sign_ins = failed_sign_ins + 1, last_failed_at = now() "
                             "WHERE id = :id"), {"id": user_id})
        audit.record(session, email, "sign-in-failed", "user", user_id)
        raise wrong
    session.execute(text("UPDATE app_user SET failed_sign_ins = 0, last_sign_in_at = now() WHERE id = :id"),
                    {"id": user_id})
    if _hasher.check_needs_rehash(stored):
        session.execute(text("UPDATE app_user SET password_hash = :h WHERE id = :id"),
                        {"h": _hasher.hash(password), "id": user_id})
    audit.record(session, email, "sign-in", "user", user_id)
    return get_user(session, user_id)


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def remove_demo_users(session: Session, *, actor: str | None = None) -> int:
    """Delete the demo accounts; returns how many."""
    ids = list(session.execute(text("DELETE FROM app_user WHERE is_demo RETURNING id")).scalars())
    for user_id in ids:
        audit.record(session, actor, "delete", "user", user_id)
    return len(ids)


# The demo city's accounts: one per role and a committee member of two districts. Their password is published in
# the README, so a production configuration refuses to start while they exist.
DEMO_PASSWORD = "riskkarta-demo"
DEMO_USERS = (("viewer@demo.riskkarta.se", "viewer", ()), ("city@demo.riskkarta.se", "city", ()),
              ("admin@demo.riskkarta.se", "admin", ()), ("sodermalm@demo.riskkarta.se", "committee", ("11",)),
              ("innerstaden@demo.riskkarta.se", "committee", ("9", "10")))


def add_demo_users(session: Session) -> int:
    """The demo accounts, for the districts of the demo city that exist; returns how many were added."""
    codes = set(session.execute(text("SELECT code FROM district")).scalars())
    added = 0
    for email, role, districts in DEMO_USERS:
        if find_user(session, email) is None and set(districts) <= codes:
            add_user(session, email, role, districts=districts, password=DEMO_PASSWORD, actor="demo", is_demo=True)
            added += 1
    return added


def from_identity_provider(session: Session, issuer: str, subject: str, email: str | None, name: str | None,
                           role: str | None, districts: tuple[str, ...]) -> User:
    """The user the city's identity provider vouches for, created or brought up to date from its claims (role and
    districts follow the provider at every sign-in). Refuses a person without a role or an email."""
    if role not in ROLES:
        raise ProblemError(403, "no-role", "No role in Riskkarta",
                           "The identity provider gives this person no Riskkarta role; ask for one.")
    email = (email or "").strip().lower()
    if not EMAIL.match(email):
        raise ProblemError(403, "no-email", "No email", "The identity provider gives no email address.")
    known = set(session.execute(text("SELECT code FROM district WHERE code = ANY(:c)"), {"c": list(districts)})
                .scalars())
    codes = tuple(sorted(c for c in districts if c in known)) if role == "committee" else ()
    if role == "committee" and not codes:
        raise ProblemError(403, "no-district", "No district",
                           "The identity provider makes this person a committee member of no district here.")
    row = session.execute(text("SELECT id FROM app_user WHERE (oidc_issuer = :i AND oidc_subject = :s) OR email = :e "
                               "ORDER BY (oidc_subject = :s) DESC NULLS LAST LIMIT 1"),
                          {"i": issuer, "s": subject, "e": email}).first()
    before = get_user(session, row[0]).public() if row else None
    if row is None:
        user_id = session.execute(text(
            "INSERT INTO app_user (email, name, role, oidc_issuer, oidc_subject) VALUES (:e, :n, :r, :i, :s) "
            "RETURNING id"), {"e": email, "n": name, "r": role, "i": issuer, "s": subject}).scalar_one()
    else:
        user_id = row[0]
        session.execute(text("UPDATE app_user SET email = :e, name = :n, role = :r, oidc_issuer = :i, "
                             "oidc_subject = :s, last_sign_in_at = now() WHERE id = :id"),
                        {"e": email, "n": name, "r": role, "i": issuer, "s": subject, "id": user_id})
        session.execute(text("DELETE FROM district_membership WHERE user_id = :u"), {"u": user_id})
    for district_id in _district_ids(session, codes):
        session.execute(text("INSERT INTO district_membership (user_id, district_id) VALUES (:u, :d)"),
                        {"u": user_id, "d": district_id})
    user = get_user(session, user_id)
    if not user.active:
        raise ProblemError(403, "inactive", "Account inactive", "This account is switched off in Riskkarta.")
    audit.record(session, email, "sign-in-oidc", "user", user_id, before, user.public())
    return user
