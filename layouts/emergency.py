"""The Emergency page (应急指挥, `/emergency`): its skeleton and the builders of its panels.

`layout(raw, problems, lang, steps, at)` is the page for a state read from the URL (the frame of
layouts/page.py around it) with the replay slider over the storm's `steps`; `kpis`,
`event_table_rows`, `detail_panel` and `signal_badge` turn the service's answers into components
and rows. Figures are in layouts/emergency_maps.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final

import pandas as pd
from dash import dcc, html

from brain.page_state import Problem
from brain.roadnet import ACCESS_KMH
from brain.timezone import TZ
from layouts import ids
from layouts import page as frame
from layouts.i18n import fmt_num, t
from layouts.theme import SIGNAL_COLORS, WARNING_LEVEL_COLORS
from services.emergency_page import RESOURCE_KINDS

__all__ = [
    "EVENT_KINDS",
    "EVENT_TABLE",
    "NEAREST_TABLE",
    "PAGE",
    "detail_panel",
    "event_table_rows",
    "kpis",
    "layout",
    "signal_badge",
    "slider_marks",
]

PAGE: Final = "emergency"
EVENT_KINDS: Final = (
    "traffic",
    "fire",
    "maritime",
    "public_health",
    "hazmat",
    "geological",
    "waterlogging",
    "flood",
    "typhoon",
)
EVENT_TABLE: Final[list[dict[str, Any]]] = [
    {"field": "event_id", "header": "emergency.col.event_id", "width": 150},
    {"field": "title", "header": "emergency.col.title", "width": 260},
    {"field": "kind_label", "header": "emergency.col.kind"},
    {"field": "level", "header": "emergency.col.level", "width": 90},
    {"field": "status_label", "header": "emergency.col.status"},
    {"field": "district", "header": "emergency.col.district"},
    {"field": "reported", "header": "emergency.col.reported"},
    {"field": "casualties", "header": "emergency.col.casualties", "kind": "int", "width": 100},
]
NEAREST_TABLE: Final[list[dict[str, Any]]] = [
    {"field": "name", "header": "emergency.col.resource", "width": 200},
    {"field": "kind_label", "header": "emergency.col.kind", "width": 110},
    {"field": "capacity", "header": "emergency.col.capacity", "kind": "int"},
    {"field": "minutes", "header": "emergency.col.minutes", "kind": "num"},
    {"field": "network_km", "header": "emergency.col.network_km", "kind": "num"},
    {"field": "straight_km", "header": "emergency.col.straight_km", "kind": "num"},
]
_LABEL_EVERY: Final = 4  # a slider label every 4th step (12 h)


def _local(value: Any, fmt: str = "%m-%d %H:%M") -> str:
    if value is None or (not isinstance(value, datetime) and pd.isna(value)):
        return "—"
    stamp = pd.Timestamp(value)
    when: datetime = (stamp if stamp.tzinfo else stamp.tz_localize("UTC")).to_pydatetime()
    return when.astimezone(TZ).strftime(fmt)


def _dropdown(
    cid: str, label_key: str, value: Any, options: list[dict[str, str]], lang: str
) -> Any:
    label, everything = t(label_key, lang), t(f"{label_key}.all", lang)
    return frame.dropdown(cid, label, options, value, placeholder=everything)


def slider_marks(steps: Sequence[datetime]) -> dict[int, dict[str, Any]]:
    """Slider labels keyed by epoch seconds: every `_LABEL_EVERY`-th step and the last (the
    slider stops at every step, `slider_step` apart)."""
    marks: dict[int, dict[str, Any]] = {}
    for i, step in enumerate(steps):
        if i % _LABEL_EVERY == 0 or i == len(steps) - 1:
            marks[int(step.timestamp())] = {"label": _local(step), "style": {"color": "#8fa6c4"}}
    return marks


def slider_step(steps: Sequence[datetime]) -> int:
    """Seconds between the replay's steps (the slider's step)."""
    return int((steps[1] - steps[0]).total_seconds()) if len(steps) > 1 else 1


def _replay(lang: str, steps: Sequence[datetime], at: datetime | None) -> list[Any]:
    """The replay: its caption, map, play button and slider (always there, so that the page's
    callbacks find them; hidden with a note when the data holds no storm)."""
    marks = slider_marks(steps)
    value = int(at.timestamp()) if at is not None and marks else (min(marks) if marks else None)
    hidden = {} if marks else {"display": "none"}
    return [
        html.Div(
            t("emergency.typhoon.none", lang),
            className="pg-empty",
            style={"display": "none"} if marks else {},
        ),
        html.Div(id=ids.EMERGENCY_SIGNAL, className="em-signal"),
        html.Div(
            frame.loading(frame.graph(ids.EMERGENCY_TYPHOON, "emergency-typhoon", height="460px")),
            style=hidden,
        ),
        html.Div(
            [
                html.Button(
                    t("emergency.typhoon.play", lang),
                    id=ids.EMERGENCY_PLAY,
                    n_clicks=0,
                    className="pg-export em-play",
                ),
                html.Div(
                    dcc.Slider(
                        id=ids.EMERGENCY_SLIDER,
                        min=int(steps[0].timestamp()) if steps else 0,
                        max=int(steps[-1].timestamp()) if steps else 0,
                        step=slider_step(steps),
                        marks=marks,
                        value=value,
                        included=False,
                        updatemode="mouseup",
                        allow_direct_input=False,  # its box would show epoch seconds
                    ),
                    className="em-slider",
                ),
            ],
            className="em-replay",
            style=hidden,
        ),
        dcc.Interval(id=ids.EMERGENCY_TICK, interval=2500, disabled=True),
        html.Div(
            t("emergency.typhoon.cone_note", lang), className="pg-muted em-note", style=hidden
        ),
    ]


def layout(
    raw: Mapping[str, Any],
    problems: Iterable[Problem],
    lang: str,
    steps: Sequence[datetime],
    at: datetime | None,
) -> html.Div:
    """The page for the state `raw` read from the URL."""
    extra = raw.get("extra") or {}
    kinds = [{"label": t(f"event.{k}", lang), "value": k} for k in EVENT_KINDS]
    res = [{"label": t(f"emergency.res.{k}", lang), "value": k} for k in RESOURCE_KINDS]
    controls = [
        _dropdown(ids.EMERGENCY_KIND, "emergency.kind", extra.get("kind"), kinds, lang),
        _dropdown(ids.EMERGENCY_RES_KIND, "emergency.res_kind", extra.get("res"), res, lang),
    ]
    body = [
        dcc.Store(id=ids.EMERGENCY_SHOWN),
        html.Div(id=ids.EMERGENCY_STATUS, className="em-status"),
        html.Div(
            frame.loading(html.Div(id=ids.EMERGENCY_KPIS, className="pg-cards")),
            className="em-wide",
        ),
        frame.section(
            "emergency.map",
            lang,
            frame.loading(frame.graph(ids.EMERGENCY_MAP, "emergency-map", height="540px")),
            exports=("geojson",),
            class_name="pg-two-thirds",
        ),
        frame.section(
            "emergency.detail",
            lang,
            frame.loading(html.Div(id=ids.EMERGENCY_DETAIL, className="em-detail")),
            name="nearest",
            class_name="pg-third",
        ),
        frame.section(
            "emergency.kinds",
            lang,
            frame.loading(frame.graph(ids.EMERGENCY_KINDS, "emergency-kinds")),
            exports=(),
            class_name="pg-half",
        ),
        frame.section(
            "emergency.capacity",
            lang,
            frame.loading(frame.graph(ids.EMERGENCY_CAPACITY, "emergency-capacity")),
            exports=(),
            class_name="pg-half",
        ),
        frame.section(
            "emergency.table", lang, frame.table(ids.EMERGENCY_EVENTS, lang, EVENT_TABLE)
        ),
        frame.section("emergency.typhoon", lang, _replay(lang, steps, at), exports=()),
    ]
    label = str(raw["entity"]) if raw.get("entity") else None
    return frame.shell(
        PAGE, lang, state=raw, problems=problems, controls=controls, body=body, entity_label=label
    )


def kpis(
    events: pd.DataFrame,
    warnings: int | None,
    signal: str | None,
    capacity: pd.DataFrame,
    lang: str,
) -> list[Any]:
    """The figures above the map."""
    active = int((events["status"] != "closed").sum()) if not events.empty else 0
    major = int(events["level"].isin(["I", "II"]).sum()) if not events.empty else 0
    shelters = capacity.loc[capacity["kind"] == "shelter", "capacity"]
    signal_text = t(f"signal.{signal}", lang) if signal else t("emergency.kpi.no_signal", lang)
    figures = [
        ("events", fmt_num(len(events)), None),
        ("active", fmt_num(active), None),
        ("major", fmt_num(major), WARNING_LEVEL_COLORS["I"] if major else None),
        ("warnings", fmt_num(warnings), None),
        ("signal", signal_text, SIGNAL_COLORS.get(signal or "")),
        ("capacity", fmt_num(int(shelters.sum()) if len(shelters) else None), None),
        ("resources", fmt_num(int(capacity["count"].sum()) if not capacity.empty else 0), None),
    ]
    return [frame.card(t(f"emergency.kpi.{k}", lang), v, None, c) for k, v, c in figures]


def event_table_rows(events: pd.DataFrame, lang: str) -> list[dict[str, Any]]:
    """The events table's rows: the events on screen with their labels in `lang`."""
    names = {o["value"]: o["label"] for o in frame.district_options(lang)}
    return [
        {
            "event_id": r["event_id"],
            "title": r["title"],
            "kind_label": t(f"event.{r['kind']}", lang),
            "level": r["level"],
            "status_label": t(f"emergency.status.{r['status']}", lang),
            "adcode": r["adcode"],
            "district": names.get(r["adcode"], r["adcode"]),
            "reported": _local(r["reported_ts"]),
            "casualties": None if pd.isna(r["casualties"]) else int(r["casualties"]),
        }
        for r in events.to_dict("records")
    ]


