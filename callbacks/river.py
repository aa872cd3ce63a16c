"""Wiring of the river page: the page state → services.river_page → layouts.river.

The state (range, district, section, class, below target, patrol) lives in the URL
(callbacks.page); a district click on the map, a click on a section (map point or table row), a
click on a class bar, a click on a patrol of the detail (its GPS track on the map) and the
detail's close button (leaving the section and its patrol) change it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash
from dash import ALL, Input, Output, State

from callbacks import page as page_cb
from layouts import ids
from layouts import river as view_layout
from layouts.page import failed, state_ids
from layouts.river_charts import class_figure, map_figure
from services import river_page as svc
from services.fetch import frame_of

__all__ = ["register"]

PAGE = "river"


def _view(state: page_cb.PageState) -> svc.RiverView:
    return svc.load(page_cb.data(), state.start, state.end, state.district)


def _filters(state: page_cb.PageState) -> tuple[str | None, bool]:
    return state.extra.get("cls"), state.extra.get("below") == "1"


def _sections(state: page_cb.PageState) -> Any:
    return svc.sections_rows(_view(state), *_filters(state))


def _detail(state: page_cb.PageState, v: svc.RiverView) -> svc.RiverDetail | None:
    if state.entity is None:
        return None
    patrol = state.extra.get("patrol")
    return svc.detail(page_cb.data(), v, state.entity, state.start, state.end, patrol)


def _map(state: page_cb.PageState) -> Any:
    v = _view(state)
    tracks = svc.map_tracks(v, _detail(state, v), state.district)
    return svc.map_features(v, *_filters(state), tracks=tracks)


def _history(state: page_cb.PageState) -> Any:
    v = _view(state)
    none = svc.sections_rows(v).iloc[:0]
    if state.entity is None:
        return none
    d = svc.detail(page_cb.data(), v, state.entity, state.start, state.end)
    return d.history.value if d.history.value is not None else none


def _label(raw: Mapping[str, Any], lang: str) -> str | None:
    return svc.station_name(page_cb.data(), str(raw["entity"]))


def register(app: dash.Dash) -> None:
    sid = state_ids(PAGE)
    page_cb.register_state(
        app,
        PAGE,
        controls={"cls": ids.RIVER_CLASS, "below": ids.RIVER_BELOW},
        entity_label=_label,
        of_entity=("patrol",),
    )
    page_cb.register_table_entity(app, PAGE, ids.RIVER_SECTIONS, "station_id")
    page_cb.register_map_pick(app, PAGE, ids.RIVER_MAP, "station")
    page_cb.register_bar_choice(app, ids.RIVER_CLASSES, ids.RIVER_CLASS, key="x")
    page_cb.register_exports(
        app,
        PAGE,
        tables={
            "sections": _sections,
            "reaches": lambda s: svc.reach_rows(_view(s)),
            "problems": lambda s: svc.problem_rows(_view(s)),
            "history": _history,
        },
        maps={"map": _map},
    )

    @app.callback(
        Output(ids.RIVER_KPIS, "children"),
        Output(ids.RIVER_MAP, "figure"),
        Output(ids.RIVER_CLASSES, "figure"),
        Output(ids.RIVER_SECTIONS, "rowData"),
        Output(ids.RIVER_REACHES, "rowData"),
        Output(ids.RIVER_PROBLEMS, "rowData"),
        Output(ids.RIVER_STATUS, "children"),
        Input(sid.state, "data"),
    )
    def refresh(raw: Mapping[str, Any]) -> tuple[Any, ...]:
        now = page_cb.clock()
        state = page_cb.page_state(raw, now)
        lang, (cls, below) = state.lang, _filters(state)
        v = _view(state)
        sections = svc.sections_rows(v, cls, below)
        reaches = svc.reach_paths(v)
        d = _detail(state, v)
        tracks = svc.map_tracks(v, d, state.district)
        chosen = (d.patrol or {}).get("patrol_id") if d is not None else None
        geo = dash.get_asset_url("geo/districts.geojson")
        notices = [failed(r, lang, now) for r in (v.sections, v.patrols, v.problems, v.tracks)]
        comp = frame_of(v.compliance)
        return (
            view_layout.kpis(svc.summary(v, state.district), lang),
            map_figure(sections, reaches, comp, state.district, lang, geo, tracks, chosen),
            class_figure(svc.counts(v), cls, lang),
            view_layout.section_records(sections, lang),
            view_layout.reach_records(svc.reach_rows(v), lang),
            view_layout.problem_records(svc.problem_rows(v), lang),
            [n for n in notices if n is not None],
        )

    @app.callback(Output(ids.RIVER_DETAIL, "children"), Input(sid.state, "data"))
    def show_detail(raw: Mapping[str, Any]) -> Any:
        now = page_cb.clock()
        state = page_cb.page_state(raw, now)
        d = _detail(state, _view(state))
        return None if d is None else view_layout.detail_panel(d, state.lang, now)

    patrols = {"type": ids.RIVER_PATROL_KIND, "patrol": ALL}

    @app.callback(
        Output(sid.intent, "data", allow_duplicate=True),
        Input(patrols, "n_clicks"),
        State(patrols, "className"),
        prevent_initial_call=True,
    )
    def choose_patrol(clicks: Any, classes: Any) -> Any:
        """A patrol of the detail's list shows its track; a click on the one drawn chosen hides it.

        The button as drawn decides, not the page's state: a second click before the list is
        drawn anew (the state already holds the patrol, its button not yet marked) would find it
        chosen and hide the track just asked for."""
        button = dash.ctx.triggered_id
        if not isinstance(button, Mapping) or not any(clicks or ()):
            return dash.no_update
        if not dash.ctx.triggered or not dash.ctx.triggered[0].get("value"):
            return dash.no_update  # the list was drawn anew, nothing clicked
        listed = [s["id"]["patrol"] for s in dash.ctx.states_list[0]]
        drawn = dict(zip(listed, classes, strict=True))
        patrol = view_layout.patrol_choice(button["patrol"], drawn.get(button["patrol"]))
        return page_cb.intent(extra={"patrol": patrol})

    @app.callback(
        Output(sid.intent, "data", allow_duplicate=True),
        Input(ids.RIVER_DETAIL_CLOSE, "n_clicks"),
        prevent_initial_call=True,
    )
    def close_detail(n: int | None) -> Any:
        """The detail's close button leaves the section and its chosen patrol (a patrol of the
        section's reach: left in the URL it would come back with the next section of it)."""
        return page_cb.intent(entity=None, extra={"patrol": None}) if n else dash.no_update
