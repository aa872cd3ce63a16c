"""The shared callbacks of the analyst pages: the state in the URL, filters from the map and the
table, and exports of what is on screen (see layouts/page.py "How to build a page").

The page's state lives in its URL's query string and in a `dcc.Store` holding the same thing:
the controls write both (history grows by one entry per change); back/forward, a copied link
and the breadcrumb's links rebuild the page from the URL (Dash pages pass the query to the
layout). Every data callback reads the store through `page_state`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any

import dash
import pandas as pd
from dash import ClientsideFunction, Input, Output, State, ctx, dcc, no_update
from flask import current_app

from brain.page_state import PageState, resolve_state
from brain.timezone import TZ
from layouts import page as layout
from services.exports import geojson_bytes, table_bytes

__all__ = [
    "PageState",
    "clock",
    "data",
    "intent",
    "page_state",
    "register_bar_choice",
    "register_close",
    "register_exports",
    "register_map_filter",
    "register_map_pick",
    "register_state",
    "register_table_entity",
]


def clock() -> datetime:
    now: datetime = current_app.extensions["brain.clock"]()
    return now


def data() -> Any:
    """The app's data service (`services.data.DataService`)."""
    return current_app.extensions["brain.data"]


def page_state(raw: Mapping[str, Any], now: datetime | None = None) -> PageState:
    """The page's state read at `now` (the app's clock by default)."""
    return resolve_state(raw, now or clock(), lang=layout.lang_of_state(raw))


def intent(**change: Any) -> dict[str, Any]:
    """A change of state asked by the page: `district=`, `entity=`, `extra={key: value}`
    (a value None removes the key). Each is new, so asking twice for one thing counts twice."""
    return {"change": change, "n": uuid.uuid4().hex}


def _apply(
    raw: Mapping[str, Any], change: Mapping[str, Any], of_entity: Collection[str] = ()
) -> dict[str, Any]:
    """The state `raw` with `change` made; the extras `of_entity` (what is chosen within the
    entity) leave with the entity they were chosen in."""
    new = {**raw, "extra": dict(raw.get("extra") or {})}
    if "district" in change:
        if change["district"] != raw.get("district"):
            new["entity"] = None
        new["district"] = change["district"] or None
    if "entity" in change:
        new["entity"] = change["entity"] or None
    for key, value in (change.get("extra") or {}).items():
        if value in (None, ""):
            new["extra"].pop(key, None)
        else:
            new["extra"][key] = str(value)
    if new["district"] is None:
        new["entity"] = None
    if new["entity"] != raw.get("entity"):
        for key in of_entity:
            if key not in (change.get("extra") or {}):
                new["extra"].pop(key, None)
    return new


