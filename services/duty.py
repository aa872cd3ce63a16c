"""What the duty console asks for: the engine's alerts, the officers' steps on them, the nearest
resources by road, SOP checklists and shift handovers.

The console only reads and acts: alerts come from the alert store (`alerts.store.AlertStore`),
written by the engine. Every step names the officer and is taken on the alert as the officer saw
it (its `version`), so of two officers acting on one alert at once the second is told
(`Outcome.kind == "conflict"`, with the alert as the first left it). Time is always a parameter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

import pandas as pd

from alerts.store import (
    LOUD_SEVERITIES,
    Action,
    Alert,
    AlertStore,
    Conflict,
    Handover,
    StoreUnavailable,
    allowed_steps,
)
from brain import roadnet as brain_roadnet
from brain.memo import combine
from brain.rules import severity_rank
from data_adapters import emergency, fire
from data_adapters.result import Result
from services import roadnet
from services.duty_sop import Plan, StepState, checklist, plan_for, shipped_plans
from services.fetch import DataLike, fetch, records

__all__ = [
    "ALARM_SEVERITIES",
    "HANDLING_FILTERS",
    "PUSH_MINUTES",
    "REASONS",
    "RESOURCE_COLUMNS",
    "STEPS",
    "AlertView",
    "Filters",
    "Nearest",
    "Outcome",
    "act",
    "alarming",
    "engine_seen",
    "listing",
    "nearest_resources",
    "open_items",
    "push",
    "release",
    "sign_handover",
    "sop_of",
    "tick",
    "view",
    "write_handover",
]

ALARM_SEVERITIES: Final = LOUD_SEVERITIES  # 红, 橙: sound and a flashing row until acknowledged
STEPS: Final = ("acknowledge", "assign", "dispose", "close", "note")  # the console's buttons
HANDLING_FILTERS: Final = ("open", "new", "acknowledged", "assigned", "disposing", "closed")
PUSH_MINUTES: Final = (5, 10, 15, 30, 60)  # how long a pushed alert stays on the wall
NEAREST_K: Final = 5
# why a step was refused, when the console can say it in words (else the store's own message)
REASONS: Final = ("not_allowed", "assignee", "minutes", "ticked")
RESOURCE_COLUMNS: Final = (
    "resource_id",
    "kind",
    "name",
    "capacity",
    "lon",
    "lat",
    "minutes",
    "network_km",
    "route_km",
    "straight_km",
)


@dataclass(frozen=True)
class Filters:
    """The console's list filters; None: any. `handling` "open" means every one not closed."""

    domain: str | None = None
    severity: str | None = None
    handling: str | None = "open"
    district: str | None = None

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> Filters:
        def pick(name: str, default: str | None = None) -> str | None:
            value = values.get(name, default)
            return str(value) if value not in (None, "", "all") else None

        return cls(pick("domain"), pick("severity"), pick("handling", "open"), pick("district"))


def listing(store: AlertStore, filters: Filters) -> list[Alert]:
    """Alerts matching the filters, most severe first, then newest."""
    handling = None if filters.handling == "open" else filters.handling
    found = store.alerts(
        domain=filters.domain,
        severity=filters.severity,
        handling=handling,
        district=filters.district,
        open_only=filters.handling == "open",
    )
    return sorted(found, key=lambda a: (severity_rank(a.severity), -a.last_change.timestamp()))


def alarming(alerts: Sequence[Alert]) -> list[str]:
    """Ids of the firing red and orange alerts nobody has acknowledged yet."""
    return [
        a.id
        for a in alerts
        if a.severity in ALARM_SEVERITIES and a.state == "firing" and a.handling == "new"
    ]


def engine_seen(store: AlertStore, now: datetime) -> bool:
    """True when an engine holds the evaluation lease now, or has ever written an alert (so an
    empty list means "nothing is wrong", not "nothing is watching")."""
    return store.lease_holder(now) is not None or store.has_alerts()


@dataclass(frozen=True)
class Outcome:
    """What came of an officer's step: `ok`, `conflict` (someone else changed the alert
    first; `alert` is how they left it), `refused` (not allowed now; `reason`), `unsigned`
    (nobody signed in), `missing` (no such alert) or `unavailable` (the store could not take
    it now: `reason` is the cause, one of `StoreUnavailable.CAUSES`; nothing was written)."""

    kind: str
    alert: Alert | None = None
    reason: str = ""
    by: str | None = None  # conflict: who changed it last

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


def _who_changed(store: AlertStore, alert: Alert) -> str | None:
    history = store.history(alert.id)
    return history[-1].who if history else None


