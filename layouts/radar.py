"""The radar page (海上雷达, `/radar`): the sea at a moment of the range, played back (slider, play,
speed); vessels and their tails, dark vessels (radar targets with no AIS), zone intrusions,
loitering, vessels outside the register; one vessel's detail with its track over the range.

`layout(**query)` is the page; the page's own URL key is `t` (the playback's moment, epoch
seconds; the end of the range when absent). `entity` is a vessel's MMSI.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import pandas as pd
from dash import dcc, html

from brain.radar_page import playback_steps
from layouts import ids, page
from layouts.i18n import fmt_num, local_time, t
from layouts.radar_charts import speed_figure
from services.fetch import records

__all__ = [
    "EVENT_TABLE",
    "EXTRAS",
    "PAGE",
    "UNREGISTERED_TABLE",
    "VESSEL_TABLE",
    "detail_panel",
    "event_records",
    "kpis",
    "layout",
    "moment_text",
    "slider_props",
    "unregistered_records",
    "vessel_records",
]

PAGE: Final = "radar"
EXTRAS: Final = {"t": None}
DEFAULT_PRESET: Final = "6h"
SPEEDS: Final = (1, 2, 4, 8)

VESSEL_TABLE: Final = [
    {"field": "mmsi", "header": "radar.col.mmsi"},
    {"field": "name", "header": "radar.col.name", "width": 180},
    {"field": "type", "header": "radar.col.type"},
    {"field": "register", "header": "radar.col.register"},
    {"field": "sog", "header": "radar.col.sog", "kind": "num"},
    {"field": "cog", "header": "radar.col.cog", "kind": "num"},
    {"field": "district", "header": "radar.col.district"},
    {"field": "time", "header": "radar.col.time"},
]
EVENT_TABLE: Final = [
    {"field": "what", "header": "radar.col.event"},
    {"field": "who", "header": "radar.col.vessel", "width": 180},
    {"field": "zone_name", "header": "radar.col.zone"},
    {"field": "rule_text", "header": "radar.col.rule"},
    {"field": "minutes", "header": "radar.col.minutes", "kind": "num"},
    {"field": "district", "header": "radar.col.district"},
    {"field": "time", "header": "radar.col.time"},
]
UNREGISTERED_TABLE: Final = [
    {"field": "mmsi", "header": "radar.col.mmsi"},
    {"field": "name", "header": "radar.col.name"},
    {"field": "type", "header": "radar.col.type"},
    {"field": "why", "header": "radar.col.reason"},
    {"field": "sog", "header": "radar.col.sog", "kind": "num"},
    {"field": "district", "header": "radar.col.district"},
]


def slider_props(start: datetime, end: datetime, lang: str) -> dict[str, Any]:
    """min, max, step (epoch seconds) and a few marks (local HH:MM) of the playback slider."""
    steps = playback_steps(start, end)
    step = int((steps[1] - steps[0]).total_seconds())
    every = max(1, -(-(len(steps) - 1) // 4))  # at most 4 marks: they fit a laptop's map
    fmt = "%H:%M" if (end - start).days < 1 else "%m-%d %H:%M"
    marks = {int(s.timestamp()): local_time(s).strftime(fmt) for s in steps[:-1:every]}
    return {
        "min": int(start.timestamp()),
        "max": int(end.timestamp()),
        "step": step,
        "marks": marks,
    }


def moment_text(at: datetime, lang: str) -> str:
    return t("radar.moment", lang, time=local_time(at).strftime("%Y-%m-%d %H:%M"))


def _playback(raw: Mapping[str, Any], lang: str) -> html.Div:
    from callbacks.page import page_state  # the range of the URL, read at the app's clock
    from services.radar_page import at_time

    state = page_state(raw)
    at = at_time((raw.get("extra") or {}).get("t"), state.start, state.end)
    return html.Div(
        [
            html.Button(
                t("radar.play", lang), id=ids.RADAR_PLAY, n_clicks=0, className="pg-export rd-play"
            ),
            dcc.Dropdown(
                id=ids.RADAR_SPEED,
                options=[{"label": f"{s}×", "value": s} for s in SPEEDS],
                value=1,
                clearable=False,
                searchable=False,
                className="pg-dropdown rd-speed",
            ),
            html.Div(
                dcc.Slider(
                    id=ids.RADAR_SLIDER,
                    value=int(at.timestamp()),
                    updatemode="mouseup",
                    allow_direct_input=False,
                    tooltip=None,
                    **slider_props(state.start, state.end, lang),
                ),
                className="rd-slider",
            ),
            html.Div(moment_text(at, lang), id=ids.RADAR_MOMENT, className="rd-moment"),
            dcc.Interval(id=ids.RADAR_TICK, interval=1500, disabled=True),
        ],
        className="rd-playback",
    )


def layout(**query: str) -> html.Div:
    """The page for the URL's query (range, district, vessel, moment)."""
    raw, problems = page.read(PAGE, query, default_preset=DEFAULT_PRESET, extras=EXTRAS)
    lang = page.lang_of_state(raw)
    body = [
        html.Div(id=ids.RADAR_STATUS, className="pg-full"),
        html.Div(id=ids.RADAR_KPIS, className="pg-cards pg-full"),
        page.section(
            "radar.map",
            lang,
            [
                _playback(raw, lang),
                page.loading(page.graph(ids.RADAR_MAP, "radar-map", height="560px")),
            ],
            exports=("geojson",),
            class_name="pg-two-thirds",
        ),
        page.section(
            "radar.events",
            lang,
            page.table(ids.RADAR_EVENTS, lang, EVENT_TABLE, height="600px"),
            class_name="pg-third",
        ),
        html.Div(id=ids.RADAR_DETAIL, className="pg-full"),
        page.section(
            "radar.page.vessels",
            lang,
            page.table(ids.RADAR_VESSELS, lang, VESSEL_TABLE, getRowId="params.data.row_id"),
            class_name="pg-two-thirds",
            name="vessels",  # the export's name (the title key is not the wall's radar.vessels)
        ),
        page.section(
            "radar.page.unregistered",
            lang,
            page.table(ids.RADAR_UNREGISTERED, lang, UNREGISTERED_TABLE),
            class_name="pg-third",
            name="unregistered",
        ),
    ]
    return page.shell(PAGE, lang, controls=[], body=body, state=raw, problems=problems)


