"""Callbacks of the Economy page: the shared state, the district click and row drill, exports,
and one callback drawing every panel from the page state."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import dash
from dash import Input, Output, State, no_update

from callbacks import page as page_cb
from layouts import economy as ui
from layouts import page
from layouts.map_geo import DISTRICTS_FILE, GEO_DIR
from services import economy_page as figures

__all__ = ["register"]


def _table(state: page_cb.PageState) -> Any:
    return figures.view(page_cb.data(), state).table


def _ranking(state: page_cb.PageState) -> Any:
    return figures.view(page_cb.data(), state).ranking


@cache
def _geojson() -> dict[str, Any]:
    geo: dict[str, Any] = json.loads((GEO_DIR / DISTRICTS_FILE).read_text("utf-8"))
    return geo


def _map(state: page_cb.PageState) -> Any:
    return figures.features(figures.view(page_cb.data(), state), _geojson())


def register(app: dash.Dash) -> None:
    ids = page.state_ids(ui.PAGE)
    page_cb.register_state(
        app,
        ui.PAGE,
        controls={"indicator": ui.INDICATOR, "by": ui.BY},
        entity_label=ui.entity_label,
    )
    page_cb.register_map_filter(app, ui.PAGE, ui.MAP)
    page_cb.register_map_filter(app, ui.PAGE, ui.RANKING)  # a bar of the ranking: the same
    page_cb.register_table_entity(app, ui.PAGE, ui.TABLE, "entity")
    page_cb.register_exports(
        app, ui.PAGE, tables={"table": _table, "ranking": _ranking}, maps={"map": _map}
    )

    @app.callback(
        Output(ids.intent, "data", allow_duplicate=True),
        Input(ui.TREND, "clickData"),
        State(ids.state, "data"),
        prevent_initial_call=True,
    )
    def _month(click: Any, raw: dict[str, Any]) -> Any:
        """A month clicked on the trend of a district opens that district's month."""
        month = ui.month_of_click(click)
        if month is None or not raw.get("district"):
            return no_update
        return page_cb.intent(entity=month)

    @app.callback(
        Output(ui.STATUS, "children"),
        Output(ui.CARDS, "children"),
        Output(ui.MAP, "figure"),
        Output(ui.RANKING, "figure"),
        Output(ui.TREND, "figure"),
        Output(ui.FLAGS, "children"),
        Output(ui.TABLE, "rowData"),
        Output(ui.DETAIL, "children"),
        Input(ids.state, "data"),
    )
    def _draw(raw: dict[str, Any]) -> tuple[Any, ...]:
        now = page_cb.clock()
        state = page_cb.page_state(raw, now)
        lang = state.lang
        view = figures.view(page_cb.data(), state)
        freq = view.indicator["frequency"]
        return (
            ui.status(view, lang, now),
            ui.cards(view, lang),
            ui.map_figure(view, state.district, lang),
            ui.ranking_figure(view, state.district, lang),
            ui.trend_figure(view, lang, state.entity),
            ui.flags(view, lang),
            ui.table_rows(view.table, freq, lang),
            ui.detail(figures.detail(page_cb.data(), state), raw, lang),
        )
