"""The fire page (智慧消防, `/fire`): live IoT alarms and faults by key unit, 119 responses
against the 5-minute standard, each station's 5-minute reach on the road network with the key
units outside every reach, and false-alarm rates by unit and device; one unit's or one
station's detail.

`layout(**query)` is the page (Dash pages pass the URL's query keywords); the other builders
turn `services.fire_page` answers into components. The page's own URL keys: `cat` (a unit
category, the category chart's selection) and `gap` ("1": only units outside every reach).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import pandas as pd
from dash import html

from layouts import ids, page
from layouts.i18n import fmt_num, t
from services.fetch import records
from services.fire_page import FireDetail

__all__ = [
    "ALARM_TABLE",
    "CATEGORIES",
    "EXTRAS",
    "INCIDENT_TABLE",
    "PAGE",
    "UNIT_TABLE",
    "alarm_records",
    "detail_panel",
    "incident_records",
    "kpis",
    "layout",
    "unit_records",
]

PAGE: Final = "fire"
CATEGORIES: Final = (
    "school",
    "hospital",
    "mall",
    "hotel",
    "plant",
    "warehouse",
    "highrise",
    "port",
)
EXTRAS: Final = {"cat": CATEGORIES, "gap": ("1",)}
DEFAULT_PRESET: Final = "7d"

UNIT_TABLE: Final[list[dict[str, Any]]] = [
    {"field": "name", "header": "fire.col.unit", "width": 220},
    {"field": "category_text", "header": "fire.col.category"},
    {"field": "district", "header": "fire.col.district"},
    {"field": "reach", "header": "fire.col.reach"},
    {"field": "minutes", "header": "fire.col.minutes", "kind": "num"},
    {"field": "nearest_name", "header": "fire.col.nearest", "width": 200},
    {"field": "alarms", "header": "fire.col.alarms", "kind": "int"},
    {"field": "false_alarms", "header": "fire.col.false_alarms", "kind": "int"},
    {"field": "false_pct", "header": "fire.col.false_rate", "kind": "share"},
    {"field": "fault_pct", "header": "fire.col.fault_rate", "kind": "share"},
    {"field": "devices", "header": "fire.col.devices", "kind": "int"},
]
INCIDENT_TABLE: Final[list[dict[str, Any]]] = [
    {"field": "call", "header": "fire.col.call"},
    {"field": "kind_text", "header": "fire.col.kind"},
    {"field": "station_name", "header": "fire.col.station", "width": 200},
    {"field": "district", "header": "fire.col.district"},
    {"field": "handling_s", "header": "fire.col.handling", "kind": "int"},
    {"field": "response_s", "header": "fire.col.response", "kind": "int"},
    {"field": "wait_s", "header": "fire.col.wait", "kind": "int"},
    {"field": "standard", "header": "fire.col.standard"},
]
ALARM_TABLE: Final[list[dict[str, Any]]] = [
    {"field": "time", "header": "fire.col.time"},
    {"field": "unit_name", "header": "fire.col.unit", "width": 220},
    {"field": "category_text", "header": "fire.col.category"},
    {"field": "district", "header": "fire.col.district"},
    {"field": "device_id", "header": "fire.col.device"},
    {"field": "verdict", "header": "fire.col.verdict"},
]


def _filters(raw: Mapping[str, Any], lang: str) -> list[Any]:
    extra = raw.get("extra") or {}
    categories = [{"label": t(f"fire.category.{c}", lang), "value": c} for c in CATEGORIES]
    return [
        page.dropdown(
            ids.FIRE_CATEGORY,
            t("fire.filter.category", lang),
            categories,
            extra.get("cat"),
            placeholder=t("fire.filter.all", lang),
        ),
        page.only_toggle(
            ids.FIRE_GAP,
            t("fire.filter.every", lang),
            t("fire.filter.gap", lang),
            extra.get("gap") == "1",
        ),
    ]


def layout(**query: str) -> html.Div:
    """The page for the URL's query (its state: range, district, unit or station, category,
    outside-reach-only)."""
    raw, problems = page.read(PAGE, query, default_preset=DEFAULT_PRESET, extras=EXTRAS)
    lang = page.lang_of_state(raw)
    body = [
        html.Div(id=ids.FIRE_STATUS, className="pg-full"),
        html.Div(id=ids.FIRE_KPIS, className="pg-cards pg-full"),
        page.section(
            "fire.map",
            lang,
            page.loading(page.graph(ids.FIRE_MAP, "fire-map", height="560px")),
            exports=("geojson",),
            class_name="pg-two-thirds",
        ),
        page.section(
            "fire.page.response",
            lang,
            page.loading(page.graph(ids.FIRE_RESPONSE, "fire-response", height="560px")),
            exports=(),
            class_name="pg-third",
        ),
        html.Div(id=ids.FIRE_DETAIL, className="pg-full"),
        page.section("fire.units", lang, page.table(ids.FIRE_UNITS, lang, UNIT_TABLE)),
        page.section(
            "fire.stations",
            lang,
            page.loading(page.graph(ids.FIRE_STATIONS, "fire-stations", height="440px")),
            exports=(),
            class_name="pg-half",
        ),
        page.section(
            "fire.categories",
            lang,
            page.loading(page.graph(ids.FIRE_CATEGORIES, "fire-categories", height="440px")),
            exports=(),
            class_name="pg-half",
        ),
        page.section(
            "fire.incidents",
            lang,
            page.table(ids.FIRE_INCIDENTS, lang, INCIDENT_TABLE),
            class_name="pg-half",
        ),
        page.section(
            "fire.alarms",
            lang,
            page.table(ids.FIRE_ALARMS, lang, ALARM_TABLE),
            class_name="pg-half",
        ),
    ]
    return page.shell(
        PAGE, lang, controls=_filters(raw, lang), body=body, state=raw, problems=problems
    )


def _pct(share: Any) -> str:
    return "—" if share is None or pd.isna(share) else f"{float(share) * 100:.1f}%"


def _min(seconds: Any) -> str:
    return "—" if seconds is None or pd.isna(seconds) else f"{float(seconds) / 60:.1f}"


def kpis(f: Mapping[str, Any], lang: str) -> list[Any]:
    """The headline figures of `services.fire_page.summary`."""
    alarms = t(
        "fire.kpi.alarms_sub",
        lang,
        real=fmt_num(f.get("real_fires")),
        false=fmt_num(f.get("false_alarms")),
    )
    within = t(
        "fire.kpi.within_sub", lang, n=fmt_num(f.get("incidents")), median=_min(f.get("median_s"))
    )
    covered = t(
        "fire.kpi.covered_sub",
        lang,
        outside=fmt_num(f.get("outside")),
        units=fmt_num(f.get("units")),
    )
    return [
        page.card(t("fire.kpi.live", lang), fmt_num(f.get("live"))),
        page.card(t("fire.kpi.alarms", lang), fmt_num(f.get("alarms")), alarms),
        page.card(t("fire.kpi.false_rate", lang), _pct(f.get("false_rate"))),
        page.card(t("fire.kpi.faults", lang), fmt_num(f.get("faults"))),
        page.card(t("fire.kpi.within", lang), _pct(f.get("within_share")), within),
        page.card(t("fire.kpi.covered", lang), _pct(f.get("covered_share")), covered),
    ]


def _share(v: Any) -> float | None:
    return None if v is None else round(float(v) * 100, 1)


def unit_records(frame: pd.DataFrame, lang: str) -> list[dict[str, Any]]:
    """Rows of the units table (the export takes the frame itself)."""
    out = []
    for r in records(frame, frame.columns):
        covered = r.get("covered")
        reach = "—" if covered is None else t("fire.inside" if covered else "fire.outside", lang)
        out.append(
            {
                **r,
                "category_text": t(f"fire.category.{r['category']}", lang),
                "district": page.district_text(r.get("adcode"), lang),
                "reach": reach,
                "minutes": None if r.get("minutes") is None else round(r["minutes"], 1),
                "false_pct": _share(r.get("false_rate")),
                "fault_pct": _share(r.get("fault_rate")),
            }
        )
    return out


def incident_records(frame: pd.DataFrame, lang: str) -> list[dict[str, Any]]:
    return [
        {
            **r,
            "call": page.when_text(r.get("call_ts")),
            "kind_text": t(f"fire.kind.{r['kind']}", lang),
            "district": page.district_text(r.get("adcode"), lang),
            "standard": t("fire.meets" if r.get("meets_standard") else "fire.misses", lang),
        }
        for r in records(frame, frame.columns)
    ]


def _verdict(confirmed: Any, lang: str) -> str:
    if confirmed is None:
        return t("fire.verdict.unverified", lang)
    return t("fire.verdict.real" if confirmed else "fire.verdict.false", lang)


def alarm_records(frame: pd.DataFrame, lang: str) -> list[dict[str, Any]]:
    return [
        {
            **r,
            "time": page.when_text(r.get("ts")),
            "category_text": t(f"fire.category.{r['category']}", lang),
            "district": page.district_text(r.get("adcode"), lang),
            "verdict": _verdict(r.get("confirmed"), lang),
        }
        for r in records(frame, frame.columns)
    ]


def _list(items: list[str], lang: str) -> html.Ul:
    return html.Ul(
        [html.Li(i) for i in items] or [html.Li(t("page.empty", lang))], className="pg-detail-list"
    )


def _unit_body(d: FireDetail, lang: str) -> list[Any]:
    r = d.row
    covered = r.get("covered")
    facts = html.Div(
        [
            page.fact("fire.col.category", t(f"fire.category.{r['category']}", lang), lang),
            page.fact("fire.col.district", page.district_text(r.get("adcode"), lang), lang),
            page.fact("fire.col.devices", fmt_num(r.get("devices")), lang),
            page.fact(
                "fire.col.reach",
                "—"
                if covered is None or covered != covered
                else t("fire.inside" if covered else "fire.outside", lang),
                lang,
            ),
            page.fact("fire.col.nearest", f"{r.get('nearest_name') or '—'}", lang),
            page.fact("fire.col.minutes", fmt_num(r.get("minutes"), 1), lang),
            page.fact("fire.col.false_rate", _pct(r.get("false_rate")), lang),
            page.fact("fire.col.fault_rate", _pct(r.get("fault_rate")), lang),
        ],
        className="pg-facts",
    )
    events = d.events.value if d.events is not None else None
    lines = []
    if events is not None:
        for e in events.head(12).itertuples():
            verdict = f" · {_verdict(None if pd.isna(e.confirmed) else bool(e.confirmed), lang)}"
            lines.append(
                f"{page.when_text(e.ts)} · {e.device_id} · {t('fire.event.' + str(e.kind), lang)}"
                + (verdict if e.kind == "alarm" else "")
            )
    devices = d.devices.value if d.devices is not None else None
    dev_lines = []
    if devices is not None:
        for v in devices.head(8).itertuples():
            dev_lines.append(
                t(
                    "fire.detail.device_line",
                    lang,
                    device=v.device_id,
                    false=int(v.false_alarms),
                    alarms=int(v.alarms),
                    rate=_pct(None if pd.isna(v.false_rate) else v.false_rate),
                )
            )
    return [
        facts,
        html.Div(
            [
                html.Div(
                    [
                        html.H3(t("fire.detail.events", lang), className="pg-subtitle"),
                        _list(lines, lang),
                    ],
                    className="fr-detail-main",
                ),
                html.Div(
                    [
                        html.H3(t("fire.detail.devices", lang), className="pg-subtitle"),
                        _list(dev_lines, lang),
                    ],
                    className="fr-detail-side",
                ),
            ],
            className="fr-detail-body",
        ),
    ]


def _station_body(d: FireDetail, lang: str) -> list[Any]:
    r, resp, reach = d.row, d.responses or {}, d.reach or {}
    facts = html.Div(
        [
            page.fact("fire.col.station_kind", t(f"fire.station.{r['kind']}", lang), lang),
            page.fact("fire.col.district", page.district_text(r.get("adcode"), lang), lang),
            page.fact("fire.col.engines", fmt_num(r.get("engines")), lang),
            page.fact("fire.col.road_km", fmt_num(reach.get("road_km"), 1), lang),
            page.fact("fire.col.area_km2", fmt_num(reach.get("area_km2"), 1), lang),
            page.fact("fire.col.units_held", fmt_num(reach.get("units")), lang),
            page.fact("fire.col.incidents", fmt_num(resp.get("incidents")), lang),
            page.fact("fire.col.median", _min(resp.get("median_s")), lang),
            page.fact("fire.col.within", _pct(resp.get("within_share")), lang),
        ],
        className="pg-facts",
    )
    inc = d.incidents if d.incidents is not None else pd.DataFrame()
    lines = [
        t(
            "fire.detail.incident_line",
            lang,
            time=page.when_text(i.call_ts),
            kind=t(f"fire.kind.{i.kind}", lang),
            minutes=_min(i.response_s),
        )
        for i in inc.head(12).itertuples()
    ]
    return [
        facts,
        html.H3(t("fire.detail.incidents", lang, n=len(inc)), className="pg-subtitle"),
        _list(lines, lang),
    ]


def detail_panel(d: FireDetail | None, lang: str) -> html.Section:
    """One key unit (its coverage, events and devices) or one station (its reach and
    responses)."""
    if d is None:
        return page.section("fire.detail", lang, page.empty(lang), exports=())
    body = _unit_body(d, lang) if d.kind == "unit" else _station_body(d, lang)
    return page.section(
        "fire.detail",
        lang,
        [html.H3(str(d.row.get("name")), className="pg-detail-title"), *body],
        exports=("csv",),
        name="detail",
        aside=html.Button(
            t("fire.detail.close", lang), id=ids.FIRE_DETAIL_CLOSE, className="pg-export"
        ),
    )
