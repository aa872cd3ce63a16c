"""Every rule kind evaluated over hand-made snapshots, and the lifecycle plan: the for-duration,
resolution, dedup, severity changes, a feed that did not answer, maintenance (pure, no store)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from brain.rule_kinds import evaluate, evaluate_rule
from brain.rules import (
    Composite,
    Condition,
    Escalation,
    Geofence,
    Near,
    Rate,
    Rule,
    RuleSet,
    Stale,
    Threshold,
    WaterClass,
    format_message,
    plan,
)

NOW = datetime(2026, 7, 15, 2, 0, tzinfo=UTC)


def _rule(kind: str, source: str, params: object, **kw: object) -> Rule:
    base: dict[str, object] = {
        "id": f"t.{kind}",
        "domain": "traffic",
        "kind": kind,
        "source": source,
        "params": params,
        "severity": "III",
        "for_s": 0.0,
        "group_by": ("name",),
        "message_zh": "{name} 值 {value}",
        "message_en": "{name} value {value}",
    }
    base.update(kw)
    return Rule(**base)  # type: ignore[arg-type]


def test_threshold_at_and_around_the_value_with_escalation() -> None:
    r = _rule(
        "threshold",
        "roads",
        Threshold(Condition("tpi", ">=", 6.0)),
        escalate=(Escalation(Condition("tpi", ">=", 8.0), "II"),),
        message_zh="{name}拥堵，TPI {tpi:.1f}",
    )
    rows: list[dict[str, Any]] = [
        {"name": "人民大道", "tpi": 5.99, "adcode": "440802"},
        {"name": "海滨大道", "tpi": 6.0, "adcode": "440802", "lon": 110.4, "lat": 21.2},
        {"name": "G207", "tpi": 8.0, "adcode": "440803"},
        {"name": "疏港大道", "tpi": None},
        {"name": "椹川大道", "tpi": float("nan")},
    ]
    found = evaluate_rule(r, {"roads": rows}, NOW)
    assert found is not None
    assert [(c.entity, c.severity) for c in found] == [("海滨大道", "III"), ("G207", "II")]
    first = found[0]
    assert first.message_zh == "海滨大道拥堵，TPI 6.0"
    assert (first.district, first.lon, first.lat, first.group_key) == (
        "440802",
        110.4,
        21.2,
        "海滨大道",
    )
    assert found[1].lon is None


def test_a_source_that_did_not_answer_evaluates_nothing() -> None:
    r = _rule("threshold", "roads", Threshold(Condition("tpi", ">=", 6.0)))
    assert evaluate_rule(r, {"roads": None}, NOW) is None
    assert evaluate_rule(r, {}, NOW) is None
    cands, evaluated = evaluate(RuleSet(1, (r,)), {"roads": None}, NOW)
    assert (cands, evaluated) == ([], frozenset())
    assert evaluate_rule(r, {"roads": []}, NOW) == []


def test_where_and_null_conditions() -> None:
    r = _rule(
        "threshold",
        "live",
        Threshold(Condition("confirmed", "==", None)),
        where=(Condition("category", "in", ("school", "hospital")),),
    )
    rows: list[dict[str, Any]] = [
        {"name": "a", "confirmed": None, "category": "school"},
        {"name": "b", "confirmed": True, "category": "school"},
        {"name": "c", "confirmed": None, "category": "mall"},
        {"name": "d", "confirmed": float("nan"), "category": "hospital"},
    ]
    found = evaluate_rule(r, {"live": rows}, NOW) or []
    assert [c.entity for c in found] == ["a", "d"]


def test_rate_of_change_over_its_window() -> None:
    r = _rule(
        "rate",
        "net",
        Rate("tpi", window_s=1800, direction="rise", value=2.0),
        group_by=(),
        message_en="up {change:.1f} to {value:.1f} in {window_min:.0f} min",
    )

    def series(values: list[float]) -> list[dict[str, object]]:
        start = NOW - timedelta(minutes=5 * (len(values) - 1))
        return [
            {"ts": (start + timedelta(minutes=5 * i)).isoformat(), "tpi": v}
            for i, v in enumerate(values)
        ]

    rising = series([2.0, 2.2, 2.5, 3.0, 3.5, 4.0, 4.0])  # 30 min: 2.0 → 4.0
    found = evaluate_rule(r, {"net": rising}, NOW) or []
    assert [c.message_en for c in found] == ["up 2.0 to 4.0 in 30 min"]
    assert evaluate_rule(r, {"net": series([2.0, 2.2, 2.5, 3.0, 3.5, 3.9, 3.99])}, NOW) == []
    assert evaluate_rule(r, {"net": series([2.0, 4.0, 4.5])}, NOW) == []  # shorter than window
    future: list[dict[str, Any]] = [
        *rising,
        {"ts": (NOW + timedelta(minutes=5)).isoformat(), "tpi": 0.0},
    ]
    assert len(evaluate_rule(r, {"net": future}, NOW) or []) == 1  # rows after now ignored
    falling = replace(r, params=Rate("tpi", 1800, "fall", 50.0, percent=True))
    assert len(evaluate_rule(falling, {"net": series([4, 4, 3, 3, 2, 2, 2])}, NOW) or []) == 1
    assert evaluate_rule(falling, {"net": series([4, 4, 3, 3, 2, 2, 2.1])}, NOW) == []


def test_stale_feed_and_missing_feed() -> None:
    r = _rule(
        "stale",
        "feeds",
        Stale(max_age_s=900),
        group_by=("domain",),
        message_en="{domain} {age_min:.0f} min",
    )
    rows: list[dict[str, Any]] = [
        {"domain": "traffic", "newest": (NOW - timedelta(minutes=15)).isoformat()},
        {"domain": "fire", "newest": (NOW - timedelta(minutes=16)).isoformat()},
        {"domain": "radar", "newest": None},
    ]
    found = evaluate_rule(r, {"feeds": rows}, NOW) or []
    assert [c.message_en for c in found] == ["fire 16 min", "radar — min"]
    assert [c.entity for c in found] == ["fire", "radar"]


_ZONE = json.dumps([[110.0, 21.0], [110.1, 21.0], [110.1, 21.1], [110.0, 21.1], [110.0, 21.0]])


def test_geofence_a_vessel_inside_a_matching_zone() -> None:
    r = _rule(
        "geofence",
        "vessels",
        Geofence("zones", (Condition("rule", "==", "no_entry"),)),
        group_by=("mmsi", "zone_zone_id"),
        message_zh="{mmsi} 闯入 {zone_name}",
    )
    zones: list[dict[str, Any]] = [
        {"zone_id": "Z1", "name": "军事禁区", "rule": "no_entry", "path": _ZONE},
        {"zone_id": "Z2", "name": "锚地", "rule": "no_fishing", "path": _ZONE},
    ]
    vessels: list[dict[str, Any]] = [
        {"mmsi": 1, "lon": 110.05, "lat": 21.05},
        {"mmsi": 2, "lon": 110.15, "lat": 21.05},  # outside
        {"mmsi": 3, "lon": None, "lat": None},
    ]
    found = evaluate_rule(r, {"vessels": vessels, "zones": zones}, NOW) or []
    assert [(c.group_key, c.message_zh) for c in found] == [("1|Z1", "1 闯入 军事禁区")]
    assert evaluate_rule(r, {"vessels": vessels, "zones": None}, NOW) is None


def test_class_below_target_by_gap() -> None:
    r = _rule(
        "class_below_target",
        "sections",
        WaterClass(min_gap=1),
        group_by=("station_id",),
        escalate=(Escalation(Condition("water_class", "==", "劣V"), "II"),),
    )
    rows: list[dict[str, Any]] = [
        {"station_id": "A", "water_class": "III", "target_class": "III"},
        {"station_id": "B", "water_class": "IV", "target_class": "III"},
        {"station_id": "C", "water_class": "劣V", "target_class": "III"},
        {"station_id": "D", "water_class": "II", "target_class": "III"},
        {"station_id": "E", "water_class": None, "target_class": "III"},
        {"station_id": "F", "water_class": "bogus", "target_class": "III"},
    ]
    found = evaluate_rule(r, {"sections": rows}, NOW) or []
    assert [(c.entity, c.severity) for c in found] == [("B", "III"), ("C", "II")]
    two = replace(r, params=WaterClass(min_gap=2))
    assert [c.entity for c in evaluate_rule(two, {"sections": rows}, NOW) or []] == ["C"]


def test_composite_fire_with_congested_roads_near_it() -> None:
    r = _rule(
        "composite",
        "live",
        Composite(near=(Near("segments", 2.0, (Condition("tpi", ">=", 6.0),)),)),
        where=(Condition("confirmed", "==", True),),
        group_by=("unit_id",),
        message_zh="{unit_id} 周边 {near_count} 段拥堵：{near_road_name}",
    )
    live: list[dict[str, Any]] = [
        {"unit_id": "U1", "confirmed": True, "lon": 110.36, "lat": 21.27},
        {"unit_id": "U2", "confirmed": True, "lon": 110.60, "lat": 21.27},  # ~25 km east
        {"unit_id": "U3", "confirmed": None, "lon": 110.36, "lat": 21.27},
    ]
    segments: list[dict[str, Any]] = [
        {"road_name": "人民大道", "tpi": 7.0, "lon": 110.37, "lat": 21.27},  # ~1 km
        {"road_name": "海滨大道", "tpi": 3.0, "lon": 110.36, "lat": 21.275},
        {"road_name": "G325", "tpi": 9.0, "lon": 110.40, "lat": 21.27},  # ~4 km
    ]
    found = evaluate_rule(r, {"live": live, "segments": segments}, NOW) or []
    assert [c.message_zh for c in found] == ["U1 周边 1 段拥堵：人民大道"]
    calm: list[dict[str, Any]] = [{**s, "tpi": 2.0} for s in segments]
    assert evaluate_rule(r, {"live": live, "segments": calm}, NOW) == []


def test_composite_dark_vessel_near_an_anchorage_while_a_typhoon_signal_is_in_force() -> None:
    r = _rule(
        "composite",
        "dark",
        Composite(
            near=(Near("zones", 3.0, (Condition("kind", "==", "anchorage"),)),),
            during=(("warnings", (Condition("hazard", "==", "typhoon"),)),),
        ),
        group_by=("track_id",),
        message_zh="{during_signal} {track_id} {near_name}",
    )
    dark: list[dict[str, Any]] = [
        {"track_id": "T1", "lon": 110.65, "lat": 21.03},
        {"track_id": "T2", "lon": 110.30, "lat": 20.50},
    ]
    zones: list[dict[str, Any]] = [
        {"name": "外锚地", "kind": "anchorage", "lon": 110.65, "lat": 21.025}
    ]
    typhoon: list[dict[str, Any]] = [
        {"hazard": "rainstorm"},
        {"hazard": "typhoon", "signal": "orange"},
    ]
    snap: dict[str, Any] = {"dark": dark, "zones": zones, "warnings": typhoon}
    found = evaluate_rule(r, snap, NOW) or []
    assert [c.message_zh for c in found] == ["orange T1 外锚地"]
    assert evaluate_rule(r, {**snap, "warnings": [{"hazard": "rainstorm"}]}, NOW) == []
    assert evaluate_rule(r, {**snap, "warnings": None}, NOW) is None


def test_message_templates_never_raise() -> None:
    assert format_message("{a:.1f}|{b}|{c:.0f}", {"a": "x", "c": 2.6}) == "x|—|3"


@dataclass(frozen=True)
class _Live:
    id: str
    rule: str
    group_key: str
    state: str
    severity: str
    first_seen: datetime


def _cand(group: str = "人民大道", severity: str = "III") -> object:
    r = _rule("threshold", "roads", Threshold(Condition("tpi", ">=", 6.0)), for_s=300.0)
    found = evaluate_rule(r, {"roads": [{"name": group, "tpi": 7.0}]}, NOW) or []
    return replace(found[0], severity=severity)


def test_plan_pending_then_firing_after_the_for_duration_then_resolved() -> None:
    r = _rule("threshold", "roads", Threshold(Condition("tpi", ">=", 6.0)), for_s=300.0)
    ev = frozenset({r.id})
    c = _cand()
    [raised] = plan([r], [c], [], NOW, evaluated=ev)  # type: ignore[list-item]
    assert (raised.action, raised.firing) == ("raise", False)
    pending = _Live("a1", r.id, "人民大道", "pending", "III", NOW)
    assert plan([r], [c], [pending], NOW + timedelta(seconds=299), evaluated=ev) == []  # type: ignore[list-item]
    [fire] = plan([r], [c], [pending], NOW + timedelta(seconds=300), evaluated=ev)  # type: ignore[list-item]
    assert (fire.action, fire.alert_id) == ("fire", "a1")
    firing = replace(pending, state="firing")
    assert plan([r], [c], [firing], NOW + timedelta(minutes=9), evaluated=ev) == []  # type: ignore[list-item]
    [resolve] = plan([r], [], [firing], NOW + timedelta(minutes=10), evaluated=ev)
    assert (resolve.action, resolve.alert_id) == ("resolve", "a1")
    [expire] = plan([r], [], [pending], NOW + timedelta(minutes=1), evaluated=ev)
    assert expire.action == "expire"
    no_for = replace(r, for_s=0.0)
    [now_firing] = plan([no_for], [c], [], NOW, evaluated=ev)  # type: ignore[list-item]
    assert now_firing.firing


def test_plan_dedups_keeps_the_most_severe_and_updates_severity() -> None:
    r = _rule("threshold", "roads", Threshold(Condition("tpi", ">=", 6.0)))
    ev = frozenset({r.id})
    a, b = _cand(severity="III"), _cand(severity="II")
    [raised] = plan([r], [a, b, a], [], NOW, evaluated=ev)  # type: ignore[list-item]
    assert raised.candidate is not None and raised.candidate.severity == "II"
    live = _Live("a1", r.id, "人民大道", "firing", "III", NOW)
    [rise] = plan([r], [b], [live], NOW, evaluated=ev)  # type: ignore[list-item]
    assert (rise.action, rise.alert_id) == ("escalate", "a1")  # notified again
    [fall] = plan([r], [a], [replace(live, severity="II")], NOW, evaluated=ev)  # type: ignore[list-item]
    assert (fall.action, fall.alert_id) == ("update", "a1")
    pending = replace(live, state="pending")  # not notified yet: it fires with the new severity
    steps = plan([r], [b], [pending], NOW, evaluated=ev)  # type: ignore[list-item]
    assert [s.action for s in steps] == ["update", "fire"]


def test_plan_leaves_alerts_of_unanswered_or_held_rules_and_resolves_removed_rules() -> None:
    r = _rule("threshold", "roads", Threshold(Condition("tpi", ">=", 6.0)))
    live = _Live("a1", r.id, "人民大道", "firing", "III", NOW)
    assert plan([r], [], [live], NOW, evaluated=frozenset()) == []  # the feed did not answer
    assert plan([r], [], [live], NOW, evaluated=frozenset({r.id}), held=lambda a: True) == []
    [gone] = plan([], [], [live], NOW, evaluated=frozenset())
    assert (gone.action, gone.alert_id) == ("resolve", "a1")
