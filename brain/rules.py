"""Alert rules as data, and the alert lifecycle the engine runs (pure: `now` is a parameter).

A `Rule` (parsed from `rules/alerts.yaml` by `alerts.config`) names a snapshot `source` (rows of
one of the domains' figures, see `alerts.sources`), a `kind` with its parameters, a severity on
the national four-level scale (I 红 … IV 蓝), a for-duration, the keys that group rows into
alerts and message templates in Chinese and English. `brain.rule_kinds.evaluate` turns rules and
a snapshot into `Candidate`s; `plan` compares them with the live alerts and says what to do:
raise (pending, or firing at once when `for` is 0), fire (pending for `for` seconds), update
(the severity changed), resolve (a firing alert whose condition went) or expire (a pending one
whose condition went before its for-duration).
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

__all__ = [
    "KINDS",
    "OPS",
    "SEVERITIES",
    "SEVERITY_COLOUR",
    "Candidate",
    "Composite",
    "Condition",
    "Escalation",
    "Geofence",
    "Near",
    "Rate",
    "Rule",
    "RuleSet",
    "Stale",
    "Step",
    "Threshold",
    "WaterClass",
    "format_message",
    "group_key",
    "plan",
    "severity_rank",
]

KINDS = ("threshold", "rate", "stale", "geofence", "class_below_target", "composite")
SEVERITIES = ("I", "II", "III", "IV")  # I 红 highest … IV 蓝 (GB/T 29639, the four levels)
SEVERITY_COLOUR = {"I": "红", "II": "橙", "III": "黄", "IV": "蓝"}
SEVERITY_COLOUR_EN = {"I": "red", "II": "orange", "III": "yellow", "IV": "blue"}
Row = Mapping[str, Any]


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "in":
        return left in right
    if op == "not_in":
        return left not in right
    if op == "==":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    try:
        if op == ">=":
            return bool(left >= right)
        if op == ">":
            return bool(left > right)
        if op == "<=":
            return bool(left <= right)
        return bool(left < right)
    except TypeError:  # a value of the wrong type never matches an ordering
        return False


OPS = (">=", ">", "<=", "<", "==", "!=", "in", "not_in")


@dataclass(frozen=True)
class Condition:
    """`row[field] op value`; a missing or NaN field never matches (except `== null`)."""

    field: str
    op: str
    value: Any

    def __call__(self, row: Row) -> bool:
        v = row.get(self.field)
        if _missing(v):
            return self.op == "==" and self.value is None
        return _compare(self.op, v, self.value)


@dataclass(frozen=True)
class Escalation:
    """A higher severity when `when` also holds."""

    when: Condition
    severity: str


@dataclass(frozen=True)
class Threshold:
    condition: Condition


@dataclass(frozen=True)
class Rate:
    """The change of `field` over `window_s` per group, from series rows (`ts_field`): `rise`
    or `fall` by at least `value` (absolute, or percent when `percent`)."""

    field: str
    window_s: float
    direction: str  # "rise" | "fall"
    value: float
    percent: bool = False
    ts_field: str = "ts"


@dataclass(frozen=True)
class Stale:
    """A feed whose newest time (`ts_field`) is older than `max_age_s`, or missing."""

    max_age_s: float
    ts_field: str = "newest"


@dataclass(frozen=True)
class Geofence:
    """A point row (vessel) inside a polygon of `zones` (rows with a JSON ring in `path`)
    matching `zone_where`; the zone's fields join the row as `zone_<field>`."""

    zones: str
    zone_where: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class WaterClass:
    """A river section whose class (GB 3838) is at least `min_gap` classes worse than its
    target."""

    class_field: str = "water_class"
    target_field: str = "target_class"
    min_gap: int = 1


@dataclass(frozen=True)
class Near:
    """At least `min_count` rows of `source` matching `where` within `within_km` of the row."""

    source: str
    within_km: float
    where: tuple[Condition, ...] = ()
    min_count: int = 1


@dataclass(frozen=True)
class Composite:
    """A row of the rule's source (matching its `where`) with every `near` and every `during`
    holding: `during` sources must have at least one row matching their conditions."""

    near: tuple[Near, ...] = ()
    during: tuple[tuple[str, tuple[Condition, ...]], ...] = ()


Params = Threshold | Rate | Stale | Geofence | WaterClass | Composite


