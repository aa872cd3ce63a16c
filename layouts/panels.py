"""KPI card builders of the wall: pure functions, panel data in, Dash components out.

Each `<domain>_body(data, lang)` takes the `data` part of one panel of `services.wall.tick` and
returns the panel body. Lists carry every row the tick has; CSS shows fewer on a 16:9 wall and all
of them on a 32:9 wall or in playlist focus. Long names are shortened here (not clipped by CSS),
so nothing on the wall is ever cut off mid-glyph.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dash import html

from brain.standards import WaterClass
from layouts import theme
from layouts.cards import badge, kpi, row, row_list, shorten
from layouts.i18n import fmt_num, fmt_pct, t

__all__ = [
    "BODIES",
    "badge",
    "economy_body",
    "emergency_body",
    "fire_body",
    "radar_body",
    "river_body",
    "traffic_body",
]

Data = Mapping[str, Any]


def _economy_tile(tile: Mapping[str, Any], lang: str) -> html.Div:
    """One indicator: name, cumulative period and year-on-year change, then the figure."""
    code = str(tile.get("indicator"))
    name = t(f"economy.ind.{code}", lang)
    if name == f"economy.ind.{code}":
        name = str(tile.get("name_en" if lang == "en" else "name_zh") or code)
    unit = t(f"unit.{tile.get('unit')}", lang) if tile.get("unit") else ""
    value = tile.get("value_ytd") if tile.get("value_ytd") is not None else tile.get("value")
    delta = tile.get("ytd_yoy_pct")
    if delta is None:
        delta = tile.get("yoy_pct")
    digits = 1 if isinstance(value, int | float) and abs(value) < 1000 else 0
    meta: list[Any] = [_period(tile.get("period"), lang)]
    if delta is not None:
        meta.append(
            html.Span(fmt_pct(delta), className="kpi-delta " + ("up" if delta >= 0 else "down"))
        )
    return html.Div(
        [
            html.Div(
                [html.Div(name, className="eco-name"), html.Div(meta, className="eco-meta")],
                className="eco-label",
            ),
            html.Span(fmt_num(value, digits), className="kpi-value"),
            html.Span(unit, className="kpi-unit"),
        ],
        className="eco",
    )


def economy_body(data: Data, lang: str) -> html.Div:
    tiles: list[Any] = [_economy_tile(tile, lang) for tile in data.get("tiles", [])]
    if not tiles:
        tiles = [html.Div(t("panel.none", lang), className="row row--empty")]
    return html.Div(tiles, className="body body--economy")


def _period(period: object, lang: str) -> str:
    """The cumulative period of a figure: 1-9月 / Jan-Sep."""
    text = str(period or "")
    if len(text) < 7:
        return "—"
    month = int(text[5:7])
    return t("economy.ytd", lang, month=month, month_name=t(f"month.{month}", lang))


def traffic_body(data: Data, lang: str) -> html.Div:
    level = data.get("level")
    color = theme.TPI_COLORS.get(int(level)) if level else None
    head = html.Div(
        [
            kpi(t("traffic.tpi", lang), fmt_num(data.get("tpi"), 1), headline=True, color=color),
            kpi(
                t("traffic.level", lang),
                t(f"tpi.level.{level}", lang) if level else "—",
                color=color,
            ),
            kpi(t("traffic.incidents", lang), fmt_num(data.get("incidents"))),
        ],
        className="kpi-row",
    )
    rows = [
        row(
            r["road_name"],
            fmt_num(r.get("tpi"), 1),
            color=theme.TPI_COLORS.get(int(r["level"])) if r.get("level") else None,
        )
        for r in data.get("worst", [])
    ]
    return html.Div(
        [head, row_list(t("traffic.worst", lang), rows, lang)], className="body body--traffic"
    )


def emergency_body(data: Data, lang: str) -> html.Div:
    levels = data.get("levels", {})
    chips = [
        html.Span(
            t("emergency.level_count", lang, level=lv, n=levels.get(lv, 0)),
            className="chip",
            style={
                "borderColor": theme.WARNING_LEVEL_COLORS[lv],
                "color": theme.WARNING_LEVEL_COLORS[lv],
            },
        )
        for lv in ("I", "II", "III", "IV")
    ]
    head = html.Div(
        [
            kpi(t("emergency.events", lang), fmt_num(data.get("events")), headline=True),
            kpi(t("emergency.warnings", lang), fmt_num(len(data.get("warnings", [])))),
            html.Div(chips, className="chips"),
        ],
        className="kpi-row",
    )
    rows = [
        row(
            w.get("event") or "",
            "",
            chip=t(f"signal.{w.get('signal')}", lang),
            color=theme.SIGNAL_COLORS.get(str(w.get("signal"))),
        )
        for w in data.get("warnings", [])
    ]
    rows += [
        row(
            e.get("title") or "",
            t("emergency.level", lang, level=e.get("level")),
            color=theme.WARNING_LEVEL_COLORS.get(str(e.get("level"))),
        )
        for e in data.get("top", [])
    ]
    return html.Div(
        [head, row_list(t("emergency.in_force", lang), rows, lang)],
        className="body body--emergency",
    )


def _duration(seconds: object, lang: str) -> str:
    if not isinstance(seconds, int | float):
        return "—"
    m, s = divmod(round(seconds), 60)
    return t("duration.ms", lang, m=m, s=s)


def fire_body(data: Data, lang: str) -> html.Div:
    resp = data.get("response", {}) or {}
    median = resp.get("median_s")
    late = isinstance(median, int | float) and median > 300
    share = resp.get("within_standard_share")
    head = html.Div(
        [
            kpi(t("fire.alarms_today", lang), fmt_num(data.get("alarms_today")), headline=True),
            kpi(t("fire.confirmed", lang), fmt_num(data.get("confirmed_today"))),
            kpi(t("fire.live", lang), fmt_num(data.get("live_count"))),
        ],
        className="kpi-row",
    )
    response = html.Div(
        [
            kpi(
                t("fire.response", lang),
                _duration(median, lang),
                color=theme.STATUS_COLORS["down" if late else "ok"] if median is not None else None,
            ),
            kpi(
                t("fire.within", lang),
                fmt_pct(None if share is None else share * 100, 0, signed=False),
            ),
        ],
        className="kpi-row",
    )
    rows = [
        row(
            a.get("unit_name") or "",
            t("fire.confirmed_fire" if a.get("confirmed") else "fire.unverified", lang),
            color=theme.STATUS_COLORS["down" if a.get("confirmed") else "stale"],
        )
        for a in data.get("live", [])
    ]
    return html.Div(
        [head, response, row_list(t("fire.live_list", lang), rows, lang)],
        className="body body--fire",
    )


def river_body(data: Data, lang: str) -> html.Div:
    share = data.get("share")
    head = html.Div(
        [
            kpi(
                t("river.share", lang),
                fmt_pct(None if share is None else share * 100, 1, signed=False),
                headline=True,
            ),
            kpi(
                t("river.meeting", lang),
                f"{fmt_num(data.get('meeting'))}/{fmt_num(data.get('sections'))}",
            ),
            kpi(
                t("river.worse_than_v", lang),
                fmt_num(data.get("worse_than_v")),
                color=theme.WATER_CLASS_COLORS[WaterClass.WORSE_THAN_V.value]
                if data.get("worse_than_v")
                else None,
            ),
        ],
        className="kpi-row",
    )
    rows = [
        row(
            s.get("name") or "",
            t(
                "river.target",
                lang,
                code=s.get("target_class"),
                target=t(f"water.{s.get('target_class')}", lang),
            ),
            chip=t(f"water.{s.get('water_class')}", lang),
            color=theme.WATER_CLASS_COLORS.get(str(s.get("water_class"))),
        )
        for s in data.get("worst", [])
    ]
    return html.Div(
        [head, row_list(t("river.worst", lang), rows, lang)], className="body body--river"
    )


def radar_body(data: Data, lang: str) -> html.Div:
    head = html.Div(
        [
            kpi(t("radar.vessels", lang), fmt_num(data.get("vessels")), headline=True),
            kpi(
                t("radar.dark", lang),
                fmt_num(data.get("dark")),
                color=theme.STATUS_COLORS["stale"] if data.get("dark") else None,
            ),
            kpi(
                t("radar.intrusions", lang),
                fmt_num(data.get("intrusions")),
                color=theme.STATUS_COLORS["down"] if data.get("intrusions") else None,
            ),
            kpi(t("radar.unregistered", lang), fmt_num(data.get("unregistered"))),
        ],
        className="kpi-row",
    )
    rows = [
        row(
            i.get("name") or str(i.get("mmsi")),
            t(f"rule.{i.get('rule')}", lang),
            note=shorten(i.get("zone_name"), 6),
            color=theme.STATUS_COLORS["down"],
        )
        for i in data.get("intrusion_list", [])
    ]
    return html.Div(
        [head, row_list(t("radar.intrusion_list", lang), rows, lang)], className="body body--radar"
    )


BODIES = {
    "economy": economy_body,
    "traffic": traffic_body,
    "emergency": emergency_body,
    "fire": fire_body,
    "river": river_body,
    "radar": radar_body,
}
