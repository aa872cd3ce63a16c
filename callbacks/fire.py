"""Wiring of the fire page: the page state → services.fire_page → layouts.fire.

The state (range, district, unit or station, category, outside-reach-only) lives in the URL
(callbacks.page); a district click on the map, a click on a unit or station (map point, table
row, station bar), a click on a category bar and the detail's close button change it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash
import pandas as pd
from dash import Input, Output, no_update

from callbacks import page as page_cb
from layouts import fire as view_layout
from layouts import ids
from layouts.fire_charts import category_figure, map_figure, response_figure, station_figure
from layouts.page import failed, state_ids
from services import fire_page as svc
from services.fetch import frame_of

__all__ = ["register"]

PAGE = "fire"


def _view(state: page_cb.PageState) -> svc.FireView:
    return svc.load(page_cb.data(), state.start, state.end, state.district)


def _filters(state: page_cb.PageState) -> tuple[str | None, bool]:
    return state.extra.get("cat"), state.extra.get("gap") == "1"


def _station(v: svc.FireView, entity: str | None) -> str | None:
    st = frame_of(v.stations)
    return entity if entity and st is not None and entity in set(st["station_id"]) else None


def _incidents(state: page_cb.PageState) -> pd.DataFrame:
    v = _view(state)
    return svc.incident_rows(v, _station(v, state.entity))


def _detail_rows(state: page_cb.PageState) -> pd.DataFrame:
    """The detail's export: a station's incidents or a unit's device events."""
    if state.entity is None:
        return pd.DataFrame()
    v = _view(state)
    d = svc.detail(page_cb.data(), v, state.entity, state.start, state.end)
    if d is None:
        return pd.DataFrame()
    if d.kind == "station":
        return d.incidents if d.incidents is not None else pd.DataFrame()
    events = frame_of(d.events) if d.events is not None else None
    return events if events is not None else pd.DataFrame()


def _label(raw: Mapping[str, Any], lang: str) -> str | None:
    return svc.entity_name(page_cb.data(), str(raw["entity"]))


def _picked(click: Any) -> list[Any] | None:
    custom = (((click or {}).get("points") or [{}])[0]).get("customdata")
    return custom if isinstance(custom, list) and custom else None


def register(app: dash.Dash) -> None:
    sid = state_ids(PAGE)
    page_cb.register_state(
        app, PAGE, controls={"cat": ids.FIRE_CATEGORY, "gap": ids.FIRE_GAP}, entity_label=_label
    )
    page_cb.register_map_filter(app, PAGE, ids.FIRE_MAP)
    page_cb.register_table_entity(app, PAGE, ids.FIRE_UNITS, "unit_id")
    page_cb.register_table_entity(app, PAGE, ids.FIRE_ALARMS, "unit_id")
    page_cb.register_bar_choice(app, ids.FIRE_CATEGORIES, ids.FIRE_CATEGORY)
    page_cb.register_close(app, PAGE, ids.FIRE_DETAIL_CLOSE)
    page_cb.register_exports(
        app,
        PAGE,
        tables={
            "units": lambda s: svc.unit_rows(_view(s), *_filters(s)),
            "incidents": _incidents,
            "alarms": lambda s: svc.alarm_rows(_view(s), _filters(s)[0]),
            "detail": _detail_rows,
        },
        maps={"map": lambda s: svc.map_features(_view(s), *_filters(s))},
    )

    @app.callback(
        Output(ids.FIRE_KPIS, "children"),
        Output(ids.FIRE_MAP, "figure"),
        Output(ids.FIRE_RESPONSE, "figure"),
        Output(ids.FIRE_STATIONS, "figure"),
        Output(ids.FIRE_CATEGORIES, "figure"),
        Output(ids.FIRE_UNITS, "rowData"),
        Output(ids.FIRE_INCIDENTS, "rowData"),
        Output(ids.FIRE_ALARMS, "rowData"),
        Output(ids.FIRE_STATUS, "children"),
        Input(sid.state, "data"),
    )
    def refresh(raw: Mapping[str, Any]) -> tuple[Any, ...]:
        now = page_cb.clock()
        state = page_cb.page_state(raw, now)
        lang, (cat, gap) = state.lang, _filters(state)
        v = _view(state)
        units, alarms = svc.unit_rows(v, cat, gap), svc.alarm_rows(v, cat)
        incidents = svc.incident_rows(v, _station(v, state.entity))
        geo = dash.get_asset_url("geo/districts.geojson")  # type: ignore[no-untyped-call]
        results = (v.live, v.responses, v.false_rates, v.units, v.coverage)
        notices = [failed(r, lang, now) for r in results]
        return (
            view_layout.kpis(svc.summary(v), lang),
            map_figure(
                units,
                svc.stations_in_view(v),
                svc.areas_in_view(v),
                alarms,
                svc.district_coverage(v),
                state.district,
                lang,
                geo,
                svc.entity_place(v, state.entity),
            ),
            response_figure(incidents["response_s"], lang),
            station_figure(svc.station_rows(v), _station(v, state.entity), lang),
            category_figure(svc.category_counts(v), cat, lang),
            view_layout.unit_records(units, lang),
            view_layout.incident_records(incidents, lang),
            view_layout.alarm_records(alarms, lang),
            [n for n in notices if n is not None],
        )

    @app.callback(Output(ids.FIRE_DETAIL, "children"), Input(sid.state, "data"))
    def show_detail(raw: Mapping[str, Any]) -> Any:
        state = page_cb.page_state(raw)
        if state.entity is None:
            return None
        d = svc.detail(page_cb.data(), _view(state), state.entity, state.start, state.end)
        return view_layout.detail_panel(d, state.lang)

    @app.callback(
        Output(sid.intent, "data", allow_duplicate=True),
        Input(ids.FIRE_MAP, "clickData"),
        Input(ids.FIRE_STATIONS, "clickData"),
        prevent_initial_call=True,
    )
    def pick_entity(map_click: Any, bar_click: Any) -> Any:
        custom = _picked(map_click if dash.ctx.triggered_id == ids.FIRE_MAP else bar_click)
        if custom is None or custom[0] not in ("unit", "station"):
            return no_update
        if len(custom) > 2 and custom[2]:
            return page_cb.intent(district=custom[2], entity=custom[1])
        return page_cb.intent(entity=custom[1])