@dataclass(frozen=True)
class Rule:
    id: str
    domain: str
    kind: str
    source: str
    params: Params
    severity: str
    for_s: float
    group_by: tuple[str, ...]
    message_zh: str
    message_en: str
    where: tuple[Condition, ...] = ()
    escalate: tuple[Escalation, ...] = ()
    entity: str | None = None  # the field naming the entity (default: the first group key)
    district: str = "adcode"  # the field holding the district's adcode
    line: int = 0  # where the rule starts in its file

    @property
    def sources(self) -> tuple[str, ...]:
        """Every snapshot source the rule reads."""
        p = self.params
        extra: tuple[str, ...] = ()
        if isinstance(p, Geofence):
            extra = (p.zones,)
        elif isinstance(p, Composite):
            extra = tuple(n.source for n in p.near) + tuple(s for s, _c in p.during)
        return (self.source, *extra)

    def severity_of(self, row: Row) -> str:
        """The highest severity whose escalation holds for `row` (else the rule's)."""
        best = self.severity
        for e in self.escalate:
            if e.when(row) and _RANK[e.severity] < _RANK[best]:
                best = e.severity
        return best


_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def severity_rank(severity: str) -> int:
    """0 for I (most severe) … 3 for IV; 4 for anything else (sorted last)."""
    return _RANK.get(severity, len(SEVERITIES))


@dataclass(frozen=True)
class RuleSet:
    version: int
    rules: tuple[Rule, ...]

    @property
    def sources(self) -> frozenset[str]:
        return frozenset(s for r in self.rules for s in r.sources)

    def by_id(self) -> dict[str, Rule]:
        return {r.id: r for r in self.rules}


@dataclass(frozen=True)
class Candidate:
    """A rule's condition holding now for one group: what the alert would say."""

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
    labels: Mapping[str, str | None] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return (self.rule, self.group_key)


class _Formatter(string.Formatter):
    """`{field}` and `{field:.1f}` from a row; a missing field reads "—", a spec that does not
    suit the value falls back to the plain value."""

    def get_value(self, key: int | str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        v = kwargs.get(str(key))
        return "—" if _missing(v) else v

    def format_field(self, value: Any, format_spec: str) -> str:
        try:
            return str(super().format_field(value, format_spec))
        except (ValueError, TypeError):
            return str(value)


_FORMAT = _Formatter()


def format_message(template: str, row: Row) -> str:
    return str(_FORMAT.vformat(template, (), row))


def group_key(rule: Rule, row: Row) -> str:
    """What makes two rows one alert of `rule`: their values of the grouping keys."""
    return "|".join("" if _missing(row.get(k)) else str(row.get(k)) for k in rule.group_by)


class LiveAlert(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def rule(self) -> str: ...
    @property
    def group_key(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def first_seen(self) -> datetime: ...


@dataclass(frozen=True)
class Step:
    """What the engine does with one alert: `raise` (candidate: new), `fire`, `escalate` (a
    firing alert's severity rises: the candidate's severity and words, notified again),
    `update` (any other change of severity: a pending alert's, or a fall), `resolve` or
    `expire` (alert_id: a live alert)."""

    action: str
    candidate: Candidate | None = None
    alert_id: str | None = None
    firing: bool = False  # for raise: fire at once (no for-duration)


def plan(
    rules: Iterable[Rule],
    candidates: Iterable[Candidate],
    live: Iterable[LiveAlert],
    now: datetime,
    *,
    evaluated: frozenset[str],
    held: Callable[[LiveAlert], bool] = lambda _a: False,
) -> list[Step]:
    """The steps that bring the live alerts in line with `candidates` at `now`.

    `evaluated`: the rules whose sources all answered this tick; a live alert of a rule that was
    not evaluated (its feed failed) is left as it is, so a dead feed resolves nothing. `held`:
    live alerts under a maintenance window, left as they are. An alert of a rule no longer in
    the rule set is resolved. Candidates with the same key are one alert (the most severe)."""
    by_id = {r.id: r for r in rules}
    wanted: dict[tuple[str, str], Candidate] = {}
    for c in candidates:
        kept = wanted.get(c.key)
        if kept is None or _RANK[c.severity] < _RANK[kept.severity]:
            wanted[c.key] = c
    steps: list[Step] = []
    seen: set[tuple[str, str]] = set()
    for a in live:
        key = (a.rule, a.group_key)
        seen.add(key)
        rule = by_id.get(a.rule)
        if rule is None:
            steps.append(Step("resolve" if a.state == "firing" else "expire", alert_id=a.id))
            continue
        if rule.id not in evaluated or held(a):
            continue
        found = wanted.get(key)
        if found is None:
            steps.append(Step("resolve" if a.state == "firing" else "expire", alert_id=a.id))
            continue
        c = found
        if c.severity != a.severity:  # before a fire: it fires with the severity it has now
            rises = a.state == "firing" and _RANK[c.severity] < _RANK[a.severity]
            steps.append(Step("escalate" if rises else "update", candidate=c, alert_id=a.id))
        if a.state == "pending" and (now - a.first_seen).total_seconds() >= rule.for_s:
            steps.append(Step("fire", candidate=c, alert_id=a.id))
    for key, c in wanted.items():
        if key not in seen:
            steps.append(Step("raise", candidate=c, firing=by_id[c.rule].for_s <= 0))
    return steps
