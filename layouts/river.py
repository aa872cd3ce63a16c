"""The river page (河长制, `/river`): sections by GB 3838-2002 class on a map, sections per class,
the sections table, reaches with their chiefs and patrols, problems with their closure, and one
section's detail (parameter history on its class bands, the chain of chiefs, patrols).

`layout(**query)` is the page (Dash pages pass the URL's query keywords); the other builders
turn `services.river_page` answers into components. The page's own URL keys: `cls` (a class,
the class chart's selection), `below` ("1": only sections below their target) and `patrol` (the
patrol of the detail whose GPS track the map shows).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import pandas as pd
from dash import html

from brain.districts import CITY_ADCODE
from brain.river_page import CLASSES, patrol_minutes, patrol_speed_kmh
from layouts import ids, page
from layouts.i18n import fmt_num, t
from layouts.river_charts import history_figure
from services.fetch import records
from services.river_page import RiverDetail

__all__ = [
    "EXTRAS",
    "PAGE",
    "PROBLEM_TABLE",
    "REACH_TABLE",
    "SECTION_TABLE",
    "detail_panel",
    "kpis",
    "layout",
    "patrol_choice",
    "problem_records",
    "reach_records",
    "section_records",
]

PAGE: Final = "river"
EXTRAS: Final = {"cls": CLASSES, "below": ("1",), "patrol": None}
DEFAULT_PRESET: Final = "7d"
PATROL_ROWS: Final = 8  # patrols listed in the detail, newest first
CHOSEN: Final = "is-chosen"  # the class of the patrol button whose track the map shows

SECTION_TABLE: Final = [
    {"field": "name", "header": "river.col.name", "width": 220},
    {"field": "river_name", "header": "river.col.river"},
    {"field": "district", "header": "river.col.district"},
    {"field": "water_class", "header": "river.col.class"},
    {"field": "target_class", "header": "river.col.target"},
    {"field": "status", "header": "river.col.status"},
    {"field": "chief", "header": "river.col.chief"},
    {"field": "do", "header": "river.param.do", "kind": "num"},
    {"field": "nh3n", "header": "river.param.nh3n", "kind": "num"},
    {"field": "tp", "header": "river.param.tp", "kind": "num"},
    {"field": "codmn", "header": "river.param.codmn", "kind": "num"},
    {"field": "time", "header": "river.col.time"},
]
REACH_TABLE: Final = [
    {"field": "reach_name", "header": "river.col.reach", "width": 220},
    {"field": "district", "header": "river.col.district"},
    {"field": "level", "header": "river.col.level"},
    {"field": "chief_name", "header": "river.col.chief"},
    {"field": "length_km", "header": "river.col.length", "kind": "num"},
    {"field": "patrols", "header": "river.col.patrols", "kind": "int"},
    {"field": "distance_km", "header": "river.col.distance", "kind": "num"},
    {"field": "covered", "header": "river.col.coverage"},
    {"field": "last", "header": "river.col.last_patrol"},
]
PROBLEM_TABLE: Final = [
    {"field": "reported", "header": "river.col.reported"},
    {"field": "reach_name", "header": "river.col.reach", "width": 200},
    {"field": "district", "header": "river.col.district"},
    {"field": "category_text", "header": "river.col.category"},
    {"field": "status_text", "header": "river.col.state"},
    {"field": "chief_name", "header": "river.col.chief"},
    {"field": "description", "header": "river.col.description", "width": 280},
]


def _filters(raw: Mapping[str, Any], lang: str) -> list[Any]:
    extra = raw.get("extra") or {}
    classes = [{"label": t("river.class", lang, cls=c), "value": c} for c in CLASSES]
    return [
        page.dropdown(
            ids.RIVER_CLASS,
            t("river.filter.class", lang),
            classes,
            extra.get("cls"),
            placeholder=t("river.filter.all", lang),
        ),
        page.only_toggle(
            ids.RIVER_BELOW,
            t("river.filter.every", lang),
            t("river.filter.below", lang),
            extra.get("below") == "1",
        ),
    ]


def layout(**query: str) -> html.Div:
    """The page for the URL's query (its state: range, district, section, class, below)."""
    raw, problems = page.read(PAGE, query, default_preset=DEFAULT_PRESET, extras=EXTRAS)
    lang = page.lang_of_state(raw)
    body = [
        html.Div(id=ids.RIVER_STATUS, className="pg-full"),
        html.Div(id=ids.RIVER_KPIS, className="pg-cards pg-full"),
        page.section(
            "river.map",
            lang,
            page.loading(page.graph(ids.RIVER_MAP, "river-map", height="520px")),
            exports=("geojson",),
            class_name="pg-two-thirds",
        ),
        page.section(
            "river.classes",
            lang,
            page.loading(page.graph(ids.RIVER_CLASSES, "river-classes", height="520px")),
            exports=(),
            class_name="pg-third",
        ),
        html.Div(id=ids.RIVER_DETAIL, className="pg-full"),
        page.section(
            "river.sections",
            lang,
            page.table(ids.RIVER_SECTIONS, lang, SECTION_TABLE, getRowId="params.data.station_id"),
        ),
        page.section(
            "river.reaches",
            lang,
            page.table(ids.RIVER_REACHES, lang, REACH_TABLE),
            class_name="pg-half",
        ),
        page.section(
            "river.problems",
            lang,
            page.table(ids.RIVER_PROBLEMS, lang, PROBLEM_TABLE),
            class_name="pg-half",
        ),
    ]
    return page.shell(
        PAGE,
        lang,
        controls=_filters(raw, lang),
        body=body,
        state=raw,
        problems=problems,
    )


