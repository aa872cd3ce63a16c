"""The Economy page (经济运行, /economy): indicator explorer by district and month.

Key figures of the chosen scope (city or district), the districts' choropleth and ranking, the
trend with its forecast and interval and the unusual months marked, the explorer table (district
× period), and the detail of one district's month across every indicator.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import dash
import pandas as pd
from dash import html

from brain.economy_stats import months_covered
from layouts import page
from layouts.i18n import fmt_num, fmt_pct, lang_of, t
from layouts.map_geo import SEA_LAYER, city_bounds, district, fit
from layouts.theme import ACCENT, GRID, MUTED, TEXT

__all__ = [
    "BY",
    "CARDS",
    "DETAIL",
    "FLAGS",
    "INDICATOR",
    "INDICATORS",
    "MAP",
    "PRESETS",
    "RANKING",
    "RANK_BY",
    "STATUS",
    "TABLE",
    "TREND",
    "cards",
    "detail",
    "flags",
    "layout",
    "map_figure",
    "month_of_click",
    "period_label",
    "ranking_figure",
    "table_rows",
    "trend_figure",
]

PAGE: Final = "economy"
PRESETS: Final = ("3y", "1y", "year", "custom")
INDICATORS: Final = ("gdp", "iva", "fai", "retail", "port", "trade", "elec")
RANK_BY: Final = ("value_ytd", "value", "yoy_pct", "ytd_yoy_pct")
# component ids of the page (all `economy-…`)
INDICATOR: Final = "economy-indicator"
BY: Final = "economy-by"
STATUS: Final = "economy-status"
CARDS: Final = "economy-cards"
MAP: Final = "economy-map"
RANKING: Final = "economy-ranking"
TREND: Final = "economy-trend"
FLAGS: Final = "economy-flags"
TABLE: Final = "economy-table"
DETAIL: Final = "economy-detail"
MAP_SIZE: Final = (760, 420)

COLUMNS: Final = (
    {"field": "district", "header": "economy.col.district"},
    {"field": "period_label", "header": "economy.col.period"},
    {"field": "value", "header": "economy.col.value", "kind": "num"},
    {"field": "value_ytd", "header": "economy.col.value_ytd", "kind": "num"},
    {"field": "yoy_pct", "header": "economy.col.yoy", "kind": "pct"},
    {"field": "ytd_yoy_pct", "header": "economy.col.ytd_yoy", "kind": "pct"},
    {"field": "flag_text", "header": "economy.col.flag"},
)


def _control(label_key: str, cid: str, options: list[dict[str, str]], value: str, lang: str) -> Any:
    label = t(label_key, lang)
    return page.dropdown(cid, label, options, value, clearable=False, searchable=False)


def layout(**query: str) -> html.Div:
    """The page for the URL's query (Dash pages pass its keys)."""
    raw, problems = page.read(
        PAGE,
        query,
        default_preset=PRESETS[0],
        presets=PRESETS,
        extras={"indicator": INDICATORS, "by": RANK_BY},
    )
    lang = page.lang_of_state(raw)
    extra = raw["extra"]
    indicators = [{"label": t(f"economy.name.{c}", lang), "value": c} for c in INDICATORS]
    by = [{"label": t(f"economy.by.{b}", lang), "value": b} for b in RANK_BY]
    controls = [
        _control("economy.indicator", INDICATOR, indicators, extra.get("indicator", "iva"), lang),
        _control("economy.rank_by", BY, by, extra.get("by", "value_ytd"), lang),
    ]
    body = [
        html.Div(id=STATUS, className="pg-status", style={"gridColumn": "span 12"}),
        page.section("economy.cards", lang, page.loading(html.Div(id=CARDS)), exports=()),
        page.section(
            "economy.map",
            lang,
            page.loading(page.graph(MAP, "economy-map", height="420px")),
            exports=("geojson",),
            class_name="pg-half",
        ),
        page.section(
            "economy.ranking",
            lang,
            page.loading(page.graph(RANKING, "economy-ranking", height="420px")),
            class_name="pg-half",
        ),
        page.section(
            "economy.trend",
            lang,
            page.loading(page.graph(TREND, "economy-trend", height="380px")),
            exports=(),
            class_name="pg-two-thirds",
        ),
        page.section(
            "economy.flags",
            lang,
            page.loading(html.Div(id=FLAGS)),
            exports=(),
            class_name="pg-third",
        ),
        page.section(
            "economy.table",
            lang,
            page.table(TABLE, lang, COLUMNS),
            aside=t("economy.table.hint", lang),
        ),
        page.section("economy.detail", lang, page.loading(html.Div(id=DETAIL)), exports=()),
    ]
    return page.shell(
        PAGE,
        lang,
        state=raw,
        problems=problems,
        presets=PRESETS,
        controls=controls,
        body=body,
        entity_label=entity_label(raw, lang),
    )


