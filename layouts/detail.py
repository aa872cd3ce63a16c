"""Detail cards: what the wall shows about a selected vessel, incident, station or section.

`detail_card(entity, facts, lang)` turns `services.wall_detail.detail(...)` into a small card
(title and label/value rows). Data strings (vessel names, incident notes) are rendered as text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from dash import html

from layouts.i18n import fmt_num, local_time, t

__all__ = ["FIELDS", "detail_card"]

Fmt = Callable[[Any, str], str]


def _text(v: Any, lang: str) -> str:
    return "—" if v is None or v == "" else str(v)


def _num(digits: int, unit_key: str = "") -> Fmt:
    def fmt(v: Any, lang: str) -> str:
        if not isinstance(v, int | float):
            return "—"
        return fmt_num(v, digits) + (" " + t(unit_key, lang) if unit_key else "")

    return fmt


def _time(v: Any, lang: str) -> str:
    if not v:
        return "—"
    return local_time(datetime.fromisoformat(str(v))).strftime("%m-%d %H:%M")


def _code(prefix: str) -> Fmt:
    return lambda v, lang: "—" if v is None else t(f"{prefix}.{v}", lang)


def _yes_no(v: Any, lang: str) -> str:
    return "—" if v is None else t("detail.yes" if v else "detail.no", lang)


# kind → (title column, [(label key, column, formatter)])
FIELDS: Mapping[str, tuple[str, list[tuple[str, str, Fmt]]]] = {
    "vessel": (
        "name",
        [
            ("detail.mmsi", "mmsi", _text),
            ("detail.type", "vessel_type", _code("vessel")),
            ("detail.speed", "sog", _num(1, "unit.kn")),
            ("detail.course", "cog", _num(0, "unit.deg")),
            ("detail.registered", "registered", _yes_no),
            ("detail.callsign", "callsign", _text),
            ("detail.time", "ts", _time),
        ],
    ),
    "dark_target": (
        "track_id",
        [
            ("detail.radar", "radar_id", _text),
            ("detail.speed", "speed_kn", _num(1, "unit.kn")),
            ("detail.course", "course", _num(0, "unit.deg")),
            ("detail.time", "ts", _time),
        ],
    ),
    "traffic_incident": (
        "road_name",
        [
            ("detail.kind", "kind", _code("incident")),
            ("detail.severity", "severity", _text),
            ("detail.status", "status", _code("status")),
            ("detail.reported", "reported_ts", _time),
            ("detail.description", "description", _text),
        ],
    ),
    "road": (
        "road_name",
        [
            ("detail.speed", "speed_kmh", _num(0, "unit.kmh")),
            ("traffic.tpi", "tpi", _num(1)),
            ("traffic.level", "level", _code("tpi.level")),
            ("detail.time", "ts", _time),
        ],
    ),
    "event": (
        "title",
        [
            ("detail.kind", "kind", _code("event")),
            ("detail.level", "level", _text),
            ("detail.status", "status", _code("status")),
            ("detail.reported", "reported_ts", _time),
            ("detail.casualties", "casualties", _num(0)),
        ],
    ),
    "warning": (
        "event",
        [
            ("detail.level", "level", _text),
            ("detail.area", "area_desc", _text),
            ("detail.onset", "onset", _time),
            ("detail.expires", "expires", _time),
        ],
    ),
    "typhoon": (
        "name_zh",
        [
            ("detail.wind", "wind_ms", _num(1, "unit.ms")),
            ("detail.force", "force", _text),
            ("detail.pressure", "pressure_hpa", _num(0, "unit.hpa")),
            ("detail.time", "ts", _time),
        ],
    ),
    "fire_station": (
        "name",
        [("detail.kind", "kind", _code("station")), ("detail.engines", "engines", _num(0))],
    ),
    "fire_unit": (
        "unit_name",
        [
            ("detail.category", "category", _code("unit")),
            ("detail.confirmed", "confirmed", _yes_no),
            ("detail.time", "ts", _time),
        ],
    ),
    "fire_incident": (
        "incident_id",
        [
            ("detail.kind", "kind", _code("fire_kind")),
            ("detail.status", "status", _code("status")),
            ("detail.call", "call_ts", _time),
            ("detail.dispatch", "dispatch_ts", _time),
            ("detail.arrival", "arrival_ts", _time),
        ],
    ),
    "river_station": (
        "name",
        [
            ("detail.river", "river_name", _text),
            ("detail.class", "water_class", _text),
            ("detail.target", "target_class", _text),
            ("detail.chief", "chief_name", _text),
            ("detail.do", "do", _num(2, "unit.mgl")),
            ("detail.nh3n", "nh3n", _num(2, "unit.mgl")),
            ("detail.tp", "tp", _num(3, "unit.mgl")),
            ("detail.time", "ts", _time),
        ],
    ),
    "section": (
        "reach_name",
        [
            ("detail.river", "river_name", _text),
            ("detail.chief", "chief_name", _text),
            ("detail.chief_level", "chief_level", _text),
            ("detail.length", "length_km", _num(1, "unit.km")),
        ],
    ),
    "zone": (
        "name",
        [("detail.kind", "kind", _code("zone")), ("detail.rule", "rule", _code("rule"))],
    ),
}


def _row(label: str, value: str) -> html.Div:
    return html.Div(
        [html.Span(label, className="k"), html.Span(value, className="v")], className="detail-row"
    )


def detail_card(entity: Mapping[str, Any], facts: Mapping[str, Any], lang: str) -> html.Div:
    """The card of one selected thing; says so when it is gone or its source is down."""
    kind = str(entity.get("kind"))
    title_col, fields = FIELDS.get(kind, ("", []))
    row = facts.get("row")
    heading = t(f"detail.kind.{kind}", lang)
    if not row:
        note = t("detail.unavailable" if facts.get("error") else "detail.gone", lang)
        return html.Div(
            [html.Div(heading, className="detail-title"), _row(note, "")], className="detail-card"
        )
    title = str(row.get(title_col) or entity.get("id") or "")
    rows = [_row(t(label, lang), fmt(row.get(col), lang)) for label, col, fmt in fields]
    for r in facts.get("extra", {}).get("resources", []):
        rows.append(
            _row(
                str(r.get("name") or ""),
                t("detail.resource", lang, km=fmt_num(r.get("distance_km"), 1)),
            )
        )
    return html.Div(
        [html.Div(f"{heading} · {title}", className="detail-title"), *rows], className="detail-card"
    )
