"""The shared frame of the analyst pages (economy, traffic, emergency, fire, river, radar).

How to build a page `p` (see layouts/economy.py and callbacks/economy.py for a whole one):

1. Layout (`layouts/p.py`): a function of the URL's query keywords (Dash pages pass them)::

       def layout(**query: str) -> html.Div:
           raw, problems = page.read("p", query, default_preset="24h", extras={"kind": KINDS})
           lang = page.lang_of_state(raw)
           return page.shell("p", lang, state=raw, problems=problems,
                             controls=[my_dropdown(raw["extra"].get("kind"))],
                             body=[page.section("p.map", lang, page.graph(MAP_ID, "p-map"),
                                                exports=("geojson",)),
                                   page.section("p.table", lang, page.table(TABLE_ID, lang, COLS))])

   `raw` is the page's state read from the URL (time range, district, entity, the page's own
   keys in `raw["extra"]`); build your own controls with their initial values from it. The
   section named `p.table` offers CSV + Excel buttons of the export called "table"; `p.map`
   a GeoJSON button of the export called "map" (the part after the dot is the export's name).
2. Register it in `app.py` `_register_pages`: `dash.register_page("p", path="/p", layout=...)`,
   and add "p" to `callbacks.PAGES`.
3. Callbacks (`callbacks/p.py`)::

       def register(app):
           page_cb.register_state(app, "p", controls={"kind": MY_DROPDOWN_ID})
           page_cb.register_map_filter(app, "p", MAP_ID)       # a district click filters
           page_cb.register_table_entity(app, "p", TABLE_ID, "road_id")  # a row click drills
           page_cb.register_exports(app, "p", tables={"table": rows_on_screen},
                                    maps={"map": features_on_screen})

           @app.callback(Output(TABLE_ID, "rowData"), Input(page.state_ids("p").state, "data"))
           def _rows(raw):
               state = page_cb.page_state(raw)      # a PageState: start/end resolved at now
               return rows_on_screen(state).to_dict("records")

   Every data callback takes the state store as its input; nothing else carries the filters.
   A page asks for a change of state (a district, an entity, a key of its own) by writing
   `page_cb.intent(...)` to the intent store (`Output(ids.intent, "data", allow_duplicate=True)`).
4. Text: `locales/{zh,en}/p.json` with `p.title` (the page's title) and your keys.

The frame gives: the nav bar (only pages the user may see), title, breadcrumb city → district →
entity (links that climb back), language link, time-range control (presets + custom), district
filter, problems of the URL named on the page, the `dcc.Store` of the state (and its query
string, which assets/page.js writes into the address bar), one
`dcc.Download`, and `empty` / `loading` / `failed` states.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final
from urllib.parse import urlencode

import dash
import dash_ag_grid as dag
import pandas as pd
from dash import dcc, html

import security
from brain.page_state import Problem, query_pairs, read_query
from brain.timerange import PRESETS
from data_adapters.result import Result
from layouts.i18n import DEFAULT_LANG, clock_text, lang_of, local_time, other_lang, t
from layouts.ids import PageIds, page_ids
from layouts.theme import ACCENT, FONT_FAMILY, GRID, MUTED, PANEL, TEXT, template_json

__all__ = [
    "NAV_PAGES",
    "breadcrumb",
    "card",
    "chart_layout",
    "district_codes",
    "district_name",
    "district_options",
    "district_text",
    "dropdown",
    "empty",
    "fact",
    "failed",
    "graph",
    "lang_href",
    "lang_of_state",
    "loading",
    "only_toggle",
    "query_string",
    "read",
    "section",
    "shell",
    "state_ids",
    "table",
    "when_text",
]

NAV_PAGES: Final = ("wall", "economy", "traffic", "emergency", "fire", "river", "radar")
_FULL_RELOAD: Final = frozenset({"wall"})  # pages with their own frame: a plain link
PAGE_SIZE: Final = 20


def query_string(raw: Mapping[str, Any]) -> str:
    """`?key=value&…` of a raw state ("" when it has nothing to say)."""
    pairs = query_pairs(raw)
    return "?" + urlencode(pairs) if pairs else ""


def state_ids(page: str) -> PageIds:
    """The ids of the shared controls of `page` (all start with `page-`)."""
    return page_ids(page)


def _districts() -> tuple[dict[str, Any], ...]:
    from services.geography import district_list

    return district_list()


def read(
    page: str,
    query: Mapping[str, Any],
    *,
    default_preset: str,
    presets: Collection[str] = PRESETS,
    extras: Mapping[str, Collection[str] | None] | None = None,
) -> tuple[dict[str, Any], list[Problem]]:
    """The raw state of `page` in the URL's query, and what was wrong with it."""
    return read_query(
        query,
        page=page,
        default_preset=default_preset,
        presets=presets,
        districts={d["adcode"] for d in _districts()},
        extras=extras,
    )