def entity_label(raw: Mapping[str, Any], lang: str) -> str | None:
    """The breadcrumb's name of the entity (a month, "YYYY-MM")."""
    entity = raw.get("entity")
    if not entity:
        return None
    try:
        stamp = pd.Timestamp(f"{entity}-01")
    except ValueError:
        return str(entity)
    return period_label(stamp, "monthly", lang)


def period_label(period: Any, frequency: str, lang: str) -> str:
    """1-2月 of 2024 / Jan-Feb 2024, June 2024 (2024-06), the second quarter (2024 Q2)."""
    stamp = pd.Timestamp(period)
    first, last = months_covered(stamp.month, frequency)
    if frequency == "quarterly":
        return t("economy.period.quarter", lang, year=stamp.year, q=last // 3)
    if first != last:  # January-February, reported together
        return t("economy.period.janfeb", lang, year=stamp.year)
    return t("economy.period.month", lang, year=stamp.year, month=last)


def _name(row: Mapping[str, Any], lang: str) -> str:
    return str(row.get("name_en") if lang_of(lang) == "en" else row.get("name_zh"))


def _flag_text(row: Mapping[str, Any], lang: str) -> str:
    reason = row.get("flag") or ""
    if not reason:
        return ""
    return t(
        f"economy.flag.{reason}",
        lang,
        pp=fmt_num(abs(float(row.get("change_pp") or 0.0)), 1),
        z=fmt_num(row.get("robust_z"), 1),
    )


def table_rows(frame: pd.DataFrame, frequency: str, lang: str) -> list[dict[str, Any]]:
    """The explorer table's rows (the frame's own fields, with labels to show)."""
    rows = []
    for row in frame.to_dict("records"):
        out = {k: _plain(v) for k, v in row.items()}
        out["district"] = _name(row, lang)
        out["period_label"] = period_label(row["period"], frequency, lang)
        out["flag_text"] = _flag_text(row, lang)
        rows.append(out)
    return rows


def _plain(v: Any) -> Any:
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, float) and v != v:
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


def unit_of(code: str, unit: str, lang: str) -> str:
    """The indicator's unit in `lang` (the catalogue's own unit when the catalog has none)."""
    key = f"economy.unit.{code}"
    text = t(key, lang)
    return unit if text == key else text


def _unit(view: Any, lang: str) -> str:
    return unit_of(str(view.indicator.get("code")), str(view.indicator.get("unit") or ""), lang)


def cards(view: Any, lang: str) -> Any:
    """Level, YoY, year to date and cumulative YoY of the scope's newest period in the range."""
    if view.series.empty:
        return page.empty(lang)
    last = view.series.iloc[-1]
    freq = view.indicator["frequency"]
    unit = _unit(view, lang)
    scope = page.district_name(None if view.scope == "440800" else view.scope, lang)
    name = t(f"economy.name.{view.indicator['code']}", lang)
    sub = f"{scope} · {name} · {period_label(last['period'], freq, lang)}"
    items = [
        ("economy.card.value", fmt_num(last["value"], 2), unit, None),
        ("economy.card.yoy", fmt_pct(last["yoy_pct"]), "", last["yoy_pct"]),
        ("economy.card.value_ytd", fmt_num(last["value_ytd"], 2), unit, None),
        ("economy.card.ytd_yoy", fmt_pct(last["ytd_yoy_pct"]), "", last["ytd_yoy_pct"]),
    ]
    boxes = []
    for key, value, suffix, sign in items:
        cls = "pg-card-value"
        if sign is not None and sign == sign:
            cls += " pg-up" if sign >= 0 else " pg-down"
        boxes.append(
            html.Div(
                [
                    html.Div(t(key, lang), className="pg-card-label"),
                    html.Div(
                        [value, html.Span(f" {suffix}", className="pg-card-sub")], className=cls
                    ),
                ],
                className="pg-card",
            )
        )
    return html.Div([html.Div(sub, className="pg-card-sub"), html.Div(boxes, className="pg-cards")])


def _view_of(adcode: str | None) -> dict[str, Any]:
    bounds = district(adcode).bounds if adcode else city_bounds()
    lon, lat, zoom = fit(bounds, MAP_SIZE)
    return {"center": {"lon": lon, "lat": lat}, "zoom": zoom}