def _nearest_rows(nearest: pd.DataFrame, lang: str) -> list[dict[str, Any]]:
    out = []
    for r in nearest.to_dict("records"):
        row = {str(k): (None if not isinstance(v, str) and pd.isna(v) else v) for k, v in r.items()}
        row["kind_label"] = t(f"emergency.res.{r['kind']}", lang)
        out.append(row)
    return out


def detail_panel(
    event: Mapping[str, Any] | None,
    entity: str | None,
    nearest: pd.DataFrame | None,
    notice: Any,
    lang: str,
) -> list[Any]:
    """The selected event and its nearest resources by road (or how to pick one)."""
    if entity is None:
        return [html.Div(t("emergency.detail.pick", lang), className="pg-muted em-pick")]
    if event is None:
        return [html.Div(t("emergency.detail.missing", lang, event=entity), className="pg-empty")]
    level = str(event["level"])
    head = html.Div(
        [
            html.Span(
                t("emergency.lvl", lang, level=level),
                className="em-level",
                style={"background": WARNING_LEVEL_COLORS.get(level, "#8fa6c4")},
            ),
            html.Span(str(event["title"]), className="em-event-title"),
        ],
        className="em-event-head",
    )
    facts = html.Div(
        [
            html.Span(f"{t('emergency.col.kind', lang)}: {t('event.' + str(event['kind']), lang)}"),
            html.Span(
                f"{t('emergency.col.status', lang)}: "
                f"{t('emergency.status.' + str(event['status']), lang)}"
            ),
            html.Span(f"{t('emergency.col.reported', lang)}: {_local(event['reported_ts'])}"),
            html.Span(
                t(
                    "emergency.detail.where",
                    lang,
                    lon=f"{float(event['lon']):.4f}",
                    lat=f"{float(event['lat']):.4f}",
                )
            ),
        ],
        className="em-facts",
    )
    rows = _nearest_rows(nearest, lang) if nearest is not None else []
    # as tall as its few rows under a header that wraps: every resource in sight, no scrolling
    table = frame.table(
        ids.EMERGENCY_NEAREST,
        lang,
        NEAREST_TABLE,
        height="auto",
        dashGridOptions={"domLayout": "autoHeight"},
    )
    table.rowData = rows
    return [
        head,
        facts,
        notice or html.Div(),
        html.H3(t("emergency.nearest", lang), className="em-subtitle"),
        table,
        html.Div(
            t("emergency.detail.note", lang, kmh=f"{ACCESS_KMH:.0f}"), className="pg-muted em-note"
        ),
    ]


