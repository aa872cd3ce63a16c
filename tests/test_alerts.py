"""The default alert rules (brain/alerts.py): each threshold at and around its edge, the
severities on the four-level scale, and the words of every kind in both catalogues."""

from __future__ import annotations

import string
from typing import Any

import pytest

from brain import alerts as a
from brain.alerts import Alert, AlertKind
from brain.domains import Domain
from brain.standards import WarningLevel
from layouts.i18n import LANGS, catalog
from layouts.wall_regions import ticker_text

I, II, III, IV = WarningLevel  # noqa: E741 - the levels' names in the standard


def _one(alerts: list[Alert]) -> Alert:
    assert len(alerts) == 1
    return alerts[0]


# ── emergency ────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(("level", "severity"), [("I", I), ("II", II), ("III", III), ("IV", IV)])
def test_a_warning_is_an_alert_at_its_own_level(level: str, severity: WarningLevel) -> None:
    w = {"identifier": "w1", "event": "台风", "hazard": "typhoon", "signal": "red", "level": level}
    alert = _one(a.emergency_alerts([w], []))
    assert (alert.kind, alert.severity, alert.entity, alert.domain) == (
        AlertKind.WARNING,
        severity,
        "w1",
        Domain.EMERGENCY,
    )
    assert alert.params == {"event": "台风", "hazard": "typhoon", "signal": "red"}


def test_a_warning_of_unknown_level_is_the_lowest() -> None:
    alert = _one(a.emergency_alerts([{"identifier": "w", "level": None}], []))
    assert alert.severity is a.WARNING_DEFAULT_SEVERITY is IV


def test_a_warning_names_its_district_only_when_it_covers_one() -> None:
    one, two = {"adcodes": "440803"}, {"adcodes": "440802,440803"}
    assert [x.adcode for x in a.emergency_alerts([one, two, {}], [])] == ["440803", None, None]


@pytest.mark.parametrize(
    ("level", "alerted"), [("I", True), ("II", True), ("III", False), ("IV", False), (None, False)]
)
def test_events_from_level_ii_up_are_alerts(level: str | None, alerted: bool) -> None:
    event = {"event_id": "e1", "title": "内涝", "level": level, "adcode": "440803"}
    found = a.emergency_alerts([], [event])
    assert bool(found) is alerted
    if alerted:
        assert (found[0].kind, str(found[0].severity), found[0].adcode) == (
            AlertKind.EVENT,
            level,
            "440803",
        )
        assert found[0].params == {"title": "内涝", "level": level}


def test_event_threshold_is_level_ii() -> None:
    assert a.EVENT_MIN_LEVEL is II


# ── traffic ──────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("tpi", "severity"),
    [
        (5.99, None),
        (6.0, III),  # 中度拥堵 begins
        (7.99, III),
        (8.0, II),  # 严重拥堵 begins
        (10.0, II),
    ],
)
def test_congestion_from_tpi_6_and_severe_from_8(tpi: float, severity: WarningLevel | None) -> None:
    found = a.traffic_alerts([{"road_name": "人民大道", "tpi": tpi, "level": 4}])
    assert [x.severity for x in found] == ([] if severity is None else [severity])
    if found:
        assert found[0].entity == "人民大道"
        assert found[0].params["tpi_level"] == (5 if tpi >= 8 else 4)


def test_congestion_thresholds() -> None:
    assert (a.CONGESTION_TPI, a.SEVERE_CONGESTION_TPI) == (6.0, 8.0)


@pytest.mark.parametrize("tpi", [None, float("nan")])
def test_a_road_without_a_tpi_is_no_alert(tpi: float | None) -> None:
    assert a.traffic_alerts([{"road_name": "G207", "tpi": tpi}]) == []


# ── fire ─────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("confirmed", "kind", "severity"),
    [(True, AlertKind.FIRE, II), (False, AlertKind.ALARM, IV), (None, AlertKind.ALARM, IV)],
)
def test_live_alarms_confirmed_or_not(
    confirmed: bool | None, kind: AlertKind, severity: WarningLevel
) -> None:
    row = {"unit_id": "u1", "unit_name": "中心医院", "confirmed": confirmed, "adcode": "440802"}
    alert = _one(a.fire_alerts([row]))
    assert (alert.kind, alert.severity, alert.entity, alert.adcode) == (
        kind,
        severity,
        "u1",
        "440802",
    )


# ── river ────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("actual", "target", "severity"),
    [
        ("II", "III", None),  # better than target
        ("III", "III", None),  # at target: limits are inclusive
        ("IV", "III", IV),  # one class below
        ("V", "II", IV),
        ("劣V", "IV", III),  # worse than V
        ("劣V", "劣V", None),
    ],
)
def test_sections_below_target(actual: str, target: str, severity: WarningLevel | None) -> None:
    row = {"station_id": "s1", "name": "遂溪河口", "water_class": actual, "target_class": target}
    found = a.river_alerts([row])
    assert [x.severity for x in found] == ([] if severity is None else [severity])
    if found:
        assert found[0].params["water_class"] == actual
        assert found[0].params["target_class"] == target