def _conflict(store: AlertStore, exc: Conflict) -> Outcome:
    try:
        by = _who_changed(store, exc.current)
    except StoreUnavailable:
        by = None
    return Outcome("conflict", exc.current, by=by)


def act(
    store: AlertStore,
    alert_id: str,
    step: str,
    *,
    who: str | None,
    at: datetime,
    version: int,
    note: str = "",
    assignee: str | None = None,
) -> Outcome:
    """Take a handling step as `who` on the alert as seen at `version`."""
    if not who:
        return Outcome("unsigned")
    if step not in STEPS:
        return Outcome("refused", reason=f"unknown step {step!r}")
    assignee = (assignee or "").strip() or None
    if step == "assign" and assignee is None:
        return Outcome("refused", _get(store, alert_id), reason="assignee")
    try:
        done = store.act(
            alert_id, step, who=who, at=at, version=version, note=note.strip(), assignee=assignee
        )
    except StoreUnavailable as exc:
        return Outcome("unavailable", reason=exc.cause)
    except Conflict as exc:
        return _conflict(store, exc)
    except KeyError:
        return Outcome("missing")
    except ValueError as exc:
        now = _get(store, alert_id)
        allowed = now is not None and step in allowed_steps(now.handling)
        return Outcome("refused", now, reason=str(exc) if allowed else "not_allowed")
    return Outcome("ok", done)


def _get(store: AlertStore, alert_id: str) -> Alert | None:
    try:
        return store.get(alert_id)
    except KeyError:
        return None


def push(
    store: AlertStore, alert_id: str, *, who: str | None, at: datetime, minutes: int, version: int
) -> Outcome:
    """Put the alert on the wall for `minutes` (one of `PUSH_MINUTES`)."""
    if not who:
        return Outcome("unsigned")
    if minutes not in PUSH_MINUTES:
        return Outcome("refused", reason="minutes")
    try:
        done = store.push(
            alert_id, who=who, at=at, until=at + timedelta(minutes=minutes), version=version
        )
    except StoreUnavailable as exc:
        return Outcome("unavailable", reason=exc.cause)
    except Conflict as exc:
        return _conflict(store, exc)
    except KeyError:
        return Outcome("missing")
    except ValueError as exc:
        return Outcome("refused", _get(store, alert_id), reason=str(exc))
    return Outcome("ok", done)


def release(store: AlertStore, alert_id: str, *, who: str | None, at: datetime) -> Outcome:
    """Take the alert off the wall."""
    if not who:
        return Outcome("unsigned")
    try:
        return Outcome("ok", store.release(alert_id, who=who, at=at))
    except StoreUnavailable as exc:
        return Outcome("unavailable", reason=exc.cause)
    except KeyError:
        return Outcome("missing")


# ── nearest resources by road ──────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Nearest:
    """The quickest resources to reach by road from a place (rows of `RESOURCE_COLUMNS`), or why
    there are none (`error`)."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    as_of: datetime | None = None


def _candidates(resources: Result[Any], stations: Result[Any]) -> pd.DataFrame | None:
    """Emergency resources and fire stations as one frame of candidates."""
    parts = []
    if isinstance(resources.value, pd.DataFrame):
        parts.append(resources.value[["resource_id", "kind", "name", "capacity", "lon", "lat"]])
    if isinstance(stations.value, pd.DataFrame):
        st = stations.value
        parts.append(
            pd.DataFrame(
                {
                    "resource_id": st["station_id"].astype(str),
                    "kind": "fire_station",
                    "name": st["name"],
                    "capacity": st["engines"],
                    "lon": st["lon"],
                    "lat": st["lat"],
                }
            )
        )
    if not parts:
        return None
    return pd.concat(parts, ignore_index=True)


def nearest_resources(
    data: DataLike, now: datetime, lon: float | None, lat: float | None, k: int = NEAREST_K
) -> Nearest:
    """The `k` emergency resources and fire stations quickest to reach from (lon, lat) by road
    at `now` (current speeds, closures left out: `services.roadnet`)."""
    if lon is None or lat is None:
        return Nearest(error="no-place")
    resources, stations = fetch(data, (emergency.resources, {}), (fire.stations, {}))
    candidates = _candidates(resources, stations)
    if candidates is None:
        return Nearest(error="no-data", as_of=resources.as_of)
    keys = [resources.key, stations.key]
    places = Result(candidates, resources.as_of, None, combine(*keys))
    found = roadnet.nearest(data, now, (float(lon), float(lat)), places, k)
    frame = found.value if isinstance(found.value, pd.DataFrame) else None
    if frame is None:
        return Nearest(error="no-data", as_of=found.as_of)
    # the whole way: along roads, and the straight legs onto and off them (at the access speed)
    frame = frame.assign(
        route_km=frame["network_km"] + frame["access_minutes"] * brain_roadnet.ACCESS_KMH / 60
    )
    return Nearest(rows=records(frame, RESOURCE_COLUMNS), as_of=found.as_of)


# ── SOP checklists ────────────────────────────────────────────────────────────────────────


def sop_of(
    alert: Alert,
    ticks: Mapping[str, tuple[datetime, str]],
    now: datetime,
    plans: Sequence[Plan] | None = None,
) -> tuple[Plan, list[StepState]]:
    """The SOP plan of an alert and each step's state at `now`."""
    plan = plan_for(plans or shipped_plans(), alert.rule, alert.domain)
    return plan, checklist(plan, alert.first_seen, ticks, now)


