"""The SQL store of accounts, display tokens, sign-in failures and the audit log.

SQLAlchemy Core on SQLite (`BRAIN_DATA_DIR/store.db`, the default) or PostgreSQL
(`BRAIN_STORE_URL`). The schema is built by the alembic environment in `migrations/security/`
with a version table of its own (`alembic_version_security`), so other stores can keep their own
migrations in the same database. Every time is passed in by the caller (the app's clock).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from migrations import HERE, upgrade

__all__ = [
    "MIGRATIONS",
    "VERSION_TABLE",
    "AuditEntry",
    "Store",
    "TokenRow",
    "UserRow",
    "metadata",
]

MIGRATIONS: Final = HERE / "security"
VERSION_TABLE: Final = "alembic_version_security"

metadata = sa.MetaData()

users = sa.Table(
    "security_users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(128), nullable=False, server_default=""),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False, server_default=""),
    sa.Column("source", sa.String(16), nullable=False, server_default="local"),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("must_change", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("session_version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

tokens = sa.Table(
    "security_display_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
)

failures = sa.Table(
    "security_login_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

audit = sa.Table(
    "security_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("target", sa.String(128), nullable=False, server_default=""),
    sa.Column("address", sa.String(64), nullable=False, server_default=""),
    sa.Column("detail", sa.String(255), nullable=False, server_default=""),
)


@dataclass(frozen=True)
class UserRow:
    id: int
    name: str
    display_name: str
    role: str
    password_hash: str
    source: str
    disabled: bool
    must_change: bool
    session_version: int
    created_at: datetime

    def __repr__(self) -> str:  # the hash stays out of logs
        return f"UserRow(id={self.id}, name={self.name!r}, role={self.role!r})"


@dataclass(frozen=True)
class TokenRow:
    id: int
    name: str
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    address: str
    detail: str


def _utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: they were written in UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"a time of the store must carry its time zone: {value!r}")
    return value.astimezone(UTC)


_MIGRATION_LOCK: Final = 4_415_017  # PostgreSQL advisory lock id while migrating


class Store:
    """The security tables of one database. `migrate()` brings the schema to the newest version."""

    def __init__(self, url: str) -> None:
        url = _sqlalchemy_url(url)
        self.url = url
        kwargs: dict[str, Any] = {"future": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = sa.create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self._migrated = threading.Event()

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"

    def migrate(self) -> None:
        """Create or upgrade the schema (alembic, version table `alembic_version_security`)."""
        if self._migrated.is_set():
            return
        if self.url.startswith("sqlite:///"):
            Path(self.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        upgrade(self.engine, "security", _MIGRATION_LOCK)
        self._migrated.set()

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    # users -------------------------------------------------------------------------------

    def user_count(self) -> int:
        with self._tx() as c:
            return int(c.execute(sa.select(sa.func.count()).select_from(users)).scalar_one())

    def add_user(
        self,
        name: str,
        role: str,
        password_hash: str,
        *,
        now: datetime,
        display_name: str = "",
        must_change: bool = False,
        source: str = "local",
    ) -> UserRow:
        with self._tx() as c:
            if c.execute(sa.select(users.c.id).where(users.c.name == name)).first():
                raise ValueError(f"an account named {name!r} exists already")
            c.execute(
                users.insert().values(
                    name=name,
                    role=role,
                    password_hash=password_hash,
                    display_name=display_name,
                    must_change=must_change,
                    source=source,
                    created_at=_aware(now),
                )
            )
        row = self.user(name)
        assert row is not None
        return row

    def user(self, name: str) -> UserRow | None:
        with self._tx() as c:
            r = c.execute(sa.select(users).where(users.c.name == name)).mappings().first()
        return _user(r) if r else None

    def user_by_id(self, user_id: int) -> UserRow | None:
        with self._tx() as c:
            r = c.execute(sa.select(users).where(users.c.id == user_id)).mappings().first()
        return _user(r) if r else None

    def users(self) -> list[UserRow]:
        with self._tx() as c:
            rows = c.execute(sa.select(users).order_by(users.c.name)).mappings().all()
        return [_user(r) for r in rows]

    def update_user(self, name: str, *, end_sessions: bool = False, **values: Any) -> UserRow:
        """Change columns of the account `name`; `end_sessions` invalidates its sessions."""
        allowed = {"role", "password_hash", "disabled", "must_change", "display_name"}
        if set(values) - allowed:
            raise ValueError(f"not a column that may change: {sorted(set(values) - allowed)}")
        stmt = users.update().where(users.c.name == name).values(**values)
        if end_sessions:
            stmt = stmt.values(session_version=users.c.session_version + 1)
        with self._tx() as c:
            if c.execute(stmt).rowcount != 1:
                raise LookupError(f"no account named {name!r}")
        row = self.user(name)
        assert row is not None
        return row

    # display tokens ----------------------------------------------------------------------

    def add_token(self, name: str, token_hash: str, *, now: datetime) -> TokenRow:
        with self._tx() as c:
            if c.execute(sa.select(tokens.c.id).where(tokens.c.name == name)).first():
                raise ValueError(f"a display token named {name!r} exists already")
            c.execute(
                tokens.insert().values(name=name, token_hash=token_hash, created_at=_aware(now))
            )
        found = [t for t in self.tokens() if t.name == name]
        return found[0]

    def token_by_hash(self, token_hash: str) -> TokenRow | None:
        with self._tx() as c:
            r = (
                c.execute(sa.select(tokens).where(tokens.c.token_hash == token_hash))
                .mappings()
                .first()
            )
        return _token(r) if r else None

    def token_by_id(self, token_id: int) -> TokenRow | None:
        with self._tx() as c:
            r = c.execute(sa.select(tokens).where(tokens.c.id == token_id)).mappings().first()
        return _token(r) if r else None

    def tokens(self) -> list[TokenRow]:
        with self._tx() as c:
            rows = c.execute(sa.select(tokens).order_by(tokens.c.name)).mappings().all()
        return [_token(r) for r in rows]

    def revoke_token(self, name: str, *, now: datetime) -> TokenRow:
        with self._tx() as c:
            done = c.execute(
                tokens.update()
                .where(tokens.c.name == name, tokens.c.revoked_at.is_(None))
                .values(revoked_at=_aware(now))
            ).rowcount
        row = next((t for t in self.tokens() if t.name == name), None)
        if row is None:
            raise LookupError(f"no display token named {name!r}")
        if not done:
            raise ValueError(f"the display token {name!r} was revoked already")
        return row

    # sign-in failures --------------------------------------------------------------------

    def add_failure(self, keys: Sequence[str], *, now: datetime) -> None:
        with self._tx() as c:
            c.execute(failures.insert(), [{"key": k, "at": _aware(now)} for k in keys])

    def failure_count(self, key: str, *, since: datetime) -> int:
        with self._tx() as c:
            q = sa.select(sa.func.count()).where(
                failures.c.key == key, failures.c.at >= _aware(since)
            )
            return int(c.execute(q).scalar_one())

    def clear_failures(self, key: str) -> None:
        with self._tx() as c:
            c.execute(failures.delete().where(failures.c.key == key))

    def prune_failures(self, *, before: datetime) -> None:
        with self._tx() as c:
            c.execute(failures.delete().where(failures.c.at < _aware(before)))

    # audit log (append-only: there is no update or delete) -------------------------------

    def log(
        self,
        actor: str,
        action: str,
        *,
        now: datetime,
        target: str = "",
        address: str = "",
        detail: str = "",
    ) -> None:
        with self._tx() as c:
            c.execute(
                audit.insert().values(
                    at=_aware(now),
                    actor=actor[:64],
                    action=action[:32],
                    target=target[:128],
                    address=address[:64],
                    detail=detail[:255],
                )
            )

    def audit(self, limit: int = 200) -> list[AuditEntry]:
        with self._tx() as c:
            rows = c.execute(sa.select(audit).order_by(audit.c.id.desc()).limit(limit)).mappings()
            return [
                AuditEntry(
                    id=r["id"],
                    at=_utc(r["at"]) or r["at"],
                    actor=r["actor"],
                    action=r["action"],
                    target=r["target"],
                    address=r["address"],
                    detail=r["detail"],
                )
                for r in rows
            ]


def _sqlalchemy_url(url: str) -> str:
    """`postgresql://…` (the form of BRAIN_STORE_URL) with the installed driver, psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _user(r: Any) -> UserRow:
    return UserRow(
        id=int(r["id"]),
        name=r["name"],
        display_name=r["display_name"],
        role=r["role"],
        password_hash=r["password_hash"],
        source=r["source"],
        disabled=bool(r["disabled"]),
        must_change=bool(r["must_change"]),
        session_version=int(r["session_version"]),
        created_at=_utc(r["created_at"]) or r["created_at"],
    )


def _token(r: Any) -> TokenRow:
    return TokenRow(
        id=int(r["id"]),
        name=r["name"],
        created_at=_utc(r["created_at"]) or r["created_at"],
        revoked_at=_utc(r["revoked_at"]),
    )