def _pct(share: Any) -> str:
    return "—" if share is None else f"{float(share) * 100:.1f}%"


def kpis(figures: Mapping[str, Any], lang: str) -> list[Any]:
    """The headline figures of `services.river_page.summary`."""
    f = figures
    share = t(
        "river.kpi.share_sub",
        lang,
        meeting=fmt_num(f.get("meeting")),
        sections=fmt_num(f.get("sections")),
    )
    coverage = t(
        "river.kpi.coverage_sub",
        lang,
        patrolled=fmt_num(f.get("patrolled")),
        reaches=fmt_num(f.get("reaches")),
    )
    closure = t(
        "river.kpi.closure_sub",
        lang,
        closed=fmt_num(f.get("closed")),
        reported=fmt_num(f.get("reported")),
    )
    return [
        page.card(t("river.kpi.share", lang), _pct(f.get("share")), share),
        page.card(t("river.kpi.worse_than_v", lang), fmt_num(f.get("worse_than_v"))),
        page.card(t("river.kpi.coverage", lang), _pct(f.get("coverage")), coverage),
        page.card(t("river.kpi.patrol_km", lang), fmt_num(f.get("patrol_km"), 1)),
        page.card(t("river.kpi.closure", lang), _pct(f.get("closure_rate")), closure),
    ]


def detail_panel(d: RiverDetail, lang: str, now: datetime) -> html.Section:
    """One section: its facts, the chiefs of its reach, its history on the class bands, and its
    reach's patrols and problems in the range."""
    s = d.station or {}
    if not s:
        return page.section("river.detail", lang, page.empty(lang), exports=())
    chiefs = [
        html.Li(
            [
                html.Span(t(f"river.level.{c.level}", lang), className="rv-tag"),
                f" {c.name} · {_division(c.adcode, lang)}",
            ],
            className="rv-chief",
        )
        for c in d.chiefs
    ]
    history = d.history.value
    chart: Any = page.empty(lang)
    if history is not None and not history.empty:
        chart = page.graph(
            ids.RIVER_HISTORY,
            f"river-{s['station_id']}",
            history_figure(history, lang),
            height="420px",
        )
    patrols = d.patrols.value
    patrol_items = []
    chosen = (d.patrol or {}).get("patrol_id")
    if patrols is not None and not patrols.empty:
        patrol_items = [
            html.Li(
                html.Button(
                    f"{page.when_text(r.ts)} · {r.chief_name} · {fmt_num(r.distance_km, 1)} km"
                    f" · {patrol_minutes(r.ts, r.end_ts)} min",
                    id=ids.river_patrol(str(r.patrol_id)),
                    className="rv-patrol" + (f" {CHOSEN}" if r.patrol_id == chosen else ""),
                    title=t("river.detail.show_track", lang),
                )
            )
            for r in patrols.head(PATROL_ROWS).itertuples()
        ]
    status = t("river.meets" if s.get("meets_target") else "river.below", lang)
    facts = html.Div(
        [
            page.fact("river.col.river", f"{s.get('river_name')} · {s.get('reach_name')}", lang),
            page.fact("river.col.class", s.get("water_class") or "—", lang),
            page.fact("river.col.target", s.get("target_class"), lang),
            page.fact("river.col.status", status, lang),
            page.fact("river.col.time", page.when_text(s.get("ts")), lang),
        ],
        className="pg-facts",
    )
    side = html.Div(
        [
            html.H3(t("river.detail.chiefs", lang), className="pg-subtitle"),
            html.Ul(chiefs, className="pg-detail-list"),
            html.H3(
                t("river.detail.patrols", lang, n=len(patrols) if patrols is not None else 0),
                className="pg-subtitle",
            ),
            html.Ul(patrol_items or [html.Li(t("page.empty", lang))], className="pg-detail-list"),
            *_chosen(d.patrol, lang),
            html.H3(t("river.detail.problems", lang, n=len(d.problems)), className="pg-subtitle"),
            html.Ul(
                [
                    html.Li(
                        f"{page.when_text(r.reported_ts)} · {t('river.status.' + r.status, lang)}"
                        f" · {r.description or ''}"
                    )
                    for r in d.problems.head(6).itertuples()
                ]
                or [html.Li(t("page.empty", lang))],
                className="pg-detail-list",
            ),
        ],
        className="rv-detail-side",
    )
    notice = page.failed(d.history, lang, now)
    return page.section(
        "river.detail",
        lang,
        [
            html.H3(str(s.get("name")), className="pg-detail-title"),
            facts,
            *([notice] if notice is not None else []),
            html.Div(
                [html.Div(chart, className="rv-detail-main"), side], className="rv-detail-body"
            ),
        ],
        exports=("csv",),
        name="history",
        aside=html.Button(
            t("river.detail.close", lang), id=ids.RIVER_DETAIL_CLOSE, className="pg-export"
        ),
    )


