"""Tables of the alert store (the migrations in migrations/alerts create them) and the database
engine: SQLite in WAL mode with synchronous=FULL and immediate transactions, or PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect, Engine

from migrations import HERE, upgrade

__all__ = ["MIGRATIONS", "UTCTime", "connect", "migrate", "tables"]

MIGRATIONS = HERE / "alerts"
_MIGRATION_LOCK = 4_415_015  # PostgreSQL advisory lock id while migrating (issue 15)
# a writer waits this long for another one's lock (SQLite), a connection for the server
# (PostgreSQL), before the store says it is unavailable (issue 16: an error, not a hang)
BUSY_TIMEOUT_S = 5.0
CONNECT_TIMEOUT_S = 5


class UTCTime(sa.types.TypeDecorator[datetime]):
    """An aware datetime stored in UTC (naive in SQLite, timestamptz in PostgreSQL); a naive
    datetime is refused, so no local time can slip in."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give a time zone (UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


meta = sa.MetaData()
_t = UTCTime


def _time(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, _t(), nullable=nullable)


alert = sa.Table(
    "alert_alert",
    meta,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("rule", sa.String(100), nullable=False),
    sa.Column("domain", sa.String(16), nullable=False),
    sa.Column("severity", sa.String(4), nullable=False),
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("handling", sa.String(12), nullable=False),
    sa.Column("group_key", sa.String(400), nullable=False),
    sa.Column("active_key", sa.String(520), nullable=True, unique=True),
    sa.Column("district", sa.String(12)),
    sa.Column("entity", sa.String(200)),
    sa.Column("lon", sa.Float),
    sa.Column("lat", sa.Float),
    sa.Column("message_zh", sa.Text, nullable=False),
    sa.Column("message_en", sa.Text, nullable=False),
    _time("first_seen"),
    _time("last_change"),
    _time("fired_at", True),
    _time("resolved_at", True),
    sa.Column("assignee", sa.String(200)),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("silenced", sa.Boolean, nullable=False),
    _time("pushed_until", True),
    _time("pushed_at", True),
    sa.Column("pushed_by", sa.String(200)),
    _time("escalated_at", True),
)
action = sa.Table(
    "alert_action",
    meta,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("alert_id", sa.String(32), sa.ForeignKey("alert_alert.id"), nullable=False),
    sa.Column("step", sa.String(16), nullable=False),
    sa.Column("who", sa.String(200), nullable=False),
    _time("at"),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("assignee", sa.String(200)),
    sa.Column("version", sa.Integer, nullable=False),
)
silence = sa.Table(
    "alert_silence",
    meta,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(12), nullable=False),
    sa.Column("matchers", sa.Text, nullable=False),
    _time("starts_at"),
    _time("ends_at"),
    sa.Column("who", sa.String(200), nullable=False),
    _time("created_at"),
    sa.Column("comment", sa.Text, nullable=False),
)
lease = sa.Table(
    "alert_lease",
    meta,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("holder", sa.String(200), nullable=False),
    _time("acquired_at"),
    _time("expires_at"),
)
notification = sa.Table(
    "alert_notification",
    meta,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("alert_id", sa.String(32), nullable=False),
    sa.Column("event", sa.String(12), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    _time("at"),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("status", sa.Integer),
    sa.Column("error", sa.Text, nullable=False),
)
handover = sa.Table(
    "alert_handover",
    meta,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("written_by", sa.String(200), nullable=False),
    _time("written_at"),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("signed_by", sa.String(200)),
    _time("signed_at", True),
    sa.Column("version", sa.Integer, nullable=False),
)
tables = meta


def _sqlalchemy_url(url: str) -> str:
    """`postgresql://…` through psycopg 3 (the driver this project installs)."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


def connect(
    url: str, *, busy_timeout_s: float = BUSY_TIMEOUT_S, connect_timeout_s: int = CONNECT_TIMEOUT_S
) -> Engine:
    """An engine for the store at `url`. SQLite: WAL journal, synchronous=FULL (a committed
    action survives kill -9 and power loss), a busy timeout of `busy_timeout_s` (writers queue
    that long behind another one, then fail: a lock held longer is an error, not a hang), and
    every transaction BEGIN IMMEDIATE so that concurrent writers queue instead of failing on
    upgrade. PostgreSQL: a server that does not answer within `connect_timeout_s` is an error,
    and so is a lock waited for longer than `busy_timeout_s`."""
    url = _sqlalchemy_url(url)
    if not url.startswith("sqlite"):
        pg = sa.create_engine(
            url, pool_pre_ping=True, connect_args={"connect_timeout": connect_timeout_s}
        )

        @sa.event.listens_for(pg, "connect")
        def _lock_timeout(dbapi_con: Any, _record: Any) -> None:
            # a row or advisory lock held by another session longer than this is an error
            # (lock_not_available), as the busy timeout is on SQLite
            dbapi_con.execute(f"SET lock_timeout = {int(busy_timeout_s * 1000)}")
            dbapi_con.commit()

        return pg
    path = sa.make_url(url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url, connect_args={"timeout": busy_timeout_s, "check_same_thread": False}
    )

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_con: Any, _record: Any) -> None:
        dbapi_con.isolation_level = None  # we say BEGIN ourselves
        cur = dbapi_con.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def migrate(engine: Engine) -> None:
    """`alembic upgrade head` on `engine`, one process at a time (`migrations.upgrade`; SQLite
    also through the store's immediate transactions), so workers starting together do not race."""
    upgrade(engine, "alerts", _MIGRATION_LOCK)
