"""The alert store: alerts with their engine state and their handling by people, the append-only
audit of every step, pushes to the wall, shift handovers, silences and maintenance windows, the
evaluator's lease and the record of notification attempts.

SQLite (`BRAIN_DATA_DIR/store.db`) by default, PostgreSQL when `BRAIN_STORE_URL` says so; the
schema is migrated by alembic when a store opens. Every change is one transaction that bumps
the alert's `version` and appends its action, so the audit never disagrees with the alerts, and
an officer acting on a version someone else already changed gets `Conflict` instead of a
silent overwrite. The engine writes the `state` (pending → firing → resolved); people write the
`handling` (new → acknowledged → assigned → disposing → closed).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa

from alerts import schema
from alerts.schema import action as _action
from alerts.schema import alert as _alert
from alerts.schema import handover as _handover
from alerts.schema import lease as _lease
from alerts.schema import notification as _notification
from alerts.schema import silence as _silence
from brain.rules import SEVERITIES

__all__ = [
    "ENGINE",
    "HANDLING",
    "LOUD_SEVERITIES",
    "SEVERITIES",
    "SOP_STEP",
    "STATES",
    "STEPS",
    "Action",
    "Alert",
    "AlertStore",
    "Conflict",
    "Handover",
    "NewAlert",
    "Notification",
    "Silence",
    "StoreUnavailable",
    "allowed_steps",
]

STATES = ("pending", "firing", "resolved")
HANDLING = ("new", "acknowledged", "assigned", "disposing", "closed")
STEPS = ("acknowledge", "assign", "dispose", "close", "note", "push", "release")
ENGINE = "engine"  # `who` of the engine's own steps in the audit
# engine steps in the audit (who = ENGINE): raise (pending), fire, resolve, escalate (a firing
# alert's severity rose; the note says from what to what), update (any other change of severity
# or words while live), expire (pending that ended before its for-duration: closed)
ENGINE_STEPS = ("raise", "fire", "resolve", "escalate", "update", "expire")
# 红 and 橙: the console sounds and flashes an alert of these while nobody has acknowledged it;
# one acknowledged that escalates into them is to be acknowledged again (handling back to new)
LOUD_SEVERITIES = ("I", "II")
# a step of the alert's SOP checklist ticked off (the action's note: the step id); the alert and
# its version are left as they are, so a tick never makes another officer's step a conflict
SOP_STEP = "sop"

# step → (handling states it may be taken from, handling after it; None: unchanged)
_FLOW: Mapping[str, tuple[frozenset[str], str | None]] = {
    "acknowledge": (frozenset({"new"}), "acknowledged"),
    "assign": (frozenset({"new", "acknowledged", "assigned", "disposing"}), "assigned"),
    "dispose": (frozenset({"assigned"}), "disposing"),
    "close": (frozenset({"acknowledged", "assigned", "disposing"}), "closed"),
    "note": (frozenset(HANDLING), None),
}


def allowed_steps(handling: str) -> tuple[str, ...]:
    """The handling steps `act` takes from `handling` (what a console may offer), in order."""
    return tuple(step for step, (allowed, _) in _FLOW.items() if handling in allowed)


class Conflict(Exception):
    """Someone (another officer or the engine) changed the alert first; `current` is the alert
    as it is now, to show the officer before they try again."""

    def __init__(self, current: Alert) -> None:
        super().__init__(
            f"alert {current.id} was changed by someone else (now version {current.version}, "
            f"handling {current.handling})"
        )
        self.current = current


class StoreUnavailable(Exception):
    """The store cannot take the step now, and nothing of it was written (its transaction rolled
    back). `cause`: "locked" (another process held the SQLite database past the busy timeout),
    "full" (no space left: the disk, or the database's size limit), "unreachable" (the server
    did not answer within the connect timeout, or the connection broke) or "failed" (another
    I/O or read-only error). Trying the same step again once the cause is gone is safe: had a
    broken connection taken a commit after all, the version guard makes the retry a
    `Conflict`, never a second record."""

    CAUSES = ("locked", "full", "unreachable", "failed")

    def __init__(self, cause: str, detail: str) -> None:
        what = {
            "locked": "the alert store is locked by another process",
            "full": "the alert store is full (no space left)",
            "unreachable": "the alert store cannot be reached",
            "failed": "the alert store failed",
        }[cause]
        super().__init__(f"{what}: {detail}; nothing was written, try again")
        self.cause = cause
        self.detail = detail


# SQLite's primary result codes, and PostgreSQL's SQLSTATEs, of a store that cannot write now
_SQLITE_CAUSES = {5: "locked", 6: "locked", 13: "full", 8: "failed", 10: "failed", 14: "failed"}
_PG_CAUSES = {"53100": "full", "55P03": "locked", "57P01": "unreachable", "57P03": "unreachable"}


def _unavailable(ctx: sa.engine.ExceptionContext) -> None:
    """`handle_error` hook: a driver error that means "the store cannot write now" becomes
    `StoreUnavailable` (after SQLAlchemy's own clean-up: rollback, invalidation)."""
    exc = ctx.original_exception
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    cause: str | None = None
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        cause = _SQLITE_CAUSES.get(code & 0xFF)
    elif ctx.dialect.name == "postgresql":
        state = getattr(exc, "sqlstate", None)
        cause = _PG_CAUSES.get(state or "")
        if cause is None and (ctx.is_disconnect or (state or "").startswith("08")):
            cause = "unreachable"
        dbapi = getattr(ctx.dialect, "loaded_dbapi", None)
        failed = getattr(dbapi, "OperationalError", ())
        if cause is None and state is None and isinstance(exc, failed):
            cause = "unreachable"  # psycopg: no connection at all (refused, timed out)
    if cause is not None:
        raise StoreUnavailable(cause, detail) from exc


@dataclass(frozen=True)
class Alert:
    id: str
    rule: str
    domain: str
    severity: str  # "I".."IV"
    state: str  # pending | firing | resolved (the engine's)
    handling: str  # new | acknowledged | assigned | disposing | closed (people's)
    district: str | None  # adcode
    entity: str | None
    lon: float | None
    lat: float | None
    message_zh: str
    message_en: str
    first_seen: datetime
    last_change: datetime
    assignee: str | None
    version: int
    pushed_until: datetime | None
    group_key: str = ""
    fired_at: datetime | None = None
    resolved_at: datetime | None = None
    silenced: bool = False  # matched a silence when it fired: not notified
    pushed_at: datetime | None = None
    pushed_by: str | None = None
    escalated_at: datetime | None = None  # the last time its severity rose while firing

    @property
    def open(self) -> bool:
        """Still to be handled: not closed."""
        return self.handling != "closed"

    def message(self, lang: str) -> str:
        return self.message_en if lang == "en" else self.message_zh


@dataclass(frozen=True)
class Action:
    alert_id: str
    step: str  # one of STEPS, or ENGINE_STEPS by who == ENGINE
    who: str
    at: datetime
    note: str
    assignee: str | None
    version: int = 0  # the alert's version after this step
    seq: int = 0  # order in the audit


@dataclass(frozen=True)
class Handover:
    id: str
    written_by: str
    written_at: datetime
    summary: str  # the open items, as the outgoing officer wrote them
    signed_by: str | None
    signed_at: datetime | None
    version: int


@dataclass(frozen=True)
class Silence:
    """A silence (alerts still raised and listed, not notified) or a maintenance window (the
    matching rules are not evaluated at all) from `starts_at` until `ends_at`. `matchers`: label
    → value, all equal (labels: rule, domain, severity, district, entity, group)."""

    id: str
    kind: str  # "silence" | "maintenance"
    matchers: Mapping[str, str]
    starts_at: datetime
    ends_at: datetime
    who: str
    created_at: datetime
    comment: str = ""

    def active(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at

    def matches(self, labels: Mapping[str, str | None]) -> bool:
        return all(labels.get(k) == v for k, v in self.matchers.items())


@dataclass(frozen=True)
class Notification:
    alert_id: str
    event: str  # firing | escalated | resolved
    url: str
    attempt: int
    at: datetime
    ok: bool
    status: int | None
    error: str
    seq: int = 0


@dataclass(frozen=True)
class NewAlert:
    """What the engine knows of an alert it raises."""

    rule: str
    domain: str
    severity: str
    group_key: str
    district: str | None
    entity: str | None
    lon: float | None
    lat: float | None
    message_zh: str
    message_en: str
    firing: bool = False  # a rule with no for-duration fires at once
    silenced: bool = False
    labels: Mapping[str, str] = field(default_factory=dict)


class _HasStoreUrl(Protocol):
    @property
    def store_database_url(self) -> str: ...


def _aware(*times: datetime | None) -> None:
    for t in times:
        if t is not None and t.tzinfo is None:
            raise ValueError(f"naive datetime {t!r}: give a time zone (UTC)")


def _check_severity(severity: str) -> None:
    if severity not in SEVERITIES:
        raise ValueError(f"severity {severity!r}: one of {', '.join(SEVERITIES)}")


def _to_alert(row: sa.Row[Any]) -> Alert:
    m = row._mapping
    return Alert(**{k: m[k] for k in _ALERT_FIELDS})


_ALERT_FIELDS = tuple(Alert.__dataclass_fields__)


def _to_action(row: sa.Row[Any]) -> Action:
    m = row._mapping
    return Action(
        m["alert_id"],
        m["step"],
        m["who"],
        m["at"],
        m["note"],
        m["assignee"],
        m["version"],
        m["seq"],
    )


def _to_handover(row: sa.Row[Any]) -> Handover:
    return Handover(**{k: row._mapping[k] for k in Handover.__dataclass_fields__})


_shared: dict[str, AlertStore] = {}
_shared_lock = threading.Lock()


class AlertStore:
    """The alert store at a SQLAlchemy URL (`sqlite:///path` or `postgresql://…`)."""

    def __init__(self, url: str, *, busy_timeout_s: float = schema.BUSY_TIMEOUT_S) -> None:
        self.url = url
        self.engine = schema.connect(url, busy_timeout_s=busy_timeout_s)
        sa.event.listen(self.engine, "handle_error", _unavailable)  # before the first connect
        schema.migrate(self.engine)

    @classmethod
    def for_settings(cls, settings: _HasStoreUrl) -> AlertStore:
        return cls(settings.store_database_url)

    @classmethod
    def shared(cls, url: str) -> AlertStore:
        """The alert store at `url` of this process, opened (and migrated) once: what a web
        process's engine, console, wall and probes all read and write through."""
        with _shared_lock:
            found = _shared.get(url)
            if found is None:
                found = _shared[url] = cls(url)
            return found

    def close(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"AlertStore({self.engine.url.render_as_string(hide_password=True)!r})"

    # ── reading ─────────────────────────────────────────────────────────────────────────
    def alerts(
        self,
        *,
        domain: str | None = None,
        severity: str | None = None,
        state: str | None = None,
        handling: str | None = None,
        district: str | None = None,
        open_only: bool = False,
    ) -> list[Alert]:
        """Alerts matching every filter given, newest first (by last change). `open_only`:
        those not closed."""
        q = sa.select(_alert)
        for column, value in (
            ("domain", domain),
            ("severity", severity),
            ("state", state),
            ("handling", handling),
            ("district", district),
        ):
            if value is not None:
                q = q.where(_alert.c[column] == value)
        if open_only:
            q = q.where(_alert.c.handling != "closed")
        q = q.order_by(_alert.c.last_change.desc(), _alert.c.first_seen.desc(), _alert.c.id)
        with self.engine.connect() as conn:
            return [_to_alert(r) for r in conn.execute(q)]

    def has_alerts(self) -> bool:
        """True when any alert was ever written (closed ones too)."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(_alert.c.id).limit(1)).first() is not None

    def get(self, alert_id: str) -> Alert:
        """The alert with this id; KeyError when there is none."""
        with self.engine.connect() as conn:
            return self._get(conn, alert_id)

    @staticmethod
    def _get(conn: sa.Connection, alert_id: str) -> Alert:
        row = conn.execute(sa.select(_alert).where(_alert.c.id == alert_id)).first()
        if row is None:
            raise KeyError(f"no alert {alert_id!r}")
        return _to_alert(row)

    def live(self) -> dict[tuple[str, str], Alert]:
        """The pending and firing alerts by (rule, group key): what the engine deduplicates on."""
        q = sa.select(_alert).where(_alert.c.active_key.is_not(None))
        with self.engine.connect() as conn:
            return {(a.rule, a.group_key): a for a in map(_to_alert, conn.execute(q))}

    def history(self, alert_id: str) -> list[Action]:
        """Every step taken on one alert, oldest first (the engine's too, by `ENGINE`)."""
        q = sa.select(_action).where(_action.c.alert_id == alert_id).order_by(_action.c.seq)
        with self.engine.connect() as conn:
            return [_to_action(r) for r in conn.execute(q)]

    def audit(self, since: datetime | None = None) -> list[Action]:
        """The whole append-only audit, oldest first; from `since` (inclusive) when given."""
        q = sa.select(_action).order_by(_action.c.seq)
        if since is not None:
            q = q.where(_action.c.at >= since)
        with self.engine.connect() as conn:
            return [_to_action(r) for r in conn.execute(q)]

    # ── people's steps ──────────────────────────────────────────────────────────────────
    def act(
        self,
        alert_id: str,
        step: str,
        *,
        who: str,
        at: datetime,
        version: int,
        note: str = "",
        assignee: str | None = None,
    ) -> Alert:
        """Take a handling step (acknowledge, assign, dispose, close, note) on the alert as seen
        at `version`. Conflict when it has changed since; ValueError for a step not allowed from
        its handling now (or an assign with no assignee)."""
        _aware(at)
        if step in ("push", "release"):
            raise ValueError(f"step {step!r}: use AlertStore.{step}()")
        if step not in _FLOW:
            raise ValueError(f"unknown step {step!r}: one of {', '.join(_FLOW)}")
        if not who:
            raise ValueError("who: the person taking the step is required")
        if step == "assign" and not assignee:
            raise ValueError("assign: name the unit or person (assignee)")
        allowed, after = _FLOW[step]
        with self.engine.begin() as conn:
            current = self._get(conn, alert_id)
            if current.version != version:
                raise Conflict(current)
            if current.handling not in allowed:
                raise ValueError(
                    f"cannot {step} alert {alert_id} while it is {current.handling} "
                    f"(allowed from: {', '.join(sorted(allowed))})"
                )
            values: dict[str, Any] = {"last_change": at}
            if after is not None:
                values["handling"] = after
            if step == "assign":
                values["assignee"] = assignee
            return self._change(conn, current, values, step, who, at, note, assignee)

    def push(
        self, alert_id: str, *, who: str, at: datetime, until: datetime, version: int
    ) -> Alert:
        """Put the alert on the wall until `until` (the wall focuses on it); Conflict when it
        changed since `version`."""
        _aware(at, until)
        if until <= at:
            raise ValueError("push: `until` must be after `at`")
        with self.engine.begin() as conn:
            current = self._get(conn, alert_id)
            if current.version != version:
                raise Conflict(current)
            values = {"pushed_until": until, "pushed_at": at, "pushed_by": who}
            return self._change(conn, current, values, "push", who, at, "", None)

    def release(self, alert_id: str, *, who: str, at: datetime) -> Alert:
        """Take the alert off the wall (the wall returns to its playlist)."""
        _aware(at)
        with self.engine.begin() as conn:
            current = self._get(conn, alert_id)
            values = {"pushed_until": None}
            return self._change(conn, current, values, "release", who, at, "", None)

    def pushed(self, at: datetime) -> Alert | None:
        """The alert the wall must focus on at `at`: the latest pushed whose push has not run
        out or been released."""
        q = (
            sa.select(_alert)
            .where(_alert.c.pushed_until > at, _alert.c.pushed_at <= at)
            .order_by(_alert.c.pushed_at.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        return None if row is None else _to_alert(row)

    def tick_sop(self, alert_id: str, step_id: str, *, who: str, at: datetime) -> Action:
        """Tick off one step of the alert's SOP checklist, kept in its audit (step `SOP_STEP`).
        KeyError for no such alert; ValueError when nobody is named or the step is ticked."""
        _aware(at)
        if not who:
            raise ValueError("who: the person ticking the step is required")
        if not step_id or len(step_id) > 40:
            raise ValueError("step_id: 1 to 40 characters")
        with self.engine.begin() as conn:
            current = self._get(conn, alert_id)
            done = self._sop_ticks(conn, alert_id).get(step_id)
            if done is not None:
                raise ValueError(f"SOP step {step_id!r} already ticked by {done.who} at {done.at}")
            conn.execute(
                sa.insert(_action).values(
                    alert_id=alert_id,
                    step=SOP_STEP,
                    who=who,
                    at=at,
                    note=step_id,
                    assignee=None,
                    version=current.version,
                )
            )
            return self._sop_ticks(conn, alert_id)[step_id]

    def sop_ticks(self, alert_id: str) -> dict[str, Action]:
        """The SOP steps of the alert ticked off: step id → its (first) tick."""
        with self.engine.connect() as conn:
            return self._sop_ticks(conn, alert_id)

    @staticmethod
    def _sop_ticks(conn: sa.Connection, alert_id: str) -> dict[str, Action]:
        q = (
            sa.select(_action)
            .where(_action.c.alert_id == alert_id, _action.c.step == SOP_STEP)
            .order_by(_action.c.seq)
        )
        out: dict[str, Action] = {}
        for row in conn.execute(q):
            out.setdefault(row.note, _to_action(row))
        return out

    def _change(
        self,
        conn: sa.Connection,
        current: Alert,
        values: dict[str, Any],
        step: str,
        who: str,
        at: datetime,
        note: str,
        assignee: str | None,
    ) -> Alert:
        """Apply `values` guarded by the version read, bump it, append the action."""
        version = current.version + 1
        done = conn.execute(
            sa.update(_alert)
            .where(_alert.c.id == current.id, _alert.c.version == current.version)
            .values(**values, version=version)
        )
        if done.rowcount != 1:  # changed between our read and write (PostgreSQL read committed)
            raise Conflict(self._get(conn, current.id))
        conn.execute(
            sa.insert(_action).values(
                alert_id=current.id,
                step=step,
                who=who,
                at=at,
                note=note,
                assignee=assignee,
                version=version,
            )
        )
        return self._get(conn, current.id)

    # ── the engine's writes ─────────────────────────────────────────────────────────────
    def raise_alert(self, new: NewAlert, *, at: datetime) -> Alert:
        """A new live alert (pending, or firing at once) for (rule, group key)."""
        _aware(at)
        _check_severity(new.severity)
        alert_id = uuid.uuid4().hex[:16]
        with self.engine.begin() as conn:
            conn.execute(
                sa.insert(_alert).values(
                    id=alert_id,
                    rule=new.rule,
                    domain=new.domain,
                    severity=new.severity,
                    state="firing" if new.firing else "pending",
                    handling="new",
                    group_key=new.group_key,
                    active_key=f"{new.rule}\x1f{new.group_key}",
                    district=new.district,
                    entity=new.entity,
                    lon=new.lon,
                    lat=new.lat,
                    message_zh=new.message_zh,
                    message_en=new.message_en,
                    first_seen=at,
                    last_change=at,
                    fired_at=at if new.firing else None,
                    resolved_at=None,
                    assignee=None,
                    version=1,
                    silenced=new.silenced,
                )
            )
            step = "fire" if new.firing else "raise"
            conn.execute(
                sa.insert(_action).values(
                    alert_id=alert_id, step=step, who=ENGINE, at=at, note="", version=1
                )
            )
            return self._get(conn, alert_id)

    def engine_step(
        self, alert: Alert, step: str, *, at: datetime, values: Mapping[str, Any] | None = None
    ) -> Alert:
        """The engine moves a live alert: fire, resolve, escalate (a higher severity while
        firing, with its words), update (severity or words) or expire (a pending alert whose
        condition went before its for-duration: resolved and closed). An acknowledged alert
        that escalates to 红 or 橙 (`LOUD_SEVERITIES`) is new again, to be acknowledged at its
        new level; one assigned or in disposal stays with its unit."""
        if step not in ENGINE_STEPS or step == "raise":
            raise ValueError(f"engine step {step!r}")
        _aware(at)
        changes: dict[str, Any] = dict(values or {})
        if "severity" in changes:
            _check_severity(changes["severity"])
        note = ""
        if step == "escalate":
            if "severity" not in changes:
                raise ValueError("escalate: give the new severity")
            changes["escalated_at"] = at
        elif step == "fire":
            changes.update(state="firing", fired_at=at)
        elif step in ("resolve", "expire"):
            changes.update(state="resolved", resolved_at=at, active_key=None)
            if step == "expire":
                changes["handling"] = "closed"
        changes["last_change"] = at
        with self.engine.begin() as conn:
            current = self._get(conn, alert.id)  # officers may have acted since the tick read it
            if step == "escalate":
                note = f"{current.severity} → {changes['severity']}"
            version = current.version + 1
            if step == "escalate" and changes["severity"] in LOUD_SEVERITIES:
                # in the statement itself: an officer's step since the read above is kept
                changes["handling"] = sa.case(
                    (_alert.c.handling == "acknowledged", "new"), else_=_alert.c.handling
                )
            conn.execute(
                sa.update(_alert).where(_alert.c.id == alert.id).values(**changes, version=version)
            )
            conn.execute(
                sa.insert(_action).values(
                    alert_id=alert.id, step=step, who=ENGINE, at=at, note=note, version=version
                )
            )
            return self._get(conn, alert.id)

    # ── silences and maintenance windows ────────────────────────────────────────────────
    def add_silence(
        self,
        *,
        kind: str,
        matchers: Mapping[str, str],
        starts_at: datetime,
        ends_at: datetime,
        who: str,
        at: datetime,
        comment: str = "",
    ) -> Silence:
        _aware(starts_at, ends_at, at)
        if kind not in ("silence", "maintenance"):
            raise ValueError(f"kind {kind!r}: silence or maintenance")
        if ends_at <= starts_at:
            raise ValueError("a silence must end after it starts")
        if not matchers:
            raise ValueError("a silence needs at least one matcher (e.g. domain)")
        known = {"rule", "domain", "severity", "district", "entity", "group"}
        unknown = set(matchers) - known
        if unknown:
            raise ValueError(f"unknown matcher labels {sorted(unknown)}: use {sorted(known)}")
        out = Silence(
            uuid.uuid4().hex[:16], kind, dict(matchers), starts_at, ends_at, who, at, comment
        )
        with self.engine.begin() as conn:
            conn.execute(
                sa.insert(_silence).values(
                    id=out.id,
                    kind=kind,
                    matchers=json.dumps(dict(matchers), ensure_ascii=False, sort_keys=True),
                    starts_at=starts_at,
                    ends_at=ends_at,
                    who=who,
                    created_at=at,
                    comment=comment,
                )
            )
        return out

    def silences(self, at: datetime | None = None) -> list[Silence]:
        """Every silence and maintenance window; those in force at `at` when given."""
        q = sa.select(_silence).order_by(_silence.c.starts_at)
        if at is not None:
            q = q.where(_silence.c.starts_at <= at, _silence.c.ends_at > at)
        with self.engine.connect() as conn:
            return [
                Silence(
                    r.id,
                    r.kind,
                    json.loads(r.matchers),
                    r.starts_at,
                    r.ends_at,
                    r.who,
                    r.created_at,
                    r.comment,
                )
                for r in conn.execute(q)
            ]

    # ── the evaluator's lease ───────────────────────────────────────────────────────────
    def acquire_lease(
        self, holder: str, *, at: datetime, ttl_s: float, name: str = "engine"
    ) -> bool:
        """Take or renew the lease `name` for `holder` until `at + ttl_s`; True when `holder`
        holds it now. Another holder's lease is taken only once it has expired."""
        _aware(at)
        expires = at + timedelta(seconds=ttl_s)
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": 4_415_016})
            row = conn.execute(sa.select(_lease).where(_lease.c.name == name)).first()
            if row is None:
                conn.execute(
                    sa.insert(_lease).values(
                        name=name, holder=holder, acquired_at=at, expires_at=expires
                    )
                )
                return True
            if row.holder != holder and row.expires_at > at:
                return False
            acquired = row.acquired_at if row.holder == holder else at
            conn.execute(
                sa.update(_lease)
                .where(_lease.c.name == name)
                .values(holder=holder, acquired_at=acquired, expires_at=expires)
            )
            return True

    def release_lease(self, holder: str, *, name: str = "engine") -> None:
        """Give the lease up (at shutdown) so that another evaluator takes over at once."""
        with self.engine.begin() as conn:
            conn.execute(sa.delete(_lease).where(_lease.c.name == name, _lease.c.holder == holder))

    def lease_holder(self, at: datetime, *, name: str = "engine") -> str | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(_lease).where(_lease.c.name == name)).first()
        return row.holder if row is not None and row.expires_at > at else None

    # ── notification attempts ───────────────────────────────────────────────────────────
    def record_notification(self, n: Notification) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                sa.insert(_notification).values(
                    alert_id=n.alert_id,
                    event=n.event,
                    url=n.url,
                    attempt=n.attempt,
                    at=n.at,
                    ok=n.ok,
                    status=n.status,
                    error=n.error,
                )
            )

    def notifications(self, alert_id: str | None = None) -> list[Notification]:
        q = sa.select(_notification).order_by(_notification.c.seq)
        if alert_id is not None:
            q = q.where(_notification.c.alert_id == alert_id)
        with self.engine.connect() as conn:
            return [
                Notification(
                    r.alert_id, r.event, r.url, r.attempt, r.at, r.ok, r.status, r.error, r.seq
                )
                for r in conn.execute(q)
            ]

    # ── shift handover ──────────────────────────────────────────────────────────────────
    def handovers(self) -> list[Handover]:
        """Every handover, newest first."""
        q = sa.select(_handover).order_by(_handover.c.written_at.desc(), _handover.c.id)
        with self.engine.connect() as conn:
            return [_to_handover(r) for r in conn.execute(q)]

    def write_handover(self, *, who: str, at: datetime, summary: str) -> Handover:
        """The outgoing officer's handover: the open items, in their words."""
        _aware(at)
        if not who:
            raise ValueError("who: the outgoing officer is required")
        if not summary.strip():
            raise ValueError("a handover needs a summary of the open items")
        out = Handover(uuid.uuid4().hex[:16], who, at, summary, None, None, 1)
        with self.engine.begin() as conn:
            conn.execute(sa.insert(_handover).values(**out.__dict__))
        return out

    def sign_handover(self, handover_id: str, *, who: str, at: datetime, version: int) -> Handover:
        """The incoming officer signs the handover off. ValueError when already signed or signed
        by its writer, or when `version` is stale (someone signed meanwhile)."""
        _aware(at)
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(_handover).where(_handover.c.id == handover_id)).first()
            if row is None:
                raise KeyError(f"no handover {handover_id!r}")
            current = _to_handover(row)
            if current.signed_by is not None or current.version != version:
                raise ValueError(
                    f"handover {handover_id} already signed by {current.signed_by} "
                    f"at {current.signed_at}"
                    if current.signed_by
                    else f"handover {handover_id} changed (version {current.version})"
                )
            if who == current.written_by:
                raise ValueError("the incoming officer signs, not the one who wrote it")
            done = conn.execute(
                sa.update(_handover)
                .where(_handover.c.id == handover_id, _handover.c.version == version)
                .values(signed_by=who, signed_at=at, version=version + 1)
            )
            if done.rowcount != 1:
                raise ValueError(f"handover {handover_id} was signed meanwhile")
            row = conn.execute(sa.select(_handover).where(_handover.c.id == handover_id)).first()
            assert row is not None
            return _to_handover(row)
