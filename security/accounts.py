"""Accounts, display tokens and sign-in throttling over the store, with an audit entry for each
change. Passwords are argon2id hashes (argon2-cffi); display tokens are 256-bit random strings
of which only the SHA-256 is kept. Every method takes the time from its caller.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from security.store import Store, TokenRow, UserRow

__all__ = [
    "MIN_PASSWORD",
    "WINDOW",
    "Accounts",
    "SignInError",
    "SignInFailure",
    "hash_token",
    "new_password",
    "open_accounts",
]

WINDOW: Final = timedelta(minutes=15)  # sign-in failures are counted over this window
MIN_PASSWORD: Final = 10
NAME: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
ROLES: Final = ("leader", "duty", "analyst", "admin", "display")
# argon2id as OWASP's password storage sheet sets it: 19 MiB, 2 passes, 1 lane. One lane keeps a
# sign-in on one core (argon2-cffi's default, 64 MiB over 4 lanes, takes every core of a small
# server for a fifth of a second, and a shift's sign-ins queue the wall's refreshes behind it).
# Hashes made with other parameters are rehashed at their next sign-in.
_HASHER: Final = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_DUMMY: Final = _HASHER.hash("not a password of anybody")


class SignInFailure(StrEnum):
    BAD = "bad"  # unknown account or wrong password (never told apart)
    THROTTLED = "throttled"
    DISABLED = "disabled"


@dataclass
class SignInError(Exception):
    reason: SignInFailure

    def __str__(self) -> str:
        return f"sign-in refused: {self.reason}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_password() -> str:
    """A one-time password (16 characters, about 95 bits)."""
    return secrets.token_urlsafe(12)


def _check_name(name: str) -> str:
    if not NAME.match(name):
        raise ValueError(
            f"an account or display name is 2-64 letters, digits or . _ @ - : {name!r} is not"
        )
    return name


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    return role


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password has at least {MIN_PASSWORD} characters")
    return password


class Accounts:
    """What the sign-in pages, the admin page and the command line do with accounts."""

    def __init__(self, store: Store, *, max_failures: int = 5) -> None:
        if max_failures < 1:
            raise ValueError("BRAIN_LOGIN_MAX_FAILURES must be at least 1")
        self.store = store
        self.max_failures = max_failures

    # accounts ----------------------------------------------------------------------------

    def create_user(
        self,
        name: str,
        role: str,
        password: str,
        *,
        now: datetime,
        actor: str,
        must_change: bool = False,
        display_name: str = "",
        address: str = "",
    ) -> UserRow:
        if role == "display":
            raise ValueError("wall displays sign in with a display token, not an account")
        row = self.store.add_user(
            _check_name(name),
            _check_role(role),
            _HASHER.hash(_check_password(password)),
            now=now,
            display_name=display_name[:128],
            must_change=must_change,
        )
        self.store.log(actor, "user.create", now=now, target=name, address=address, detail=role)
        return row

    def authenticate(self, name: str, password: str, *, address: str, now: datetime) -> UserRow:
        """The account `name` when `password` is its password; SignInError otherwise. After
        `max_failures` failures within WINDOW for the account or for the address, every try is
        refused (even with the right password) until the window has passed."""
        keys = [f"user:{name.lower()[:64]}", f"addr:{address[:64]}"]
        since = now - WINDOW
        if any(self.store.failure_count(k, since=since) >= self.max_failures for k in keys):
            self.store.log(name[:64], "signin.throttled", now=now, address=address)
            raise SignInError(SignInFailure.THROTTLED)
        row = self.store.user(name)
        if row is None or row.source != "local" or not row.password_hash:
            _verify(_DUMMY, password)  # same work whether or not the account exists
            ok = False
        else:
            ok = _verify(row.password_hash, password)
        if not ok:
            self.store.add_failure(keys, now=now)
            self.store.log(name[:64], "signin.failure", now=now, address=address)
            raise SignInError(SignInFailure.BAD)
        assert row is not None
        if row.disabled:
            self.store.log(name, "signin.disabled", now=now, address=address)
            raise SignInError(SignInFailure.DISABLED)
        self.store.clear_failures(keys[0])
        self.store.prune_failures(before=since)
        if _HASHER.check_needs_rehash(row.password_hash):
            row = self.store.update_user(name, password_hash=_HASHER.hash(password))
        self.store.log(name, "signin", now=now, address=address)
        return row

    def change_password(
        self, name: str, old: str, new: str, *, now: datetime, address: str = ""
    ) -> UserRow:
        row = self.store.user(name)
        if row is None or not _verify(row.password_hash, old):
            self.store.log(name, "password.failure", now=now, address=address)
            raise SignInError(SignInFailure.BAD)
        if new == old:
            raise ValueError("the new password must differ from the old one")
        row = self.store.update_user(
            name,
            password_hash=_HASHER.hash(_check_password(new)),
            must_change=False,
            end_sessions=True,
        )
        self.store.log(name, "password.change", now=now, target=name, address=address)
        return row

    def reset_password(self, name: str, *, now: datetime, actor: str, address: str = "") -> str:
        """A new one-time password for `name` (to be changed at the next sign-in)."""
        password = new_password()
        self.store.update_user(
            name, password_hash=_HASHER.hash(password), must_change=True, end_sessions=True
        )
        self.store.log(actor, "password.reset", now=now, target=name, address=address)
        return password

    def set_role(
        self, name: str, role: str, *, now: datetime, actor: str, address: str = ""
    ) -> UserRow:
        if _check_role(role) == "display":
            raise ValueError("wall displays sign in with a display token, not an account")
        row = self.store.update_user(name, role=role, end_sessions=True)
        self.store.log(actor, "user.set-role", now=now, target=name, address=address, detail=role)
        return row

    def set_disabled(
        self, name: str, disabled: bool, *, now: datetime, actor: str, address: str = ""
    ) -> UserRow:
        if disabled and name == actor:
            raise ValueError("an administrator cannot disable their own account")
        row = self.store.update_user(name, disabled=disabled, end_sessions=True)
        action = "user.disable" if disabled else "user.enable"
        self.store.log(actor, action, now=now, target=name, address=address)
        return row

    def oidc_user(
        self, name: str, role: str, *, display_name: str, now: datetime, address: str = ""
    ) -> UserRow:
        """The account of a person the identity service signed in: created at the first
        sign-in (source `oidc`, no password), its role following the claim every time."""
        row = self.store.user(name)
        if row is None:
            row = self.store.add_user(
                _check_name(name),
                _check_role(role),
                "",
                now=now,
                display_name=display_name[:128],
                source="oidc",
            )
            self.store.log("oidc", "user.create", now=now, target=name, detail=role)
        elif row.source != "oidc":
            raise ValueError(f"a local account named {name!r} exists: not signed in by OIDC")
        elif row.role != role:
            row = self.store.update_user(name, role=role, end_sessions=True)
            self.store.log("oidc", "user.set-role", now=now, target=name, detail=role)
        if row.disabled:
            self.store.log(name, "signin.disabled", now=now, address=address)
            raise ValueError(f"the account {name!r} is disabled")
        self.store.log(name, "signin.oidc", now=now, address=address)
        return row

    def bootstrap_admin(self, *, now: datetime, name: str = "admin") -> str | None:
        """When the store holds no account: an admin `name` with a one-time password (returned,
        to be printed once and changed at the first sign-in). None when accounts exist."""
        if self.store.user_count():
            return None
        password = new_password()
        self.create_user(name, "admin", password, now=now, actor="system", must_change=True)
        return password

    # display tokens ----------------------------------------------------------------------

    def create_token(self, name: str, *, now: datetime, actor: str, address: str = "") -> str:
        """A new display token (returned once; only its hash is stored)."""
        token = secrets.token_urlsafe(32)
        self.store.add_token(_check_name(name), hash_token(token), now=now)
        self.store.log(actor, "token.create", now=now, target=name, address=address)
        return token

    def revoke_token(self, name: str, *, now: datetime, actor: str, address: str = "") -> TokenRow:
        row = self.store.revoke_token(name, now=now)
        self.store.log(actor, "token.revoke", now=now, target=name, address=address)
        return row

    def display_for(self, token: str) -> TokenRow | None:
        """The active display token `token`, or None (unknown or revoked)."""
        if not token or len(token) > 200:
            return None
        row = self.store.token_by_hash(hash_token(token))
        return row if row is not None and row.active else None


def _verify(password_hash: str, password: str) -> bool:
    try:
        return bool(_HASHER.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def open_accounts(store_url: str, *, max_failures: int = 5) -> Accounts:
    """The accounts of the store at `store_url` (a SQLAlchemy URL), its schema up to date."""
    store = Store(store_url)
    store.migrate()
    return Accounts(store, max_failures=max_failures)
