"""Evaluating alert rules over a snapshot: one function per rule kind (pure; `now` is a
parameter).

A snapshot maps a source name to its rows (mappings), or to None when the source did not answer
this tick: a rule with a source that did not answer is not evaluated (and its live alerts are
left as they are, see `brain.rules.plan`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import shapely

from brain.rules import (
    SEVERITY_COLOUR,
    SEVERITY_COLOUR_EN,
    Candidate,
    Composite,
    Condition,
    Geofence,
    Rate,
    Rule,
    RuleSet,
    Stale,
    Threshold,
    WaterClass,
    format_message,
    group_key,
)
from brain.standards import class_rank
from brain.zones import zone_polygon

__all__ = ["Snapshot", "evaluate", "evaluate_rule"]

Row = Mapping[str, Any]
Snapshot = Mapping[str, Sequence[Row] | None]
_EARTH_KM = 6371.0088


def _all(conditions: Iterable[Condition], row: Row) -> bool:
    return all(c(row) for c in conditions)


def _float(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _candidate(rule: Rule, row: Row) -> Candidate:
    severity = rule.severity_of(row)
    text = {
        **row,
        "severity": severity,
        "colour_zh": SEVERITY_COLOUR[severity],
        "colour_en": SEVERITY_COLOUR_EN[severity],
    }
    entity_field = rule.entity or (rule.group_by[0] if rule.group_by else None)
    entity = row.get(entity_field) if entity_field else None
    district = row.get(rule.district)
    labels = {
        "rule": rule.id,
        "domain": rule.domain,
        "severity": severity,
        "district": None if district is None else str(district),
        "entity": None if entity is None else str(entity),
        "group": group_key(rule, row),
    }
    return Candidate(
        rule=rule.id,
        domain=rule.domain,
        severity=severity,
        group_key=labels["group"] or "",
        district=labels["district"],
        entity=labels["entity"],
        lon=_float(row.get("lon")),
        lat=_float(row.get("lat")),
        message_zh=format_message(rule.message_zh, text),
        message_en=format_message(rule.message_en, text),
        labels=labels,
    )


def _threshold(
    rule: Rule, p: Threshold, rows: Sequence[Row], _s: Snapshot, _now: datetime
) -> Iterator[Row]:
    for row in rows:
        if _all(rule.where, row) and p.condition(row):
            yield {**row, "value": row.get(p.condition.field), "threshold": p.condition.value}


def _time(v: Any) -> datetime | None:
    if isinstance(v, datetime):
        return v
    if isinstance(v, str):
        try:
            return datetime.fromisoformat(v)
        except ValueError:
            return None
    return None


def _rate(rule: Rule, p: Rate, rows: Sequence[Row], _s: Snapshot, now: datetime) -> Iterator[Row]:
    groups: dict[str, list[tuple[datetime, float, Row]]] = defaultdict(list)
    for row in rows:
        ts, v = _time(row.get(p.ts_field)), _float(row.get(p.field))
        if ts is None or v is None or ts > now or not _all(rule.where, row):
            continue
        groups[group_key(rule, row)].append((ts, v, row))
    for series in groups.values():
        series.sort(key=lambda x: x[0])
        ts, latest, row = series[-1]
        before = [x for x in series if (ts - x[0]).total_seconds() >= p.window_s]
        if not before:
            continue  # the series does not reach a window back yet
        previous = before[-1][1]
        change = latest - previous if p.direction == "rise" else previous - latest
        if p.percent:
            if previous == 0:
                continue
            change = change / abs(previous) * 100.0
        if change >= p.value:
            yield {
                **row,
                "value": latest,
                "previous": previous,
                "change": change,
                "window_min": p.window_s / 60.0,
            }


def _stale(rule: Rule, p: Stale, rows: Sequence[Row], _s: Snapshot, now: datetime) -> Iterator[Row]:
    for row in rows:
        if not _all(rule.where, row):
            continue
        ts = _time(row.get(p.ts_field))
        age = math.inf if ts is None else (now - ts).total_seconds()
        if age > p.max_age_s:
            yield {
                **row,
                "age_min": None if ts is None else age / 60.0,
                "age_h": None if ts is None else age / 3600.0,
                "max_age_min": p.max_age_s / 60.0,
            }


def _geofence(
    rule: Rule, p: Geofence, rows: Sequence[Row], s: Snapshot, _now: datetime
) -> Iterator[Row]:
    zones = [z for z in s.get(p.zones) or () if _all(p.zone_where, z) and z.get("path")]
    points = [r for r in rows if _all(rule.where, r)]
    if not zones or not points:
        return
    lon = np.array([_float(r.get("lon")) or np.nan for r in points], dtype="float64")
    lat = np.array([_float(r.get("lat")) or np.nan for r in points], dtype="float64")
    for z in zones:
        inside = shapely.contains_xy(zone_polygon(str(z["path"])), lon, lat)
        extra = {f"zone_{k}": v for k, v in z.items() if k != "path"}
        for i in np.flatnonzero(inside):
            yield {**points[i], **extra}


def _class_below(
    rule: Rule, p: WaterClass, rows: Sequence[Row], _s: Snapshot, _now: datetime
) -> Iterator[Row]:
    for row in rows:
        actual, target = row.get(p.class_field), row.get(p.target_field)
        if _missing_text(actual) or _missing_text(target) or not _all(rule.where, row):
            continue
        try:
            gap = class_rank(str(actual)) - class_rank(str(target))
        except (KeyError, ValueError):
            continue  # not a GB 3838 class: nothing to compare
        if gap >= p.min_gap:
            yield {**row, "gap": gap}


def _missing_text(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v == ""


def _distances_km(lon: float, lat: float, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Great-circle distances from one point to many (haversine)."""
    p1, p2 = math.radians(lat), np.radians(lats)
    dphi, dl = p2 - p1, np.radians(lons - lon)
    a = np.sin(dphi / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    out: np.ndarray = 2 * _EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return out


def _composite(
    rule: Rule, p: Composite, rows: Sequence[Row], s: Snapshot, _now: datetime
) -> Iterator[Row]:
    during: dict[str, Any] = {}
    for source, conditions in p.during:
        match = next((r for r in s.get(source) or () if _all(conditions, r)), None)
        if match is None:
            return  # a condition of the whole city does not hold: no row can match
        during.update({f"during_{k}": v for k, v in match.items()})
    near_points = []
    for n in p.near:
        found = [r for r in s.get(n.source) or () if _all(n.where, r)]
        lons = np.array([_float(r.get("lon")) or np.nan for r in found], dtype="float64")
        lats = np.array([_float(r.get("lat")) or np.nan for r in found], dtype="float64")
        near_points.append((n, found, lons, lats))
    for row in rows:
        lon, lat = _float(row.get("lon")), _float(row.get("lat"))
        if not _all(rule.where, row):
            continue
        extra: dict[str, Any] = {}
        ok = True
        for i, (n, found, lons, lats) in enumerate(near_points):
            if lon is None or lat is None or not found:
                ok = False
                break
            close = np.flatnonzero(_distances_km(lon, lat, lons, lats) <= n.within_km)
            if len(close) < n.min_count:
                ok = False
                break
            prefix = "near" if i == 0 else f"near{i + 1}"
            extra[f"{prefix}_count"] = len(close)
            extra.update({f"{prefix}_{k}": v for k, v in found[int(close[0])].items()})
        if ok:
            yield {**row, **during, **extra}


_KINDS: Mapping[type, Any] = {
    Threshold: _threshold,
    Rate: _rate,
    Stale: _stale,
    Geofence: _geofence,
    WaterClass: _class_below,
    Composite: _composite,
}


def evaluate_rule(rule: Rule, snapshot: Snapshot, now: datetime) -> list[Candidate] | None:
    """The candidates of one rule, or None when one of its sources did not answer."""
    if any(snapshot.get(src) is None for src in rule.sources):
        return None
    rows = snapshot[rule.source] or ()
    kind = _KINDS[type(rule.params)]
    return [_candidate(rule, row) for row in kind(rule, rule.params, rows, snapshot, now)]


def evaluate(
    rules: RuleSet, snapshot: Snapshot, now: datetime
) -> tuple[list[Candidate], frozenset[str]]:
    """Every rule's candidates, and the ids of the rules evaluated (all their sources
    answered)."""
    out: list[Candidate] = []
    evaluated: set[str] = set()
    for rule in rules.rules:
        found = evaluate_rule(rule, snapshot, now)
        if found is not None:
            evaluated.add(rule.id)
            out.extend(found)
    return out, frozenset(evaluated)