def test_a_section_with_no_class_now_is_no_alert() -> None:
    assert a.river_alerts([{"station_id": "s", "water_class": None, "target_class": "III"}]) == []
    assert a.river_alerts([{"station_id": "s", "water_class": "V", "target_class": None}]) == []


# ── radar ────────────────────────────────────────────────────────────────────────────────


def test_every_intrusion_is_an_alert() -> None:
    rows = [
        {"mmsi": 412000001, "name": "粤湛渔1", "zone_name": "航道", "rule": "no_fishing"},
        {"mmsi": 412000002, "name": None, "zone_name": "锚地", "rule": "no_anchoring"},
    ]
    found = a.radar_alerts(rows, None)
    assert [(x.kind, x.severity, x.entity) for x in found] == [
        (AlertKind.INTRUSION, III, "412000001"),
        (AlertKind.INTRUSION, III, "412000002"),
    ]
    assert found[1].params["vessel"] == "412000002"  # no name: its MMSI


@pytest.mark.parametrize(("dark", "alerted"), [(None, False), (0, False), (1, True), (7, True)])
def test_dark_targets_from_one(dark: int | None, alerted: bool) -> None:
    found = a.radar_alerts([], dark)
    assert bool(found) is alerted
    if alerted:
        assert (found[0].kind, found[0].severity, found[0].params) == (
            AlertKind.DARK,
            IV,
            {"n": dark},
        )


# ── ordering and words ───────────────────────────────────────────────────────────────────


def test_ranked_puts_the_most_severe_first_and_keeps_the_order_within_a_level() -> None:
    low1 = Alert(AlertKind.DARK, IV, None, None)
    high = Alert(AlertKind.FIRE, II, "u", None)
    low2 = Alert(AlertKind.ALARM, IV, "v", None)
    top = Alert(AlertKind.WARNING, I, "w", None)
    assert list(a.ranked([low1, high, low2, top])) == [top, high, low1, low2]
    assert list(a.ranked([low1, high, low2, top], 2)) == [top, high]


def test_an_alert_is_a_frozen_value_with_a_message_key() -> None:
    alert = Alert(AlertKind.WATER, III, "s1", "440881", {"name": "x"})
    assert alert.message == "alert.water"
    assert alert.key == ("river", "water", "s1")
    with pytest.raises(AttributeError):
        alert.severity = I  # type: ignore[misc]


def test_every_kind_belongs_to_a_domain() -> None:
    assert set(a.KIND_DOMAIN) == set(AlertKind)


def _samples() -> list[Alert]:
    """One alert of every kind, made by the rules."""
    return [
        *a.emergency_alerts(
            [{"identifier": "w", "event": "暴雨", "hazard": "rainstorm", "signal": "red"}],
            [{"event_id": "e", "title": "内涝", "level": "I"}],
        ),
        *a.traffic_alerts([{"road_name": "海滨大道", "tpi": 8.4}]),
        *a.fire_alerts([{"unit_name": "万达广场", "confirmed": True}, {"unit_name": "学校"}]),
        *a.river_alerts([{"name": "南柳河", "water_class": "劣V", "target_class": "IV"}]),
        *a.radar_alerts([{"mmsi": 1, "name": "x", "zone_name": "z", "rule": "no_entry"}], 3),
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_every_kind_has_words_in_both_catalogues(lang: str) -> None:
    samples = _samples()
    assert {x.kind for x in samples} == set(AlertKind)
    for alert in samples:
        text = catalog(lang)[alert.message]
        fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
        assert fields <= set(alert.params), (alert.kind, fields)
        item: dict[str, Any] = {"message": alert.message, "params": dict(alert.params)}
        shown = ticker_text(item, lang)
        assert shown and "{" not in shown and "alert." not in shown
        assert ".None" not in shown and "hazard." not in shown and "water." not in shown


def test_ticker_words_translate_codes() -> None:
    alert = a.river_alerts([{"name": "南柳河", "water_class": "劣V", "target_class": "IV"}])[0]
    item = {"message": alert.message, "params": dict(alert.params)}
    assert ticker_text(item, "zh") == "【水质】南柳河 劣V类（目标IV类）"
    assert ticker_text(item, "en") == "[Water] 南柳河: Below V (target Class IV)"
    road = a.traffic_alerts([{"road_name": "G207", "tpi": 8.44}])[0]
    item = {"message": road.message, "params": dict(road.params)}
    assert ticker_text(item, "en") == "[Congestion] G207: Heavy, TPI 8.4"
