"""Wiring of the traffic page: the page state → services.traffic_page → layouts.traffic.

The state (range, district, segment, road, level, incident) lives in the URL (callbacks.page);
a district click on the map or the district bars, a segment click on the map or the table, a
road bar click, an incident click and the detail's close button change it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash
from dash import Input, Output, State, no_update

from brain.traffic import network
from callbacks import page as page_cb
from layouts import ids
from layouts import traffic as view_layout
from layouts import traffic_charts as charts
from layouts.page import failed, state_ids
from services import traffic_page as svc
from services.fetch import frame_of

__all__ = ["register"]

PAGE = "traffic"


def _view(state: page_cb.PageState) -> svc.Overview:
    return svc.overview(page_cb.data(), start=state.start, end=state.end, adcode=state.district)


def _filters(state: page_cb.PageState) -> dict[str, Any]:
    level = state.extra.get("level")
    return {"road": state.extra.get("road"), "level": int(level) if level else None}


def _segments(state: page_cb.PageState) -> Any:
    return svc.segment_rows(_view(state), **_filters(state)).drop(columns=["path"])


def _series(state: page_cb.PageState) -> Any:
    """The TPI over the range: the district's (or city's), or the filtered road's."""
    view, road = _view(state), state.extra.get("road")
    if not road:
        return view.series
    return svc.road_series(page_cb.data(), view, road, start=state.start, end=state.end)


def _impact(state: page_cb.PageState) -> Any:
    view = _view(state)
    incident = svc.incident_row(view, state.extra.get("incident"))
    if incident is None:
        return svc.incident_rows(view).iloc[:0]
    return frame_of(svc.incident_effect(page_cb.data(), incident, end=state.end))


def _label(raw: Mapping[str, Any], lang: str) -> str | None:
    row = svc.segment_row(_view(page_cb.page_state(raw)), str(raw["entity"]))
    return f"{row['road_name']} · {row['segment_id']}" if row else None


def _exports(app: dash.Dash) -> None:
    page_cb.register_exports(
        app,
        PAGE,
        tables={
            "segments": _segments,
            "districts": lambda s: svc.district_rows(_view(s)),
            "worst_roads": lambda s: _view(s).worst(),
            "series": lambda s: svc.series_rows(_series(s)),
            "profile": lambda s: _view(s).band,
            "incidents_table": lambda s: svc.incident_rows(_view(s)),
            "impact": _impact,
        },
        maps={"map": lambda s: svc.map_features(_view(s), **_filters(s))},
    )


