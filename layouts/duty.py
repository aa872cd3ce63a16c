"""The duty officer's console (值班值守台, `/duty`): the live list of the engine's alerts, the
selected alert on a map with the resources nearest by road, its lifecycle buttons, SOP checklist
and history, pushing it to the wall, and the shift handover.

`page(settings, districts, **query)` is the layout Dash pages calls per request (with the URL's
query parameters: `lang`). Builders only place components; `callbacks/duty.py` fills them.
A desk screen of 1920×1080 shows it all without scrolling the page; long lists scroll inside.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash
from dash import dcc, html

import security
from brain.rules import SEVERITIES
from layouts import ids
from layouts.duty_grid import grid, severity_text
from layouts.duty_map import duty_map
from layouts.i18n import lang_of, other_lang, t
from services.duty import HANDLING_FILTERS, PUSH_MINUTES, STEPS

__all__ = ["page"]

_LIVE: dict[str, Any] = {"aria-live": "polite"}  # screen readers read what came of a step


def _pick(lang: str) -> html.Div:
    return html.Div(t("duty.pick", lang), className="duty-empty")


def _options(pairs: Sequence[tuple[str, str]], lang: str) -> list[dict[str, str]]:
    return [{"label": t("duty.filter.all", lang), "value": "all"}] + [
        {"label": label, "value": value} for value, label in pairs
    ]


def _filters(lang: str, districts: Sequence[Mapping[str, Any]]) -> html.Div:
    name = "name_en" if lang == "en" else "name_zh"
    domains = [(str(d), t(f"domain.{d}", lang)) for d in ids.DOMAINS]
    levels = [(lvl, severity_text(lvl, lang)) for lvl in SEVERITIES]
    handling = [{"label": t(f"duty.handling.{h}", lang), "value": h} for h in HANDLING_FILTERS] + [
        {"label": t("duty.filter.all", lang), "value": "all"}
    ]
    places = [(str(d["adcode"]), str(d[name])) for d in districts]

    def box(key: str, ident: str, options: list[dict[str, str]], value: str) -> html.Label:
        return html.Label(
            [
                html.Span(t(key, lang), className="duty-filter-label"),
                dcc.Dropdown(
                    id=ident,
                    options=options,
                    value=value,
                    clearable=False,
                    searchable=False,
                    className="duty-dropdown",
                ),
            ],
            className="duty-filter",
        )

    return html.Div(
        [
            box("duty.col.domain", ids.DUTY.FILTER_DOMAIN, _options(domains, lang), "all"),
            box("duty.col.severity", ids.DUTY.FILTER_SEVERITY, _options(levels, lang), "all"),
            box("duty.col.handling", ids.DUTY.FILTER_HANDLING, handling, "open"),
            box("duty.col.district", ids.DUTY.FILTER_DISTRICT, _options(places, lang), "all"),
            html.Div(id=ids.DUTY.COUNT, className="duty-count"),
        ],
        className="duty-filters",
    )


def _nav(user: security.User | None, lang: str) -> html.Nav:
    """Links to the pages this user may see (the policy of `security.PAGE_ROLES`)."""
    links = []
    for entry in dash.page_registry.values():
        name = str(entry.get("name_key") or entry["module"])
        if name in security.PAGE_ROLES and security.may_see(user, name):
            cls = "duty-nav-link" + (" active" if name == "duty" else "")
            links.append(dcc.Link(t(f"duty.nav.{name}", lang), href=entry["path"], className=cls))
    return html.Nav(links, className="duty-nav")


def _header(user: security.User | None, lang: str) -> html.Header:
    who = (
        t("duty.user", lang, name=user.display_name or user.name)
        if user
        else t("duty.signed_out", lang)
    )
    return html.Header(
        [
            html.Div(
                [
                    html.Div(t("duty.title", lang), className="duty-title"),
                    html.Div(t("duty.subtitle", lang), className="duty-subtitle"),
                ],
                className="duty-titles",
            ),
            _nav(user, lang),
            html.Div(
                [
                    html.Span("--:--:--", id=ids.DUTY.CLOCK, className="duty-clock"),
                    html.Span(who, className="duty-user"),
                    html.Button(
                        t("duty.sound.enable", lang),
                        id=ids.DUTY.SOUND,
                        className="duty-btn duty-btn--sound",
                        n_clicks=0,
                    ),
                    html.A(
                        t("duty.lang_toggle", lang),
                        href=f"?lang={other_lang(lang)}",
                        className="duty-btn duty-btn--lang",
                    ),
                ],
                className="duty-header-right",
            ),
        ],
        className="duty-header",
    )


def _actions(lang: str) -> html.Div:
    buttons = [
        html.Button(
            t(f"duty.step.{s}", lang),
            id=ids.DUTY.step(s),
            className=f"duty-btn duty-btn--{s}",
            disabled=True,
            n_clicks=0,
        )
        for s in STEPS
    ]
    minutes = [{"label": t("duty.push.minutes", lang, n=m), "value": m} for m in PUSH_MINUTES]
    return html.Div(
        [
            dcc.Textarea(
                id=ids.DUTY.NOTE,
                placeholder=t("duty.note.placeholder", lang),
                className="duty-note",
                maxLength=2000,
            ),
            dcc.Input(
                id=ids.DUTY.ASSIGNEE,
                placeholder=t("duty.assignee.placeholder", lang),
                className="duty-assignee",
                maxLength=200,
                debounce=False,
            ),
            html.Div(buttons, className="duty-buttons"),
            html.Div(
                [
                    html.Span(t("duty.push.label", lang), className="duty-filter-label"),
                    dcc.Dropdown(
                        id=ids.DUTY.PUSH_MINUTES,
                        options=minutes,
                        value=PUSH_MINUTES[1],
                        clearable=False,
                        searchable=False,
                        className="duty-dropdown duty-dropdown--small",
                    ),
                    html.Button(
                        t("duty.push", lang),
                        id=ids.DUTY.PUSH,
                        className="duty-btn duty-btn--push",
                        disabled=True,
                        n_clicks=0,
                    ),
                    html.Button(
                        t("duty.release", lang),
                        id=ids.DUTY.RELEASE,
                        className="duty-btn duty-btn--release",
                        disabled=True,
                        n_clicks=0,
                    ),
                ],
                className="duty-push",
            ),
            html.Div(id=ids.DUTY.MESSAGE, className="duty-message", **_LIVE),
        ],
        className="duty-actions",
    )


def _handover(lang: str) -> html.Div:
    return html.Div(
        [
            html.Div(t("duty.handover.summary", lang), className="duty-sub"),
            html.Pre(id=ids.DUTY.HANDOVER_SUMMARY, className="duty-ho-summary"),
            dcc.Textarea(
                id=ids.DUTY.HANDOVER_NOTES,
                placeholder=t("duty.handover.placeholder", lang),
                className="duty-note",
                maxLength=4000,
            ),
            html.Button(
                t("duty.handover.write", lang),
                id=ids.DUTY.HANDOVER_WRITE,
                className="duty-btn duty-btn--write",
                n_clicks=0,
            ),
            html.Div(id=ids.DUTY.HANDOVER_MESSAGE, className="duty-message"),
            html.Div(t("duty.handover.log", lang), className="duty-sub"),
            html.Div(id=ids.DUTY.HANDOVER_LIST, className="duty-ho-list"),
        ],
        className="duty-handover",
    )


def _tabs(lang: str) -> dcc.Tabs:
    def tab(key: str, value: str, body: Any) -> dcc.Tab:
        return dcc.Tab(
            label=t(key, lang),
            value=value,
            children=html.Div(body, className="duty-tab-body"),
            className="duty-tab",
            selected_className="duty-tab--selected",
        )

    return dcc.Tabs(
        [
            tab("duty.tab.sop", "sop", html.Div(_pick(lang), id=ids.DUTY.SOP)),
            tab("duty.tab.history", "history", html.Div(id=ids.DUTY.HISTORY)),
            tab("duty.tab.handover", "handover", _handover(lang)),
        ],
        value="sop",
        className="duty-tabs",
        parent_className="duty-tabs-parent",
        content_className="duty-tabs-content",
    )


def page(
    settings: Any = None, districts: Sequence[Mapping[str, Any]] = (), **query: Any
) -> html.Div:
    """The console; `query` holds the URL parameters (`lang`)."""
    lang = lang_of(query.get("lang") or getattr(settings, "lang", None))
    refresh_s = float(getattr(settings, "refresh_s", 5.0))
    user = security.current_user()
    return html.Div(
        [
            dcc.Store(id=ids.DUTY.LANG, data=lang),
            dcc.Store(id=ids.DUTY.SELECTED, data=None),
            dcc.Store(id=ids.DUTY.VERSION, data=None),
            dcc.Store(id=ids.DUTY.ACTED, data=0),
            dcc.Store(id=ids.DUTY.ALARM, data=[]),
            dcc.Store(id=ids.DUTY.ALARM_STATE, data=None),
            dcc.Interval(id=ids.DUTY.REFRESH, interval=int(refresh_s * 1000)),
            dcc.Interval(id=ids.DUTY.CLOCK_INTERVAL, interval=1000),
            _header(user, lang),
            html.Main(
                [
                    html.Section(
                        [
                            _filters(lang, districts),
                            html.Div(grid(lang), className="duty-grid-box"),
                            html.Div(
                                [
                                    html.Div(duty_map(lang), className="duty-map-box"),
                                    html.Div(id=ids.DUTY.RESOURCES, className="duty-resources"),
                                ],
                                className="duty-lower",
                            ),
                        ],
                        className="duty-left",
                    ),
                    html.Section(
                        [
                            html.Div(_pick(lang), id=ids.DUTY.DETAIL),
                            _actions(lang),
                            _tabs(lang),
                        ],
                        className="duty-right",
                    ),
                ],
                className="duty-main",
            ),
        ],
        className="duty-page",
    )