def lang_of_state(raw: Mapping[str, Any]) -> str:
    """The page's language: the URL's `lang`, else the app's setting."""
    if raw.get("lang"):
        return lang_of(raw["lang"])
    try:
        from flask import current_app

        return lang_of(current_app.config["BRAIN_SETTINGS"].lang)
    except (RuntimeError, KeyError, AttributeError):  # outside a request or without settings
        return DEFAULT_LANG


def district_codes() -> frozenset[str]:
    return frozenset(str(d["adcode"]) for d in _districts())


def district_name(adcode: str | None, lang: str) -> str:
    if adcode is None:
        return t("page.city", lang)
    for d in _districts():
        if d["adcode"] == adcode:
            return str(d["name_en"] if lang_of(lang) == "en" else d["name_zh"])
    return adcode


def district_options(lang: str) -> list[dict[str, str]]:
    key = "name_en" if lang_of(lang) == "en" else "name_zh"
    return [{"label": str(d[key]), "value": str(d["adcode"])} for d in _districts()]


def district_text(adcode: Any, lang: str) -> str:
    """The name of a row's district in `lang`; "—" when the row has none."""
    return district_name(str(adcode), lang) if adcode else "—"


def when_text(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A time (a datetime or ISO 8601 text; naive is UTC) on the local clock; "—" when missing."""
    if value is None or value is pd.NaT:
        return "—"
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return local_time(when).strftime(fmt)


def _path(page: str) -> str:
    return str(dash.get_relative_path(f"/{page}"))


def _nav(page: str, lang: str) -> html.Nav:
    user = security.current_user()
    links: list[Any] = []
    for p in NAV_PAGES:
        # accounts are not enforced yet: nobody signed in means every page is open
        if user is not None and not security.may_see(user, p):
            continue
        cls = "pg-nav-link pg-nav-on" if p == page else "pg-nav-link"
        href = f"{_path(p)}?lang={lang}"
        label = t(f"page.nav.{p}", lang)
        if p in _FULL_RELOAD:
            links.append(html.A(label, href=href, className=cls))
        else:
            links.append(dcc.Link(label, href=href, className=cls))
    return html.Nav(links, className="pg-nav")


def lang_href(page: str, raw: Mapping[str, Any], lang: str) -> str:
    """The same view in the other language."""
    return _path(page) + query_string({**raw, "lang": other_lang(lang)})


def breadcrumb(
    page: str, raw: Mapping[str, Any], lang: str, entity_label: str | None = None
) -> list[Any]:
    """City → district → entity; every level above the current one is a link back to it."""
    city = {**raw, "district": None, "entity": None}
    parts: list[Any] = []
    levels: list[tuple[str, dict[str, Any]]] = [(t("page.city", lang), city)]
    if raw.get("district"):
        levels.append((district_name(raw["district"], lang), {**raw, "entity": None}))
    if raw.get("entity"):
        levels.append((entity_label or str(raw["entity"]), dict(raw)))
    for i, (label, target) in enumerate(levels):
        if i:
            parts.append(html.Span("›", className="pg-crumb-sep"))
        if i == len(levels) - 1:
            parts.append(html.Span(label, className="pg-crumb pg-crumb-on"))
        else:
            href = _path(page) + query_string(target)
            parts.append(dcc.Link(label, href=href, className="pg-crumb"))
    return parts


def _range_control(ids: PageIds, raw: Mapping[str, Any], lang: str, presets: Sequence[str]) -> Any:
    options = [{"label": t(f"page.range.{p}", lang), "value": p} for p in presets]
    custom = raw.get("range") == "custom"
    return html.Div(
        [
            html.Label(t("page.range", lang), htmlFor=ids.range, className="pg-label"),
            dcc.Dropdown(
                id=ids.range,
                options=options,
                value=raw.get("range"),
                clearable=False,
                searchable=False,
                className="pg-dropdown pg-range",
            ),
            html.Div(
                [
                    dcc.Input(
                        id=ids.start,
                        type="text",
                        inputMode="numeric",
                        maxLength=10,
                        value=(raw.get("from") or "")[:10],
                        debounce=True,
                        className="pg-date",
                        placeholder="YYYY-MM-DD",
                    ),
                    html.Span("—", className="pg-muted"),
                    dcc.Input(
                        id=ids.end,
                        type="text",
                        inputMode="numeric",
                        maxLength=10,
                        value=(raw.get("to") or "")[:10],
                        debounce=True,
                        className="pg-date",
                        placeholder="YYYY-MM-DD",
                    ),
                ],
                id=ids.custom,
                className="pg-custom",
                style={} if custom else {"display": "none"},
            ),
        ],
        className="pg-control",
    )


def _district_control(ids: PageIds, raw: Mapping[str, Any], lang: str) -> Any:
    return html.Div(
        [
            html.Label(t("page.district", lang), htmlFor=ids.district, className="pg-label"),
            dcc.Dropdown(
                id=ids.district,
                options=district_options(lang),
                value=raw.get("district"),
                placeholder=t("page.city", lang),
                className="pg-dropdown pg-district",
            ),
        ],
        className="pg-control",
    )


def dropdown(
    cid: str, label: str, options: Sequence[Mapping[str, Any]], value: Any, **props: Any
) -> html.Div:
    """A control of the page's own state: its label over a dropdown (`props` go to the
    dropdown: placeholder, clearable, searchable)."""
    return html.Div(
        [
            html.Label(label, htmlFor=cid, className="pg-label"),
            dcc.Dropdown(
                id=cid, options=list(options), value=value, className="pg-dropdown", **props
            ),
        ],
        className="pg-control",
    )


def only_toggle(cid: str, every: str, only: str, on: bool) -> html.Div:
    """A control of a flag of the page's state: every row (value "") or only the flagged ones
    (value "1")."""
    return html.Div(
        dcc.RadioItems(
            id=cid,
            options=[{"label": every, "value": ""}, {"label": only, "value": "1"}],
            value="1" if on else "",
            inline=True,
            className="pg-radio",
        ),
        className="pg-control",
    )


def problems_text(problems: Iterable[Problem], lang: str) -> list[Any]:
    return [html.Div(t(key, lang, **fields), className="pg-problem") for key, fields in problems]


def shell(
    page: str,
    lang: str,
    *,
    controls: list[Any],
    body: list[Any],
    state: Mapping[str, Any] | None = None,
    problems: Iterable[Problem] = (),
    presets: Sequence[str] = PRESETS,
    entity_label: str | None = None,
) -> html.Div:
    """The whole page: nav, title, breadcrumb, shared controls + `controls`, then `body`."""
    ids = state_ids(page)
    raw = dict(state) if state is not None else read(page, {}, default_preset=presets[0])[0]
    return html.Div(
        [
            dcc.Store(id=ids.state, data=raw),
            dcc.Store(id=ids.query),
            dcc.Store(id=ids.pushed),
            dcc.Store(id=ids.intent),
            dcc.Download(id=ids.download),
            html.Header(
                [
                    html.Div(t("page.brand", lang), className="pg-brand"),
                    _nav(page, lang),
                    dcc.Link(
                        t("page.lang.other", lang),
                        id=ids.lang,
                        href=lang_href(page, raw, lang),
                        className="pg-lang",
                        # a new page load: the page is built again in the other language anyway,
                        # and redrawing in place unmounted graphs plotly was still drawing
                        # ("Cannot read properties of undefined (reading '_rangeSliderData')")
                        refresh=True,
                    ),
                ],
                className="pg-head",
            ),
            html.Div(
                [
                    html.H1(t(f"{page}.title", lang), className="pg-title"),
                    html.Nav(
                        breadcrumb(page, raw, lang, entity_label),
                        id=ids.crumbs,
                        className="pg-crumbs",
                        **{"aria-label": t("page.breadcrumb", lang)},
                    ),
                ],
                className="pg-titlebar",
            ),
            html.Div(
                [
                    _range_control(ids, raw, lang, presets),
                    _district_control(ids, raw, lang),
                    *controls,
                ],
                className="pg-controls",
            ),
            html.Div(problems_text(problems, lang), id=ids.problems, className="pg-problems"),
            html.Main(body, className="pg-body"),
        ],
        className=f"pg-shell pg-{page}",
        lang="zh-CN" if lang_of(lang) == "zh" else "en",
    )


def section(
    title_key: str,
    lang: str,
    children: Any,
    *,
    exports: Sequence[str] = ("csv", "xlsx"),
    name: str | None = None,
    class_name: str = "",
    aside: Any = None,
) -> html.Section:
    """A titled panel. `exports` are buttons of the page's export `name` (default: the part of
    `title_key` after the page, e.g. "economy.ranking" → "ranking")."""
    page, _, rest = title_key.partition(".")
    ids = state_ids(page)
    export = name or rest
    buttons = [
        html.Button(
            t(f"page.export.{fmt}", lang),
            id=ids.export(export, fmt),
            className="pg-export",
            title=t("page.export.hint", lang),
            **{"data-export": f"{export}.{fmt}"},
        )
        for fmt in exports
    ]
    return html.Section(
        [
            html.Div(
                [
                    html.H2(t(title_key, lang), className="pg-section-title"),
                    html.Div(aside, className="pg-aside"),
                    html.Div(buttons, className="pg-exports"),
                ],
                className="pg-section-head",
            ),
            html.Div(children, className="pg-section-body"),
        ],
        className=f"pg-section {class_name}".strip(),
    )


_FORMATS: Final = {
    "num": "params.value == null ? '—' : d3.format(',.2f')(params.value)",
    "int": "params.value == null ? '—' : d3.format(',d')(params.value)",
    "pct": "params.value == null ? '—' : d3.format('+.1f')(params.value) + '%'",
    "share": "params.value == null ? '—' : d3.format('.1f')(params.value) + '%'",
}


def _grid_theme() -> dict[str, str]:
    params = {
        "backgroundColor": PANEL,
        "foregroundColor": TEXT,
        "headerTextColor": MUTED,
        "accentColor": ACCENT,
        "borderColor": GRID,
        "chromeBackgroundColor": "#0d2142",
        "oddRowBackgroundColor": "#0c1e3b",
        "fontSize": 14,
        "headerFontSize": 14,
    }
    body = ", ".join(
        f"{k}: {v!r}" if isinstance(v, str) else f"{k}: {v}" for k, v in params.items()
    )
    family = FONT_FAMILY.replace('"', "'")
    return {"function": f'themeQuartz.withParams({{{body}, fontFamily: "{family}"}})'}


def table(id: str, lang: str, columns: Sequence[Mapping[str, Any]], **grid: Any) -> dag.AgGrid:
    """An ag-grid table on the dark theme: sort, filter, paging. `columns`: dicts with `field`,
    `header` (a catalog key) and optionally `kind` (text, num, int, pct, share) and `width`."""
    defs = []
    for col in columns:
        d: dict[str, Any] = {"field": col["field"], "headerName": t(col["header"], lang)}
        kind = col.get("kind", "text")
        if kind in _FORMATS:
            d.update(
                valueFormatter={"function": _FORMATS[kind]},
                filter="agNumberColumnFilter",
                type="numericColumn",
            )
        if "width" in col:
            d["width"] = col["width"]
        defs.append(d)
    options = {
        "pagination": True,
        "paginationPageSize": PAGE_SIZE,
        "paginationPageSizeSelector": False,
        "theme": _grid_theme(),
        "loadThemeGoogleFonts": False,
        "localeText": _grid_locale(lang),
        "rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
        "animateRows": False,
    }
    options.update(grid.pop("dashGridOptions", {}))
    return dag.AgGrid(
        id=id,
        columnDefs=defs,
        rowData=[],
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "minWidth": 90},
        columnSize="responsiveSizeToFit",
        dashGridOptions=options,
        className="pg-grid",
        style={"height": grid.pop("height", "440px"), "width": "100%"},
        **grid,
    )


def _grid_locale(lang: str) -> dict[str, str]:
    keys: tuple[str, ...] = (
        "page",
        "of",
        "to",
        "more",
        "next",
        "previous",
        "first",
        "last",
        "noRowsToShow",
    )
    keys += ("filterOoo", "contains", "equals", "notEqual", "lessThan", "greaterThan")
    keys += ("inRange", "startsWith", "endsWith", "andCondition", "orCondition", "blank")
    keys += ("notBlank", "notContains", "lessThanOrEqual", "greaterThanOrEqual", "loadingOoo")
    return {k: t(f"page.grid.{k}", lang) for k in keys}


def graph(id: str, filename: str, figure: Any = None, *, height: str = "360px") -> dcc.Graph:
    """A chart whose modebar exports PNG (named `filename`), with no plotly logo."""
    return dcc.Graph(
        id=id,
        figure=figure if figure is not None else {"data": [], "layout": chart_layout()},
        config={
            "displaylogo": False,
            "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
            "modeBarButtonsToRemove": ["lasso2d", "select2d"],
            "responsive": True,
        },
        style={"height": height},
        className="pg-graph",
    )


def chart_layout(**over: Any) -> dict[str, Any]:
    """A figure layout for the desk (the wall's dark template, desk-sized text)."""
    layout: dict[str, Any] = {
        "template": template_json(),
        "font": {"family": FONT_FAMILY, "size": 13, "color": TEXT},
        "margin": {"l": 56, "r": 16, "t": 16, "b": 40},
        "xaxis": {"tickfont": {"size": 12}},
        "yaxis": {"tickfont": {"size": 12}},
        "legend": {"font": {"size": 12}, "orientation": "h", "y": -0.15},
        "hoverlabel": {"font": {"size": 13}},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
    }
    layout.update(over)
    return layout


def card(label: str, value: Any, sub: Any = "", color: str | None = None) -> html.Div:
    """A key-figure card: its label, its value (in `color` when given) and the line under it
    (no line when `sub` is None)."""
    parts = [
        html.Div(label, className="pg-card-label"),
        html.Div(value, className="pg-card-value", style={"color": color} if color else {}),
    ]
    if sub is not None:
        parts.append(html.Div(sub, className="pg-card-sub"))
    return html.Div(parts, className="pg-card")


def fact(label_key: str, value: Any, lang: str) -> html.Div:
    """One fact of a detail (label, value), for a row of them in a `pg-facts` box."""
    return html.Div(
        [
            html.Span(t(label_key, lang), className="pg-fact-label"),
            html.Span(str(value), className="pg-fact-value"),
        ],
        className="pg-fact",
    )


def empty(lang: str) -> html.Div:
    """The "no data" state of a panel."""
    return html.Div(t("page.empty", lang), className="pg-empty")


def loading(children: Any, id: str | None = None) -> dcc.Loading:
    """A panel body that shows a spinner while its callback runs."""
    kwargs: dict[str, Any] = {"id": id} if id else {}
    return dcc.Loading(children, type="dot", color=ACCENT, delay_show=300, **kwargs)


def failed(result: Result[Any], lang: str, now: datetime) -> html.Div | None:
    """The feed-down notice of a result: its error with the time of the last good data, or
    None when the result is good."""
    if result.ok:
        return None
    if result.value is not None and result.as_of is not None:
        text = t("page.stale", lang, time=clock_text(result.as_of, now))
    else:
        text = t("page.down", lang)
    return html.Div(text, className="pg-failed", role="status")