def kpis(counts: Mapping[str, Any], lang: str) -> list[Any]:
    keys = ("vessels", "moving", "dark", "intrusions", "loitering", "unregistered")
    return [page.card(t(f"radar.kpi.{k}", lang), fmt_num(counts.get(k)), None) for k in keys]


def _when(value: Any) -> str:
    return page.when_text(value, "%m-%d %H:%M")


def _register(value: Any, lang: str) -> str:
    if value is None:
        return t("radar.register.unknown", lang)
    return t("radar.register.yes" if value else "radar.register.no", lang)


def _type(value: Any, lang: str) -> str:
    return t(f"radar.type.{value}", lang) if value else "—"


def vessel_records(frame: pd.DataFrame, lang: str) -> list[dict[str, Any]]:
    return [
        {
            **r,
            "row_id": str(r["mmsi"]),
            "type": _type(r.get("vessel_type"), lang),
            "register": _register(r.get("registered"), lang),
            "district": page.district_text(r.get("adcode"), lang),
            "time": _when(r.get("ts")),
        }
        for r in records(frame, frame.columns)
    ]


def event_records(frame: pd.DataFrame, lang: str) -> list[dict[str, Any]]:
    out = []
    for r in records(frame, frame.columns):
        who = r.get("name") or (str(r["mmsi"]) if r.get("mmsi") is not None else r.get("track_id"))
        rule = t(f"radar.rule.{r['rule']}", lang) if r.get("rule") else "—"
        out.append(
            {
                **r,
                "what": t(f"radar.event.{r['kind']}", lang),
                "who": who,
                "rule_text": rule,
                "district": page.district_text(r.get("adcode"), lang),
                "time": _when(r.get("ts")),
            }
        )
    return out


def unregistered_records(frame: pd.DataFrame, lang: str) -> list[dict[str, Any]]:
    return [
        {
            **r,
            "type": _type(r.get("vessel_type"), lang),
            "why": t(f"radar.reason.{r['reason']}", lang),
            "district": page.district_text(r.get("adcode"), lang),
        }
        for r in records(frame, frame.columns)
    ]


def detail_panel(
    vessel: Mapping[str, Any] | None, mmsi: int, track: Any, lang: str, notice: Any
) -> html.Section:
    """A vessel: its register entry and position at the moment, its speed along the range's track
    (the track itself is drawn on the map; CSV and GeoJSON of it from this panel)."""
    v = vessel or {}
    facts = html.Div(
        [
            page.fact("radar.col.mmsi", mmsi, lang),
            page.fact("radar.col.name", v.get("name") or "—", lang),
            page.fact("radar.col.type", _type(v.get("vessel_type"), lang), lang),
            page.fact("radar.col.register", _register(v.get("registered"), lang), lang),
            page.fact("radar.col.callsign", v.get("callsign") or "—", lang),
            page.fact("radar.col.length", fmt_num(v.get("length_m")), lang),
            page.fact("radar.col.sog", fmt_num(v.get("sog"), 1), lang),
            page.fact("radar.col.points", len(track) if track is not None else 0, lang),
        ],
        className="pg-facts",
    )
    chart: Any = page.empty(lang)
    if track is not None and not track.empty:
        chart = page.graph(
            ids.RADAR_SPEED_CHART, f"radar-{mmsi}-speed", speed_figure(track, lang), height="240px"
        )
    return page.section(
        "radar.detail",
        lang,
        [
            html.H3(str(v.get("name") or mmsi), className="pg-detail-title"),
            facts,
            *([notice] if notice is not None else []),
            chart,
        ],
        exports=("csv", "geojson"),
        name="track",
        aside=html.Button(
            t("radar.detail.close", lang), id=ids.RADAR_DETAIL_CLOSE, className="pg-export"
        ),
    )