# ── shift handover ───────────────────────────────────────────────────────────────────────


def open_items(store: AlertStore) -> list[Alert]:
    """Every alert not closed, most severe first: what a handover must pass on."""
    return listing(store, Filters())


def write_handover(
    store: AlertStore, *, who: str | None, at: datetime, summary: str
) -> tuple[str, Handover | None, str]:
    """("ok", handover, "") or ("unsigned" | "refused" | "unavailable", None, reason)."""
    if not who:
        return "unsigned", None, ""
    try:
        return "ok", store.write_handover(who=who, at=at, summary=summary), ""
    except StoreUnavailable as exc:
        return "unavailable", None, exc.cause
    except ValueError as exc:
        return "refused", None, str(exc)


def sign_handover(
    store: AlertStore, handover_id: str, *, who: str | None, at: datetime, version: int
) -> tuple[str, Handover | None, str]:
    """("ok", handover, "") or ("unsigned" | "self" | "refused" | "missing" | "unavailable",
    None, reason; for "unavailable" the cause, as `Outcome.reason`): the
    incoming officer signs, never the one who wrote it."""
    if not who:
        return "unsigned", None, ""
    try:
        written = next((h for h in store.handovers() if h.id == handover_id), None)
        if written is None:
            return "missing", None, ""
        if written.written_by == who:
            return "self", None, ""
        return "ok", store.sign_handover(handover_id, who=who, at=at, version=version), ""
    except StoreUnavailable as exc:
        return "unavailable", None, exc.cause
    except KeyError:
        return "missing", None, ""
    except ValueError as exc:
        return "refused", None, str(exc)


# ── one alert as the console shows it ──────────────────────────────────────────────────────


@dataclass(frozen=True)
class AlertView:
    """The selected alert with its history, its SOP checklist and the steps open to it now."""

    alert: Alert
    history: list[Action]
    plan: Plan
    steps: list[StepState]
    allowed: tuple[str, ...]
    pushed: bool


def view(store: AlertStore, alert_id: str, now: datetime) -> AlertView | None:
    """What the console shows of one alert at `now` (None: no such alert)."""
    alert = _get(store, alert_id)
    if alert is None:
        return None
    ticks = {step: (a.at, a.who) for step, a in store.sop_ticks(alert_id).items()}
    plan, steps = sop_of(alert, ticks, now)
    return AlertView(
        alert=alert,
        history=store.history(alert_id),
        plan=plan,
        steps=steps,
        allowed=allowed_steps(alert.handling),
        pushed=alert.pushed_until is not None and alert.pushed_until > now,
    )


def tick(
    store: AlertStore, alert_id: str, step_id: str, *, who: str | None, at: datetime
) -> Outcome:
    """Tick off one step of the alert's SOP checklist."""
    if not who:
        return Outcome("unsigned")
    try:
        alert = _get(store, alert_id)
    except StoreUnavailable as exc:
        return Outcome("unavailable", reason=exc.cause)
    if alert is None:
        return Outcome("missing")
    plan, _ = sop_of(alert, {}, at)
    if step_id not in {s.id for s in plan.steps}:
        return Outcome("refused", alert, reason=f"no step {step_id!r} in plan {plan.id!r}")
    try:
        store.tick_sop(alert_id, step_id, who=who, at=at)
    except StoreUnavailable as exc:
        return Outcome("unavailable", reason=exc.cause)
    except KeyError:
        return Outcome("missing")
    except ValueError:
        return Outcome("refused", _get(store, alert_id), reason="ticked")
    try:
        return Outcome("ok", _get(store, alert_id))
    except StoreUnavailable:  # ticked, and the store went before it could be read back
        return Outcome("ok")