def register(app: dash.Dash) -> None:
    sid = state_ids(PAGE)
    page_cb.register_state(
        app,
        PAGE,
        controls={"road": ids.TRAFFIC_ROAD, "level": ids.TRAFFIC_LEVEL},
        entity_label=_label,
    )
    page_cb.register_table_entity(app, PAGE, ids.TRAFFIC_SEGMENTS, "segment_id")
    page_cb.register_map_filter(app, PAGE, ids.TRAFFIC_DISTRICTS)  # a district's bar
    page_cb.register_bar_choice(app, ids.TRAFFIC_WORST, ids.TRAFFIC_ROAD, key="y")
    page_cb.register_close(app, PAGE, ids.TRAFFIC_DETAIL_CLOSE)
    _exports(app)

    @app.callback(
        Output(ids.TRAFFIC_KPIS, "children"),
        Output(ids.TRAFFIC_MAP, "figure"),
        Output(ids.TRAFFIC_DISTRICTS, "figure"),
        Output(ids.TRAFFIC_SERIES, "figure"),
        Output(ids.TRAFFIC_PROFILE, "figure"),
        Output(ids.TRAFFIC_WORST, "figure"),
        Output(ids.TRAFFIC_SEGMENTS, "rowData"),
        Output(ids.TRAFFIC_INCIDENTS, "rowData"),
        Output(ids.TRAFFIC_ROAD, "options"),
        Output(ids.TRAFFIC_STATUS, "children"),
        Input(sid.state, "data"),
    )
    def refresh(raw: Mapping[str, Any]) -> tuple[Any, ...]:
        now = page_cb.clock()
        state = page_cb.page_state(raw, now)
        lang, f, v = state.lang, _filters(state), _view(state)
        rows = svc.segment_rows(v, **f)
        districts, incidents = frame_of(v.districts), frame_of(v.incidents)
        geo = dash.get_asset_url("geo/districts.geojson")  # type: ignore[no-untyped-call]
        series = _series(state)
        notices = [failed(r, lang, now) for r in (v.state, v.districts, series, v.incidents)]
        return (
            view_layout.kpis(
                network(rows), frame_of(series), incidents, len(rows), f["road"], lang
            ),
            charts.map_figure(
                rows,
                districts,
                incidents,
                adcode=state.district,
                selected=state.entity,
                lang=lang,
                geojson=geo,
            ),
            charts.district_figure(districts, state.district, lang),
            charts.series_figure(frame_of(series), lang),
            charts.profile_figure(v.band, len(v.past), lang),
            charts.worst_figure(v.worst(), f["road"], lang),
            view_layout.segment_records(rows, lang),
            view_layout.incident_records(incidents, lang),
            view_layout.road_options(svc.roads(v)),
            [n for n in notices if n is not None],
        )

    @app.callback(Output(ids.TRAFFIC_DETAIL, "children"), Input(sid.state, "data"))
    def show_detail(raw: Mapping[str, Any]) -> Any:
        now = page_cb.clock()
        state = page_cb.page_state(raw, now)
        if state.entity is None:
            return None
        detail = svc.segment_detail(page_cb.data(), segment_id=state.entity, end=state.end)
        row = svc.segment_row(_view(state), state.entity)
        return view_layout.detail_panel(row, state.entity, detail, state.lang, now)

    @app.callback(Output(ids.TRAFFIC_IMPACT, "children"), Input(sid.state, "data"))
    def show_impact(raw: Mapping[str, Any]) -> Any:
        now = page_cb.clock()
        state = page_cb.page_state(raw, now)
        incident = svc.incident_row(_view(state), state.extra.get("incident"))
        effect = svc.incident_effect(page_cb.data(), incident, end=state.end) if incident else None
        return view_layout.impact_panel(incident, effect, state.lang, now)

    # one callback for every click on the map (two on one input would share one callback id)
    @app.callback(
        Output(sid.intent, "data", allow_duplicate=True),
        Input(ids.TRAFFIC_MAP, "clickData"),
        State(sid.state, "data"),
        prevent_initial_call=True,
    )
    def pick_on_map(click: Any, raw: Mapping[str, Any]) -> Any:
        point = ((click or {}).get("points") or [{}])[0]
        custom, adcode = point.get("customdata"), point.get("location")
        if custom and custom[0] == "incident":
            return page_cb.intent(extra={"incident": custom[1]})
        if custom and custom[0] == "segment":
            return page_cb.intent(district=custom[2], entity=custom[1])
        if adcode:  # a district: filter by it (the chosen one again: back to the city)
            return page_cb.intent(district=None if adcode == raw.get("district") else adcode)
        return no_update

    @app.callback(
        Output(sid.intent, "data", allow_duplicate=True),
        Input(ids.TRAFFIC_INCIDENTS, "cellClicked"),
        State(ids.TRAFFIC_INCIDENTS, "virtualRowData"),
        prevent_initial_call=True,
    )
    def pick_incident(cell: Any, rows: Any) -> Any:
        row = (cell or {}).get("data") or {}
        index = (cell or {}).get("rowIndex")
        if not row and rows and index is not None and 0 <= index < len(rows):
            row = rows[index]
        incident = row.get("incident_id")
        return page_cb.intent(extra={"incident": incident}) if incident else no_update