def signal_badge(
    signal: str | None,
    at: datetime | None,
    storm: Mapping[str, Any] | None,
    warnings: int,
    lang: str,
) -> list[Any]:
    """The replay's caption: the time shown, the storm, the signal and warnings in force then."""
    if storm is None or at is None:
        return []
    name = storm["name_zh"] if lang == "zh" else storm["name_en"]
    text = (
        t("emergency.typhoon.signal", lang, signal=t(f"signal.{signal}", lang))
        if signal
        else t("emergency.typhoon.no_signal", lang)
    )
    return [
        html.Span(
            t("emergency.typhoon.at", lang, time=_local(at, "%Y-%m-%d %H:%M")), className="em-at"
        ),
        html.Span(
            text,
            className="em-badge",
            style={
                "borderColor": SIGNAL_COLORS.get(signal or "", "#8fa6c4"),
                "color": SIGNAL_COLORS.get(signal or "", "#e6f1ff"),
            },
        ),
        html.Span(t("emergency.typhoon.warnings", lang, n=warnings), className="em-at"),
        html.Span(
            t(
                "emergency.typhoon.storm",
                lang,
                name=name,
                storm=storm["storm_id"],
                wind=fmt_num(storm["max_wind_ms"]),
                hpa=fmt_num(storm["min_pressure_hpa"]),
            ),
            className="pg-muted",
        ),
    ]
