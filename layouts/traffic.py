"""The traffic page (智慧交通, `/traffic`): TPI of the city, its districts and roads at the end of
the range and over it, the congestion map, today's profile against the previous same weekdays,
the worst roads, the segments table, incidents with their effect on nearby segments, and one
segment's detail (its 24-hour and 7-day speed).

`layout(**query)` is the page (Dash pages pass the URL's query keywords); the other builders turn
`services.traffic_page` answers into components. The page's own URL keys: `road` (a road name,
the worst-roads chart's selection), `level` (1-5) and `incident` (the incident whose effect is
shown); the entity is a segment id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

import pandas as pd
from dash import html

from brain.traffic_impact import IMPACT_RADIUS_M
from layouts import ids, page
from layouts.i18n import fmt_num, local_time, t
from layouts.traffic_charts import day_figure, level_name, week_figure
from services.fetch import frame_of, records
from services.traffic_page import SegmentDetail

__all__ = [
    "EXTRAS",
    "INCIDENT_TABLE",
    "PAGE",
    "SEGMENT_TABLE",
    "detail_panel",
    "impact_panel",
    "incident_records",
    "kpis",
    "layout",
    "road_options",
    "segment_records",
]

PAGE: Final = "traffic"
LEVELS: Final = ("1", "2", "3", "4", "5")
EXTRAS: Final = {"road": None, "level": LEVELS, "incident": None}
DEFAULT_PRESET: Final = "24h"

SEGMENT_TABLE: Final[list[dict[str, Any]]] = [
    {"field": "segment_id", "header": "traffic.col.segment", "width": 160},
    {"field": "road_name", "header": "traffic.col.road", "width": 150},
    {"field": "class_text", "header": "traffic.col.class"},
    {"field": "district", "header": "traffic.col.district"},
    {"field": "speed_kmh", "header": "traffic.col.speed", "kind": "num"},
    {"field": "free_speed_kmh", "header": "traffic.col.free", "kind": "num"},
    {"field": "tpi", "header": "traffic.col.tpi", "kind": "num"},
    {"field": "level_text", "header": "traffic.col.level"},
    {"field": "volume", "header": "traffic.col.volume", "kind": "int"},
    {"field": "time", "header": "traffic.col.time"},
]
INCIDENT_TABLE: Final[list[dict[str, Any]]] = [
    {"field": "reported", "header": "traffic.col.reported", "width": 150},
    {"field": "kind_text", "header": "traffic.col.kind"},
    {"field": "road_name", "header": "traffic.col.road"},
    {"field": "district", "header": "traffic.col.district"},
    {"field": "severity", "header": "traffic.col.severity", "kind": "int"},
    {"field": "status_text", "header": "traffic.col.status"},
    {"field": "description", "header": "traffic.col.description", "width": 200},
]
IMPACT_TABLE: Final[list[dict[str, Any]]] = [
    {"field": "segment_id", "header": "traffic.col.segment"},
    {"field": "road_name", "header": "traffic.col.road"},
    {"field": "distance_m", "header": "traffic.col.distance", "kind": "int"},
    {"field": "speed_before", "header": "traffic.col.speed_before", "kind": "num"},
    {"field": "speed_after", "header": "traffic.col.speed_after", "kind": "num"},
    {"field": "speed_change_pct", "header": "traffic.col.speed_change", "kind": "pct"},
    {"field": "tpi_before", "header": "traffic.col.tpi_before", "kind": "num"},
    {"field": "tpi_after", "header": "traffic.col.tpi_after", "kind": "num"},
    {"field": "tpi_change", "header": "traffic.col.tpi_change", "kind": "num"},
]


_ALL: Final = {
    "traffic.filter.road": "traffic.filter.all_roads",
    "traffic.filter.level": "traffic.filter.all_levels",
}


def _select(cid: str, label: str, options: list[dict[str, Any]], value: Any, lang: str) -> Any:
    return page.dropdown(cid, t(label, lang), options, value, placeholder=t(_ALL[label], lang))


def road_options(roads: Sequence[str]) -> list[dict[str, Any]]:
    return [{"label": r, "value": r} for r in sorted(set(roads))]


def _filters(raw: Mapping[str, Any], lang: str) -> list[Any]:
    extra = raw.get("extra") or {}
    road = extra.get("road")
    levels = [{"label": level_name(int(v), lang), "value": v} for v in LEVELS]
    return [
        _select(
            ids.TRAFFIC_ROAD,
            "traffic.filter.road",
            road_options([road] if road else []),
            road,
            lang,
        ),
        _select(ids.TRAFFIC_LEVEL, "traffic.filter.level", levels, extra.get("level"), lang),
    ]


def _section(key: str, lang: str, body: Any, width: str, **kw: Any) -> Any:
    return page.section(key, lang, body, class_name=width, **kw)


def layout(**query: str) -> html.Div:
    """The page for the URL's query (its state: range, district, segment, road, level, incident)."""
    raw, problems = page.read(PAGE, query, default_preset=DEFAULT_PRESET, extras=EXTRAS)
    lang = page.lang_of_state(raw)

    def graph(cid: str, height: str = "360px") -> Any:
        return page.loading(page.graph(cid, cid, height=height))

    full = {"gridColumn": "span 12", "minWidth": 0}
    body = [
        html.Div(id=ids.TRAFFIC_STATUS, style=full),
        html.Div(id=ids.TRAFFIC_KPIS, className="pg-cards", style=full),
        _section(
            "traffic.map",
            lang,
            graph(ids.TRAFFIC_MAP, "520px"),
            "pg-two-thirds",
            exports=("geojson",),
            aside=t("traffic.map.hint", lang),
        ),
        _section(
            "traffic.districts",
            lang,
            graph(ids.TRAFFIC_DISTRICTS, "520px"),
            "pg-third",
            exports=("csv", "xlsx"),
            aside=t("traffic.districts.hint", lang),
        ),
        _section("traffic.series", lang, graph(ids.TRAFFIC_SERIES), "pg-half"),
        _section("traffic.profile", lang, graph(ids.TRAFFIC_PROFILE), "pg-half"),
        html.Div(id=ids.TRAFFIC_DETAIL, style=full),
        _section(
            "traffic.worst_roads",
            lang,
            graph(ids.TRAFFIC_WORST, "440px"),
            "pg-third",
            aside=t("traffic.worst_roads.hint", lang),
        ),
        _section(
            "traffic.segments",
            lang,
            page.table(ids.TRAFFIC_SEGMENTS, lang, SEGMENT_TABLE),
            "pg-two-thirds",
        ),
        _section(
            "traffic.incidents_table",
            lang,
            page.table(ids.TRAFFIC_INCIDENTS, lang, INCIDENT_TABLE, height="360px"),
            "pg-half",
            aside=t("traffic.incidents_table.hint", lang),
        ),
        _section(
            "traffic.impact",
            lang,
            page.loading(html.Div(id=ids.TRAFFIC_IMPACT)),
            "pg-half",
            aside=t("traffic.impact.hint", lang, radius=f"{IMPACT_RADIUS_M:.0f}"),
        ),
    ]
    return page.shell(
        PAGE, lang, controls=_filters(raw, lang), body=body, state=raw, problems=problems
    )