def map_figure(view: Any, selected: str | None, lang: str) -> dict[str, Any]:
    """The districts shaded by the ranking's column at the ranking's period; click → filter."""
    rank = view.ranking
    by = view.by
    geojson = dash.get_asset_url("geo/districts.geojson")
    names = [_name(r, lang) for r in rank.to_dict("records")]
    z = [None if pd.isna(v) else round(float(v), 2) for v in rank[by]] if not rank.empty else []
    suffix = "%" if by.endswith("pct") else f" {_unit(view, lang)}"
    trace = {
        "type": "choroplethmap",
        "geojson": geojson,
        "featureidkey": "properties.adcode",
        "locations": list(rank["adcode"]),
        "z": z,
        "text": names,
        "colorscale": [[0, "#10284d"], [0.5, "#1f6fb2"], [1, ACCENT]],
        "marker": {
            "opacity": 0.85,
            "line": {
                "width": [3 if a == selected else 1 for a in rank["adcode"]],
                "color": [TEXT if a == selected else GRID for a in rank["adcode"]],
            },
        },
        "colorbar": {"thickness": 10, "tickfont": {"size": 11, "color": MUTED}, "x": 0.98},
        "hovertemplate": "%{text}: %{z:,.2f}" + suffix + "<extra></extra>",
    }
    layout = page.chart_layout(
        map={"style": "white-bg", "layers": [SEA_LAYER], **_view_of(selected)},
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        uirevision=selected or "city",
        clickmode="event",
    )
    return {"data": [trace], "layout": layout}


def ranking_figure(view: Any, selected: str | None, lang: str) -> dict[str, Any]:
    """The districts at the ranking's period, best first (the selected one highlighted)."""
    rank = view.ranking.iloc[::-1]
    by = view.by
    colors = [ACCENT if a == selected or selected is None else "#31507a" for a in rank["adcode"]]
    suffix = "%" if by.endswith("pct") else ""
    trace = {
        "type": "bar",
        "orientation": "h",
        "y": [_name(r, lang) for r in rank.to_dict("records")],
        "x": [None if pd.isna(v) else float(v) for v in rank[by]],
        "customdata": list(rank["adcode"]),
        "marker": {"color": colors},
        "hovertemplate": "%{y}: %{x:,.2f}" + suffix + "<extra></extra>",
    }
    title = t(f"economy.by.{by}", lang)
    if view.period is not None:
        title += " · " + period_label(view.period, view.indicator["frequency"], lang)
    layout = page.chart_layout(
        margin={"l": 90, "r": 16, "t": 30, "b": 30},
        title={"text": title, "font": {"size": 13, "color": MUTED}, "x": 0.01, "y": 0.98},
        xaxis={"ticksuffix": suffix, "tickfont": {"size": 12}},
        bargap=0.25,
    )
    return {"data": [trace], "layout": layout}


def trend_figure(view: Any, lang: str, entity: str | None = None) -> dict[str, Any]:
    """The scope's period values (bars), YoY growth (line, right axis) with the unusual months
    marked, the forecast with its 90 % interval, and the selected month (`entity`) outlined."""
    s = view.series
    freq = view.indicator["frequency"]
    if s.empty:
        return {"data": [], "layout": page.chart_layout()}
    x = [p.strftime("%Y-%m-%d") for p in s["period"]]
    labels = [period_label(p, freq, lang) for p in s["period"]]
    data: list[dict[str, Any]] = [
        {
            "type": "bar",
            "x": x,
            "y": [_plain(v) for v in s["value"]],
            "name": t("economy.trend.value", lang),
            "marker": {"color": "#1f6fb2"},
            "customdata": labels,
            "hovertemplate": "%{customdata}: %{y:,.2f}<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": x,
            "y": [_plain(v) for v in s["yoy_pct"]],
            "yaxis": "y2",
            "name": t("economy.trend.yoy", lang),
            "line": {"color": "#facc15", "width": 2},
            "customdata": labels,
            "hovertemplate": "%{customdata}: %{y:+.1f}%<extra></extra>",
        },
    ]
    flagged = s[s["flag"] != ""]
    if not flagged.empty:
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [p.strftime("%Y-%m-%d") for p in flagged["period"]],
                "y": [_plain(v) for v in flagged["yoy_pct"]],
                "yaxis": "y2",
                "name": t("economy.trend.flag", lang),
                "marker": {"color": "#ef4444", "size": 12, "symbol": "diamond"},
                "text": [_flag_text(r, lang) for r in flagged.to_dict("records")],
                "hovertemplate": "%{text}<extra></extra>",
            }
        )
    f = view.forecast
    if f is not None and not f.empty:
        fx = [pd.Timestamp(p).strftime("%Y-%m-%d") for p in f["period"]]
        data += [
            {
                "type": "scatter",
                "mode": "lines",
                "x": fx + fx[::-1],
                "y": list(f["upper"]) + list(f["lower"])[::-1],
                "fill": "toself",
                "fillcolor": "rgba(42,212,255,0.15)",
                "line": {"width": 0},
                "hoverinfo": "skip",
                "name": t("economy.trend.interval", lang),
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": fx,
                "y": list(f["mean"]),
                "line": {"color": ACCENT, "dash": "dot"},
                "name": t("economy.trend.forecast", lang),
                "hovertemplate": "%{x|%Y-%m}: %{y:,.2f}<extra></extra>",
            },
        ]
    layout = page.chart_layout(
        yaxis={
            "title": {"text": _unit(view, lang), "font": {"size": 12}},
            "tickfont": {"size": 12},
        },
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "ticksuffix": "%",
            "showgrid": False,
            "tickfont": {"size": 12},
        },
        xaxis={"tickformat": "%Y-%m", "tickfont": {"size": 12}},
        margin={"l": 64, "r": 56, "t": 12, "b": 40},
        hovermode="closest",
    )
    if entity:
        day = f"{entity}-01"
        layout["shapes"] = [
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": day,
                "x1": day,
                "y0": 0,
                "y1": 1,
                "line": {"color": TEXT, "width": 1, "dash": "dash"},
            }
        ]
    return {"data": data, "layout": layout}