def register_state(
    app: dash.Dash,
    page: str,
    *,
    controls: Mapping[str, str] | None = None,
    entity_label: Callable[[Mapping[str, Any], str], str | None] | None = None,
    of_entity: Collection[str] = (),
) -> None:
    """URL ⇄ state of `page`: the shared controls, the page's own `controls` (state key → id
    of a component whose `value` holds it) and the intent store write the state and the URL;
    the breadcrumb, the language link and the custom range follow. The state keys `of_entity`
    are chosen within the entity and leave when another entity (or none) is chosen."""
    ids = layout.state_ids(page)
    own = dict(controls or {})
    app.clientside_callback(
        ClientsideFunction("page", "push"),
        Output(ids.pushed, "data"),
        Input(ids.query, "data"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(ids.state, "data"),
        Output(ids.query, "data"),
        Output(ids.district, "value"),
        Output(ids.crumbs, "children"),
        Output(ids.lang, "href"),
        Output(ids.custom, "style"),
        Output(ids.problems, "children"),
        Input(ids.range, "value"),
        Input(ids.start, "value"),
        Input(ids.end, "value"),
        Input(ids.district, "value"),
        Input(ids.intent, "data"),
        *(Input(cid, "value") for cid in own.values()),
        State(ids.state, "data"),
        prevent_initial_call=True,
    )
    def _state(preset: str, start: str, end: str, district: str | None, asked: Any, *rest: Any):  # type: ignore[no-untyped-def]
        *values, raw = rest
        lang = layout.lang_of_state(raw)
        if ctx.triggered_id == ids.intent:
            if not asked:
                return (no_update,) * 7
            new = _apply(raw, asked.get("change") or {}, of_entity)
        else:
            extra = {k: v for k, v in zip(own, values, strict=True)}
            new = _apply(raw, {"district": district, "extra": extra}, of_entity)
            new.update(
                {
                    "range": preset,
                    "from": _typed(start, raw.get("from")),
                    "to": _typed(end, raw.get("to")),
                }
            )
        custom = new["range"] == "custom"
        if not custom:
            new.update({"from": None, "to": None})
        problems: list[Any] = []
        if custom:
            try:
                resolve_state(new, clock())
            except ValueError:  # incomplete or backwards: wait for the analyst to finish
                key = "page.problem.custom"
                problems = layout.problems_text(
                    [(key, {"start": start or "", "end": end or ""})], lang
                )
                return (no_update, no_update, no_update, no_update, no_update, {}, problems)
        label = entity_label(new, lang) if entity_label and new.get("entity") else None
        return (
            new,
            layout.query_string(new),
            new["district"],
            layout.breadcrumb(page, new, lang, label),
            layout.lang_href(page, new, lang),
            {} if custom else {"display": "none"},
            problems,
        )


def _typed(text: str | None, kept: str | None) -> str | None:
    """A custom range's end as typed: the date fields show only the day, so a time of day the
    URL carries (`2026-12-01T08:30`) stays while its field still shows that day."""
    if text and kept and kept[:10] == text:
        return kept
    return text or None


def register_map_filter(app: dash.Dash, page: str, map_id: str) -> None:
    """A click on a district of the choropleth `map_id` (its `location`), or on a point whose
    `customdata` is an adcode (a bar of a ranking), filters the page by that district; a click
    on the district already chosen goes back to the city."""
    ids = layout.state_ids(page)

    @app.callback(
        Output(ids.intent, "data", allow_duplicate=True),
        Input(map_id, "clickData"),
        State(ids.state, "data"),
        prevent_initial_call=True,
    )
    def _map_click(click: Any, raw: Mapping[str, Any]) -> Any:
        points = (click or {}).get("points") or []
        point = points[0] if points else {}
        adcode = point.get("location") or point.get("customdata")
        if isinstance(adcode, list):
            adcode = adcode[0] if adcode else None
        if not adcode or adcode not in layout.district_codes():
            return no_update
        return intent(district=None if adcode == raw.get("district") else adcode)


def register_map_pick(app: dash.Dash, page: str, map_id: str, kind: str) -> None:
    """A click on the map `map_id`: a point whose `customdata` is [kind, id, adcode] opens that
    entity in its district; a district (its `location`) filters by it. A click never undoes
    itself (the breadcrumb and the district filter go back to the city), so a repeated or late
    click changes nothing."""
    ids = layout.state_ids(page)

    @app.callback(
        Output(ids.intent, "data", allow_duplicate=True),
        Input(map_id, "clickData"),
        State(ids.state, "data"),
        prevent_initial_call=True,
    )
    def _map_pick(click: Any, raw: Mapping[str, Any]) -> Any:
        point = ((click or {}).get("points") or [{}])[0]
        custom, adcode = point.get("customdata"), point.get("location")
        if isinstance(custom, list) and custom and custom[0] == kind:
            return intent(district=custom[2], entity=str(custom[1]))
        if adcode and adcode != raw.get("district"):
            return intent(district=adcode)
        return no_update


def register_bar_choice(
    app: dash.Dash, chart_id: str, control_id: str, key: str = "customdata"
) -> None:
    """A click on a bar of `chart_id` chooses the bar's `key` (its customdata, x or y) in the
    control `control_id` (a control of the page's state); a click on the chosen bar clears it."""

    @app.callback(
        Output(control_id, "value"),
        Input(chart_id, "clickData"),
        State(control_id, "value"),
        prevent_initial_call=True,
    )
    def _choose(click: Any, current: str | None) -> Any:
        value = (((click or {}).get("points") or [{}])[0]).get(key)
        if not value:
            return no_update
        chosen = str(value)
        return None if chosen == current else chosen


def register_close(app: dash.Dash, page: str, button_id: str) -> None:
    """The detail's close button `button_id` leaves the entity (back to its district)."""
    ids = layout.state_ids(page)

    @app.callback(
        Output(ids.intent, "data", allow_duplicate=True),
        Input(button_id, "n_clicks"),
        prevent_initial_call=True,
    )
    def _close(n: int | None) -> Any:
        return intent(entity=None) if n else no_update


def register_table_entity(app: dash.Dash, page: str, table_id: str, field: str) -> None:
    """A click on a row of the ag-grid `table_id` selects its `field` as the page's entity (in
    the row's `adcode` district when the row has one)."""
    ids = layout.state_ids(page)

    @app.callback(
        Output(ids.intent, "data", allow_duplicate=True),
        Input(table_id, "cellClicked"),
        State(table_id, "virtualRowData"),
        prevent_initial_call=True,
    )
    def _row_click(cell: Any, rows: Any) -> Any:
        if not cell or cell.get("rowIndex") is None:
            return no_update
        row = cell.get("data") or {}
        if not row and rows:
            row = rows[cell["rowIndex"]]
        value = row.get(field)
        if value in (None, ""):
            return no_update
        change: dict[str, Any] = {"entity": str(value)}
        if row.get("adcode"):
            change["district"] = str(row["adcode"])
        return intent(**change)


def register_exports(
    app: dash.Dash,
    page: str,
    tables: Mapping[str, Callable[[PageState], pd.DataFrame]],
    maps: Mapping[str, Callable[[PageState], Any]] | None = None,
) -> None:
    """The export buttons of `page`: `tables[name](state)` as CSV or Excel, `maps[name](state)`
    (a GeoJSON mapping or a GeoDataFrame) as GeoJSON, under the page's current filters."""
    ids = layout.state_ids(page)
    maps = maps or {}

    @app.callback(
        Output(ids.download, "data"),
        Input(ids.export_all(), "n_clicks"),
        State(ids.state, "data"),
        prevent_initial_call=True,
    )
    def _export(clicks: Any, raw: Mapping[str, Any]) -> Any:
        button = ctx.triggered_id
        if not isinstance(button, Mapping) or not any(clicks or ()):
            return no_update
        if not ctx.triggered or not ctx.triggered[0].get("value"):
            return no_update
        name, fmt = str(button["name"]), str(button["fmt"])
        now = clock()
        state = page_state(raw, now)
        stamp = now.astimezone(TZ).strftime("%Y%m%d-%H%M")
        filename = f"{page}-{name}-{stamp}.{fmt}"
        if fmt == "geojson" and name in maps:
            return dcc.send_bytes(geojson_bytes(maps[name](state)), filename)
        if fmt in ("csv", "xlsx") and name in tables:
            body = table_bytes(tables[name](state), fmt, sheet=name)
            return dcc.send_bytes(body, filename)
        return no_update
