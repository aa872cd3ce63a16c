"""Wiring of the Emergency page: the page state → services.emergency_page → layouts.emergency.

The state (range, district, event, event kind, resource kind, replay step) lives in the URL
(callbacks.page). A district click on the map filters by it; a click on an event (map point or
table row) opens it with its nearest resources by road; a click on a kind's bar filters the
kind; the replay slider (and its play button) moves the storm's replay.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import dash
import pandas as pd
from dash import Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from callbacks import page as page_cb
from layouts import emergency as view_layout
from layouts import ids
from layouts.emergency_maps import capacity_figure, kinds_figure, map_figure, typhoon_figure
from layouts.i18n import t
from layouts.page import failed, lang_of_state, read, state_ids
from services import emergency_page as svc
from services.fetch import frame_of

__all__ = ["page_layout", "register"]

PAGE = view_layout.PAGE
_EXTRAS = {"kind": view_layout.EVENT_KINDS, "res": svc.RESOURCE_KINDS, "at": None}


def _at(raw: Mapping[str, Any]) -> datetime | None:
    """The replay step in the state (epoch seconds), None when absent or not a number."""
    text = (raw.get("extra") or {}).get("at")
    try:
        return datetime.fromtimestamp(int(text), UTC) if text else None
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def page_layout(**query: str) -> Any:
    """The page for the URL's query (Dash pages call it at each visit)."""
    raw, problems = read(PAGE, query, default_preset="24h", extras=_EXTRAS)
    lang = lang_of_state(raw)
    replay = svc.replay(page_cb.data(), page_cb.clock(), _at(raw))
    return view_layout.layout(raw, problems, lang, replay.steps, replay.at)


def _view(state: page_cb.PageState, now: datetime | None = None) -> svc.EmergencyView:
    return svc.load(page_cb.data(), state.start, state.end, state.district, now or page_cb.clock())


def _events(state: page_cb.PageState) -> pd.DataFrame:
    return svc.event_rows(_view(state), state.extra.get("kind"))


def _nearest(state: page_cb.PageState) -> pd.DataFrame:
    if state.entity is None:
        return pd.DataFrame(columns=list(svc.NEAREST_COLUMNS))
    found = svc.detail(page_cb.data(), _view(state), state.entity, state.extra.get("res"))
    return svc.nearest_rows(found)


def _overview_key(raw: Mapping[str, Any]) -> str:
    """The state without the replay step: what the overview (all but the replay) depends on."""
    extra = {k: v for k, v in (raw.get("extra") or {}).items() if k != "at"}
    return json.dumps({**raw, "extra": extra}, sort_keys=True, default=str)


def _geojson() -> str:
    """The district boundaries' asset URL (the maps' GeoJSON, fetched once by the browser)."""
    url: str = dash.get_asset_url("geo/districts.geojson")  # type: ignore[no-untyped-call]
    return url


def _label(raw: Mapping[str, Any], lang: str) -> str | None:
    return str(raw["entity"])