def _kmh(value: Any, lang: str) -> str:
    return "—" if value is None or pd.isna(value) else t("traffic.unit.kmh", lang, v=f"{value:.1f}")


def _tpi(value: Any) -> str:
    return "—" if value is None or pd.isna(value) else f"{float(value):.2f}"


def kpis(
    net: Mapping[str, Any],
    series: pd.DataFrame | None,
    incidents: pd.DataFrame | None,
    total: int,
    road: str | None,
    lang: str,
) -> list[Any]:
    """The headline figures: TPI at the end of the range (the road's when one is chosen), mean
    speed, segments reporting, the range's mean and peak TPI, open incidents."""
    from layouts.theme import TPI_COLORS

    level = net.get("level")
    sub = level_name(level, lang)
    if road:
        sub = f"{sub} · {t('traffic.kpi.road', lang, road=road)}"
    s = series if series is not None else pd.DataFrame(columns=["ts", "tpi"])
    s = s[s["tpi"].notna()]
    peak = ""
    if not s.empty:
        top = s.iloc[int(s["tpi"].to_numpy().argmax())]
        when = local_time(pd.Timestamp(top["ts"]).to_pydatetime()).strftime("%m-%d %H:%M")
        peak = t("traffic.kpi.peak", lang, tpi=_tpi(top["tpi"]), time=when)
    inc = incidents if incidents is not None else pd.DataFrame(columns=["status"])
    open_now = int((inc["status"] == "open").sum()) if not inc.empty else 0
    segments = t("traffic.kpi.segments_sub", lang, total=fmt_num(total))
    incidents_sub = t("traffic.kpi.incidents_sub", lang, n=fmt_num(len(inc)))
    return [
        page.card(
            t("traffic.kpi.tpi", lang), _tpi(net.get("tpi")), sub, TPI_COLORS.get(level or 0)
        ),
        page.card(t("traffic.kpi.speed", lang), _kmh(net.get("speed_kmh"), lang)),
        page.card(t("traffic.kpi.segments", lang), fmt_num(net.get("segments")), segments),
        page.card(
            t("traffic.kpi.mean", lang), _tpi(s["tpi"].mean() if not s.empty else None), peak
        ),
        page.card(t("traffic.kpi.incidents", lang), fmt_num(open_now), incidents_sub),
    ]


def _district_names(lang: str) -> dict[str, str]:
    return {o["value"]: o["label"] for o in page.district_options(lang)}


def _times(values: pd.Series) -> list[str]:
    ts = pd.to_datetime(values, utc=True)
    return ["" if pd.isna(v) else local_time(v.to_pydatetime()).strftime("%m-%d %H:%M") for v in ts]


