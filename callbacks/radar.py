"""Wiring of the radar page: the page state (range, district, vessel, moment `t`) →
services.radar_page → layouts.radar.

The playback: the play button starts and stops a `dcc.Interval`, whose ticks move the slider a
step on in the browser (no round trip); the slider is a control of the state, so each moment is
in the URL. A district click on the map filters; a vessel click (map or table row) opens it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash
import pandas as pd
from dash import Input, Output, State

from callbacks import page as page_cb
from layouts import ids
from layouts import radar as view_layout
from layouts.i18n import t
from layouts.page import failed, state_ids
from layouts.radar_charts import map_figure
from services import radar_page as svc
from services.fetch import frame_of, records

__all__ = ["register"]

PAGE = "radar"
_STEP_JS = """function(n, value, min, max, step) {
    if (!n) { return window.dash_clientside.no_update; }
    const now = value || min;
    if (now >= max) { return window.dash_clientside.no_update; }
    return Math.min(now + step, max);
}"""


def _view(state: page_cb.PageState) -> svc.RadarView:
    return svc.load(page_cb.data(), svc.at_time(state.extra.get("t"), state.start, state.end))


def _mmsi(state: page_cb.PageState) -> int | None:
    try:
        return int(str(state.entity)) if state.entity else None
    except ValueError:
        return None


def _track(state: page_cb.PageState) -> pd.DataFrame:
    mmsi = _mmsi(state)
    if mmsi is None:
        return pd.DataFrame(columns=["ts", "lon", "lat", "sog", "cog", "heading", "nav_status"])
    frame = frame_of(svc.track(page_cb.data(), mmsi, state.start, state.end))
    return frame if frame is not None else pd.DataFrame(columns=["ts", "lon", "lat"])


def _flags(view: svc.RadarView, adcode: str | None) -> dict[str, set[Any]]:
    events = svc.event_rows(view, adcode)
    return {
        "intrusion": set(events.loc[events["kind"] == "intrusion", "mmsi"]),
        "loitering": set(events.loc[events["kind"] == "loitering", "mmsi"]),
        "unregistered": set(svc.unregistered_rows(view, adcode)["mmsi"]),
    }


def register(app: dash.Dash) -> None:
    sid = state_ids(PAGE)
    page_cb.register_state(app, PAGE, controls={"t": ids.RADAR_SLIDER})
    page_cb.register_table_entity(app, PAGE, ids.RADAR_VESSELS, "mmsi")
    page_cb.register_table_entity(app, PAGE, ids.RADAR_UNREGISTERED, "mmsi")
    page_cb.register_map_pick(app, PAGE, ids.RADAR_MAP, "vessel")
    page_cb.register_close(app, PAGE, ids.RADAR_DETAIL_CLOSE)
    page_cb.register_exports(
        app,
        PAGE,
        tables={
            "vessels": lambda s: svc.vessel_rows(_view(s), s.district),
            "events": lambda s: svc.event_rows(_view(s), s.district),
            "unregistered": lambda s: svc.unregistered_rows(_view(s), s.district),
            "track": _track,
        },
        maps={
            "map": lambda s: svc.map_features(_view(s), s.district),
            "track": lambda s: svc.track_features(_track(s), _mmsi(s) or 0),
        },
    )

    @app.callback(
        Output(ids.RADAR_KPIS, "children"),
        Output(ids.RADAR_MAP, "figure"),
        Output(ids.RADAR_VESSELS, "rowData"),
        Output(ids.RADAR_EVENTS, "rowData"),
        Output(ids.RADAR_UNREGISTERED, "rowData"),
        Output(ids.RADAR_MOMENT, "children"),
        Output(ids.RADAR_STATUS, "children"),
        Input(sid.state, "data"),
    )
    def refresh(raw: Mapping[str, Any]) -> tuple[Any, ...]:
        now = page_cb.clock()
        state = page_cb.page_state(raw, now)
        lang, v = state.lang, _view(state)
        vessels, dark = svc.vessel_rows(v, state.district), svc.dark_rows(v, state.district)
        track = _track(state) if state.entity else None
        geo = dash.get_asset_url("geo/districts.geojson")
        figure = map_figure(
            vessels, frame_of(v.tails), dark, frame_of(v.zones), _flags(v, state.district), track,
            state.district, lang, geo,
        )  # fmt: skip
        notices = [failed(r, lang, now) for r in (v.positions, v.dark, v.intrusions)]
        return (
            view_layout.kpis(svc.counts(v, state.district), lang),
            figure,
            view_layout.vessel_records(vessels, lang),
            view_layout.event_records(svc.event_rows(v, state.district), lang),
            view_layout.unregistered_records(svc.unregistered_rows(v, state.district), lang),
            view_layout.moment_text(v.at, lang),
            [n for n in notices if n is not None],
        )

    @app.callback(Output(ids.RADAR_DETAIL, "children"), Input(sid.state, "data"))
    def show_detail(raw: Mapping[str, Any]) -> Any:
        state = page_cb.page_state(raw)
        mmsi = _mmsi(state)
        if mmsi is None:
            return None
        v = _view(state)
        found = records(svc.vessel_rows(v, None).query("mmsi == @mmsi"), svc.VESSEL_COLUMNS)
        result = svc.track(page_cb.data(), mmsi, state.start, state.end)
        notice = failed(result, state.lang, page_cb.clock())
        vessel = found[0] if found else None
        return view_layout.detail_panel(vessel, mmsi, frame_of(result), state.lang, notice)

    @app.callback(
        Output(ids.RADAR_SLIDER, "min"),
        Output(ids.RADAR_SLIDER, "max"),
        Output(ids.RADAR_SLIDER, "step"),
        Output(ids.RADAR_SLIDER, "marks"),
        Input(sid.state, "data"),
    )
    def slider_range(raw: Mapping[str, Any]) -> tuple[Any, ...]:
        state = page_cb.page_state(raw)
        p = view_layout.slider_props(state.start, state.end, state.lang)
        return p["min"], p["max"], p["step"], p["marks"]

    @app.callback(
        Output(ids.RADAR_TICK, "disabled"),
        Output(ids.RADAR_TICK, "interval"),
        Output(ids.RADAR_PLAY, "children"),
        Input(ids.RADAR_PLAY, "n_clicks"),
        Input(ids.RADAR_SPEED, "value"),
        State(sid.state, "data"),
    )
    def play(clicks: int | None, speed: int | None, raw: Mapping[str, Any]) -> tuple[Any, ...]:
        playing = bool((clicks or 0) % 2)
        lang = page_cb.page_state(raw).lang
        label = t("radar.pause" if playing else "radar.play", lang)
        return not playing, int(2000 / max(int(speed or 1), 1)), label

    app.clientside_callback(
        _STEP_JS,
        Output(ids.RADAR_SLIDER, "value"),
        Input(ids.RADAR_TICK, "n_intervals"),
        State(ids.RADAR_SLIDER, "value"),
        State(ids.RADAR_SLIDER, "min"),
        State(ids.RADAR_SLIDER, "max"),
        State(ids.RADAR_SLIDER, "step"),
        prevent_initial_call=True,
    )