def register(app: dash.Dash) -> None:
    sid = state_ids(PAGE)
    controls = {
        "kind": ids.EMERGENCY_KIND,
        "res": ids.EMERGENCY_RES_KIND,
        "at": ids.EMERGENCY_SLIDER,
    }
    page_cb.register_state(app, PAGE, controls=controls, entity_label=_label)
    page_cb.register_table_entity(app, PAGE, ids.EMERGENCY_EVENTS, "event_id")
    page_cb.register_map_pick(app, PAGE, ids.EMERGENCY_MAP, "event")
    page_cb.register_bar_choice(app, ids.EMERGENCY_KINDS, ids.EMERGENCY_KIND)
    page_cb.register_exports(
        app,
        PAGE,
        tables={"table": _events, "nearest": _nearest},
        maps={"map": lambda s: svc.map_features(_view(s), s.extra.get("kind"))},
    )

    @app.callback(
        Output(ids.EMERGENCY_KPIS, "children"),
        Output(ids.EMERGENCY_MAP, "figure"),
        Output(ids.EMERGENCY_KINDS, "figure"),
        Output(ids.EMERGENCY_CAPACITY, "figure"),
        Output(ids.EMERGENCY_EVENTS, "rowData"),
        Output(ids.EMERGENCY_DETAIL, "children"),
        Output(ids.EMERGENCY_STATUS, "children"),
        Output(ids.EMERGENCY_SHOWN, "data"),
        Input(sid.state, "data"),
        State(ids.EMERGENCY_SHOWN, "data"),
    )
    def refresh(raw: Mapping[str, Any], shown: Any) -> tuple[Any, ...]:
        key = _overview_key(raw)
        if key == shown:  # only the replay moved: the overview stays as it is
            raise PreventUpdate
        now = page_cb.clock()
        state = page_cb.page_state(raw, now)
        lang, kind, v = state.lang, state.extra.get("kind"), _view(state, now)
        events = svc.event_rows(v, kind)
        found = (
            svc.detail(page_cb.data(), v, state.entity, state.extra.get("res"))
            if state.entity
            else None
        )
        nearest = frame_of(found.nearest) if found else None
        warnings, capacity = frame_of(v.warnings), v.capacity()
        notices = [failed(r, lang, now) for r in (v.events, v.warnings, v.signal, v.resources)]
        geo = _geojson()
        return (
            view_layout.kpis(
                events,
                None if warnings is None else len(warnings),
                v.signal.value,
                capacity,
                lang,
            ),
            map_figure(
                geo,
                v.districts(kind),
                v.areas(),
                events,
                frame_of(v.resources),
                nearest,
                state.district,
                state.entity,
                lang,
            ),
            kinds_figure(v.kinds(), kind, lang),
            capacity_figure(capacity, lang),
            view_layout.event_table_rows(events, lang),
            view_layout.detail_panel(
                found.event if found else None,
                state.entity,
                svc.nearest_rows(found) if found else None,
                failed(found.nearest, lang, now) if found else None,
                lang,
            ),
            [n for n in notices if n is not None],
            key,
        )

    @app.callback(
        Output(ids.EMERGENCY_TYPHOON, "figure"),
        Output(ids.EMERGENCY_SIGNAL, "children"),
        Input(sid.state, "data"),
    )
    def show_replay(raw: Mapping[str, Any]) -> tuple[Any, ...]:
        now = page_cb.clock()
        lang = page_cb.page_state(raw, now).lang
        r = svc.replay(page_cb.data(), now, _at(raw))
        geo = _geojson()
        warnings = frame_of(r.warnings)
        n = 0 if warnings is None else len(warnings)
        return (
            typhoon_figure(geo, frame_of(r.track), r.cone, r.areas(), lang),
            view_layout.signal_badge(r.signal.value, r.at, r.storm, n, lang),
        )

    @app.callback(
        Output(ids.EMERGENCY_SLIDER, "value"),
        Output(ids.EMERGENCY_TICK, "disabled"),
        Output(ids.EMERGENCY_PLAY, "children"),
        Input(ids.EMERGENCY_PLAY, "n_clicks"),
        Input(ids.EMERGENCY_TICK, "n_intervals"),
        State(ids.EMERGENCY_SLIDER, "value"),
        State(ids.EMERGENCY_SLIDER, "min"),
        State(ids.EMERGENCY_SLIDER, "max"),
        State(ids.EMERGENCY_SLIDER, "step"),
        State(ids.EMERGENCY_TICK, "disabled"),
        State(sid.state, "data"),
        prevent_initial_call=True,
    )
    def play(*args: Any) -> Any:
        """Play / pause; each tick moves one step on, and playing stops at the last."""
        _, _, value, first, last, step, stopped, raw = args
        lang = page_cb.page_state(raw).lang
        label = {True: t("emergency.typhoon.play", lang), False: t("emergency.typhoon.pause", lang)}
        if ctx.triggered_id == ids.EMERGENCY_PLAY:
            at_end = value is None or int(value) >= int(last)
            if stopped:  # start; from the beginning when at the end
                return (int(first) if at_end else no_update), False, label[False]
            return no_update, True, label[True]
        nxt = min(int(value if value is not None else first) + int(step or 1), int(last))
        done = nxt >= int(last)
        return nxt, done, label[done]