def month_of_click(click: Mapping[str, Any] | None) -> str | None:
    """The month ("YYYY-MM") of a click on the trend's figures (not on the forecast)."""
    points = (click or {}).get("points") or []
    if not points or not ({"customdata", "text"} & set(points[0])):
        return None  # the forecast's traces carry neither
    x = str(points[0].get("x") or "")
    return x[:7] if len(x) >= 7 and x[4] == "-" else None


def flags(view: Any, lang: str) -> Any:
    """The unusual months of the scope in the range, newest first, with the reason."""
    if view.flags.empty:
        return html.Div(t("economy.flags.none", lang), className="pg-empty")
    freq = view.indicator["frequency"]
    items = [
        html.Li(
            [
                html.Span(period_label(r["period"], freq, lang) + " ", className="pg-flag"),
                _flag_text(r, lang),
            ]
        )
        for r in view.flags.to_dict("records")
    ]
    return html.Div(
        [
            html.Div(t("economy.flags.rule", lang), className="pg-card-sub"),
            html.Ul(items, className="pg-detail-list"),
        ]
    )


def detail(frame: pd.DataFrame, raw: Mapping[str, Any], lang: str) -> Any:
    """One district's month across every indicator (or how to open it)."""
    if not raw.get("entity"):
        return html.Div(t("economy.detail.hint", lang), className="pg-empty")
    if frame.empty:
        return page.empty(lang)
    head = [
        "economy.col.indicator",
        "economy.col.period",
        "economy.col.value",
        "economy.col.value_ytd",
        "economy.col.yoy",
        "economy.col.ytd_yoy",
        "economy.col.flag",
    ]
    rows = []
    for r in frame.to_dict("records"):
        name = r["indicator_en"] if lang_of(lang) == "en" else r["indicator_zh"]
        rows.append(
            html.Tr(
                [
                    html.Td(f"{name} ({unit_of(r['indicator'], r['unit'], lang)})"),
                    html.Td(period_label(r["period"], r["frequency"], lang)),
                    html.Td(fmt_num(r["value"], 2)),
                    html.Td(fmt_num(r["value_ytd"], 2)),
                    html.Td(fmt_pct(r["yoy_pct"])),
                    html.Td(fmt_pct(r["ytd_yoy_pct"])),
                    html.Td(_flag_text(r, lang), className="pg-flag"),
                ]
            )
        )
    title = f"{page.district_name(raw.get('district'), lang)} · {entity_label(raw, lang)}"
    return html.Div(
        [
            html.Div(title, className="pg-card-sub"),
            html.Table(
                [html.Thead(html.Tr([html.Th(t(k, lang)) for k in head])), html.Tbody(rows)],
                className="pg-detail-table",
            ),
        ]
    )


def status(view: Any, lang: str, now: datetime) -> Any:
    """The feed-down notice, when the economy's figures could not be read."""
    from data_adapters.result import Result

    return page.failed(
        Result(view.table if not view.table.empty else None, view.as_of, view.error), lang, now
    )