def patrol_choice(patrol: str, drawn: str | None) -> str | None:
    """The patrol a click on its button asks for: `patrol`, or None (hide its track) when the
    button was drawn chosen (`drawn`: its class as drawn)."""
    return None if CHOSEN in (drawn or "").split() else patrol


def _division(adcode: str, lang: str) -> str:
    """The division a chief answers for: the city, or a district by name."""
    return t("page.city", lang) if adcode == CITY_ADCODE else page.district_text(adcode, lang)


def _chosen(patrol: Mapping[str, Any] | None, lang: str) -> list[Any]:
    """The chosen patrol's facts: when, how long, how far and how fast."""
    if not patrol:
        return []
    start, end = (patrol.get(k) for k in ("ts", "end_ts"))  # ISO 8601 text (services' records)
    speed = patrol_speed_kmh(
        patrol.get("distance_km"),
        None if start is None else datetime.fromisoformat(str(start)),
        None if end is None else datetime.fromisoformat(str(end)),
    )
    text = t(
        "river.detail.track",
        lang,
        start=page.when_text(patrol.get("ts")),
        end=page.when_text(patrol.get("end_ts"), "%H:%M"),
        km=fmt_num(patrol.get("distance_km"), 1),
        speed=fmt_num(speed, 1),
    )
    return [html.P(text, className="rv-track-facts")]


def section_records(frame: pd.DataFrame, lang: str) -> list[dict[str, Any]]:
    """Rows of the sections table (the export takes the frame itself)."""
    out = []
    for r in records(frame, frame.columns):
        meets = r.get("meets_target")
        status = "—" if meets is None else t("river.meets" if meets else "river.below", lang)
        chief = f"{t('river.level.' + str(r['chief_level']), lang)} {r['chief_name']}"
        out.append(
            {
                **r,
                "district": page.district_text(r.get("adcode"), lang),
                "status": status,
                "chief": chief,
                "time": page.when_text(r.get("ts")),
            }
        )
    return out


def reach_records(frame: pd.DataFrame, lang: str) -> list[dict[str, Any]]:
    return [
        {
            **r,
            "district": page.district_text(r.get("adcode"), lang),
            "level": t("river.level." + str(r["chief_level"]), lang),
            "covered": _pct(r.get("coverage")),
            "last": page.when_text(r.get("last_ts")),
        }
        for r in records(frame, frame.columns)
    ]


def problem_records(frame: pd.DataFrame, lang: str) -> list[dict[str, Any]]:
    return [
        {
            **r,
            "district": page.district_text(r.get("adcode"), lang),
            "reported": page.when_text(r.get("reported_ts")),
            "category_text": t("river.category." + str(r["category"]), lang),
            "status_text": t("river.status." + str(r["status"]), lang),
        }
        for r in records(frame, frame.columns)
    ]