def segment_records(rows: pd.DataFrame, lang: str) -> list[dict[str, Any]]:
    """Rows of the segments table (the same rows an export writes)."""
    if rows.empty:
        return []
    names = _district_names(lang)
    out = records(rows, [c for c in rows.columns if c != "path"])
    for rec, time in zip(out, _times(rows["ts"]), strict=True):
        rec["class_text"] = t(f"traffic.class.{rec['road_class']}", lang)
        rec["district"] = names.get(str(rec["adcode"]), rec["adcode"])
        rec["level_text"] = level_name(rec["level"], lang)
        rec["time"] = time
    return out


def incident_records(frame: pd.DataFrame | None, lang: str) -> list[dict[str, Any]]:
    if frame is None or frame.empty:
        return []
    names = _district_names(lang)
    out = records(frame, frame.columns)
    for rec, reported in zip(out, _times(frame["reported_ts"]), strict=True):
        rec["kind_text"] = t(f"incident.{rec['kind']}", lang)
        rec["status_text"] = t(f"traffic.status.{rec['status']}", lang)
        rec["district"] = names.get(str(rec["adcode"]), rec["adcode"])
        rec["reported"] = reported
    return out


def impact_panel(
    incident: Mapping[str, Any] | None, effect: Any, lang: str, now: datetime
) -> list[Any]:
    """The chosen incident's effect: a table of its nearby segments, before against after."""
    if incident is None:
        return [html.Div(t("traffic.impact.pick", lang), className="pg-empty")]
    when = local_time(pd.Timestamp(incident["reported_ts"]).to_pydatetime()).strftime("%m-%d %H:%M")
    head = html.Div(
        t(
            "traffic.impact.of",
            lang,
            kind=t(f"incident.{incident['kind']}", lang),
            road=incident.get("road_name") or "—",
            time=when,
        ),
        className="pg-card-sub",
    )
    notice = page.failed(effect, lang, now)
    frame = frame_of(effect)
    if frame is None or frame.empty:
        body: Any = html.Div(t("traffic.impact.none", lang), className="pg-empty")
    else:
        grid = page.table(ids.TRAFFIC_IMPACT_TABLE, lang, IMPACT_TABLE, height="300px")
        grid.rowData = records(frame, frame.columns)
        body = grid
    return [n for n in (notice, head, body) if n is not None]


def detail_panel(
    segment: Mapping[str, Any] | None,
    segment_id: str,
    detail: SegmentDetail,
    lang: str,
    now: datetime,
) -> Any:
    """One segment: its figures now, its last 24 hours against its usual day, its last 7 days."""
    close = html.Button(
        t("traffic.detail.close", lang), id=ids.TRAFFIC_DETAIL_CLOSE, className="pg-export"
    )
    if segment is None:
        body: list[Any] = [
            html.Div(t("traffic.detail.unknown", lang, id=segment_id), className="pg-empty")
        ]
    else:
        cards = html.Div(
            [
                page.card(
                    t("traffic.detail.speed_now", lang), _kmh(segment.get("speed_kmh"), lang)
                ),
                page.card(
                    t("traffic.detail.free", lang), _kmh(segment.get("free_speed_kmh"), lang)
                ),
                page.card(
                    t("traffic.detail.tpi_now", lang),
                    _tpi(segment.get("tpi")),
                    level_name(segment.get("level"), lang),
                ),
                page.card(
                    t("traffic.detail.length", lang), f"{fmt_num(segment.get('length_m'))} m"
                ),
            ],
            className="pg-cards",
        )
        notices = [page.failed(r, lang, now) for r in (detail.day, detail.week)]
        charts = html.Div(
            [
                html.Div(
                    [
                        html.H3(t("traffic.detail.day", lang), className="pg-section-title"),
                        page.graph(
                            ids.TRAFFIC_DAY,
                            f"traffic-{segment_id}-24h",
                            day_figure(frame_of(detail.day), detail.usual, lang),
                            height="300px",
                        ),
                    ],
                    className="pg-half",
                ),
                html.Div(
                    [
                        html.H3(t("traffic.detail.week", lang), className="pg-section-title"),
                        page.graph(
                            ids.TRAFFIC_WEEK,
                            f"traffic-{segment_id}-7d",
                            week_figure(frame_of(detail.week), lang),
                            height="300px",
                        ),
                    ],
                    className="pg-half",
                ),
            ],
            style={"display": "grid", "gridTemplateColumns": "1fr 1fr", "gap": "14px"},
        )
        body = [*[n for n in notices if n is not None], cards, charts]
    title = t("traffic.detail", lang)
    if segment is not None:
        title = f"{title} · {segment.get('road_name')} · {segment_id}"
    return html.Section(
        [
            html.Div(
                [
                    html.H2(title, className="pg-section-title"),
                    html.Div(className="pg-aside"),
                    html.Div(close, className="pg-exports"),
                ],
                className="pg-section-head",
            ),
            html.Div(body, className="pg-section-body"),
        ],
        className="pg-section",
    )
