"""The wall page (大屏): a fixed design canvas with the title bar, six panels round the map, the
alert ticker and the data-health strip.

`page(...)` is the layout Dash pages calls with the URL's query parameters. The canvas is
1920×1080 (16:9) or 3840×1080 (32:9); `assets/wall.js` picks one for the window's shape and
scales it to fill the screen, so every size in px below is a size on a 1080-line wall.
Builders only place components; the wall callbacks fill them on every refresh.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dash import dcc, html

from layouts import ids
from layouts.charts import trend_figure
from layouts.i18n import lang_of, t
from layouts.wall_map import layer_toggle, map_box_map

__all__ = [
    "PLAYLIST_DOMAINS",
    "canvas_class",
    "page",
    "parse_playlist",
]

PLAYLIST_DOMAINS = ids.DOMAINS
_LEFT, _RIGHT = ids.DOMAINS[:3], ids.DOMAINS[3:]


def parse_playlist(value: object) -> list[str]:
    """Domains named in `?playlist=traffic,river` (unknown names dropped, order kept)."""
    names = [p.strip().lower() for p in str(value or "").split(",")]
    return [n for i, n in enumerate(names) if n in PLAYLIST_DOMAINS and n not in names[:i]]


def _flag(value: object) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")


def _label(key: str, lang: str, class_name: str = "") -> html.Span:
    """A static text, re-translated in place when the language changes."""
    return html.Span(t(key, lang), id=ids.text(key), className=class_name)


def canvas_class(kiosk: bool, focus: str | None) -> str:
    """Classes of the canvas: kiosk hides the controls, focus enlarges one domain."""
    parts = ["wall-canvas"]
    if kiosk:
        parts.append("wall--kiosk")
    if focus:
        parts += ["wall--focus", f"wall--focus-{focus}"]
    return " ".join(parts)


def _title_bar(lang: str) -> html.Header:
    return html.Header(
        [
            html.Div(
                [
                    html.Div("--:--:--", id=ids.CLOCK, className="clock"),
                    html.Div("", id=ids.DATE, className="date"),
                ],
                className="title-left",
            ),
            html.Div(_label("wall.title", lang, "title"), className="title-center"),
            html.Div(
                [
                    html.Span(id=ids.SIGNAL, className="title-badge"),
                    html.Span(id=ids.WEATHER, className="title-badge"),
                    html.Span(
                        t("wall.offline", lang),
                        id=ids.text("wall.offline"),
                        className="offline-badge",
                    ),
                    html.Button(
                        t("wall.reset", lang), id=ids.RESET, className="control", n_clicks=0
                    ),
                    html.Button(
                        t("wall.lang_toggle", lang),
                        id=ids.LANG_TOGGLE,
                        className="control",
                        n_clicks=0,
                    ),
                ],
                className="title-right",
            ),
        ],
        className="title-bar",
    )


def _panel(domain: str, lang: str) -> html.Section:
    header = html.Header(
        [
            _label(f"panel.{domain}", lang, "panel-title"),
            html.Span("", id=ids.panel_scope(domain), className="panel-scope"),
            html.Span(id=ids.panel_badge(domain), className="panel-badge"),
        ],
        className="panel-header",
    )
    children: list[Any] = [
        header,
        html.Div(
            html.Div(t("panel.loading", lang), className="row row--empty"),
            id=ids.panel_body(domain),
            className="panel-body",
        ),
    ]
    if domain == "traffic":
        children.append(
            dcc.Graph(
                id=ids.TREND,
                className="panel-trend",
                figure=trend_figure([], [], lang),
                config={"displayModeBar": False, "staticPlot": True, "responsive": True},
            )
        )
    return html.Section(children, id=ids.panel(domain), className=f"panel panel--{domain}")


def _map_box(lang: str, district: str | None, districts: Sequence[Mapping[str, Any]]) -> html.Div:
    chips = [
        html.Button(
            t("wall.city", lang), id=ids.district(""), className="chip district", n_clicks=0
        )
    ]
    chips += [
        html.Button(
            d["name_en"] if lang == "en" else d["name_zh"],
            id=ids.district(d["adcode"]),
            className="chip district",
            n_clicks=0,
        )
        for d in districts
    ]
    return html.Div(
        [
            map_box_map(lang, district),
            html.Div(id=ids.PUSH_BANNER, className="push-banner"),
            html.Div(chips, className="districts control"),
            layer_toggle(lang),
        ],
        id=ids.MAP_BOX,
        className="map-box",
    )


def page(
    settings: Any = None,
    districts: Sequence[Mapping[str, Any]] = (),
    kiosk_page: bool = False,
    **query: Any,
) -> html.Div:
    """The wall; `query` holds the URL parameters: lang, district, playlist, interval, kiosk."""
    lang = lang_of(query.get("lang"))
    district = str(query.get("district") or "") or None
    playlist = parse_playlist(query.get("playlist"))
    kiosk = kiosk_page or _flag(query.get("kiosk"))
    refresh_s = float(getattr(settings, "refresh_s", 5.0))
    try:
        rotate_s = max(5.0, float(query.get("interval") or 20))
    except ValueError:
        rotate_s = 20.0
    canvas = html.Div(
        [
            _title_bar(lang),
            html.Div(
                [_panel(d, lang) for d in _LEFT]
                + [_map_box(lang, district, districts)]
                + [_panel(d, lang) for d in _RIGHT],
                className="wall-main",
            ),
            html.Div(
                [
                    _label("wall.ticker", lang, "ticker-label"),
                    html.Div(
                        html.Div(id=ids.TICKER, className="ticker-track"), className="ticker-window"
                    ),
                ],
                className="ticker",
            ),
            html.Div(id=ids.HEALTH, className="health"),
            html.Div(
                [
                    html.Div(id=ids.DETAIL, className="detail-body"),
                    html.Button(
                        "×", id=ids.DETAIL_CLOSE, className="detail-close control", n_clicks=0
                    ),
                ],
                className="detail",
            ),
        ],
        id=ids.CANVAS,
        className=canvas_class(kiosk, None),
    )
    return html.Div(
        [
            dcc.Store(id=ids.SELECTION, data={"district": district, "entity": None}),
            dcc.Store(id=ids.LANG, storage_type="local"),
            dcc.Store(id=ids.LANG_URL, data=lang if query.get("lang") else None),
            dcc.Store(id=ids.CONFIG, data={"kiosk": kiosk, "playlist": playlist}),
            dcc.Store(id=ids.FOCUS, data=None),
            dcc.Store(id=ids.HASHES, data={}),
            dcc.Store(id=ids.ASPECT, data=None),
            dcc.Store(id=ids.TICK, data=0),
            dcc.Store(id=ids.MAP_TICK, data=0),
            dcc.Store(id=ids.MAP_DELTA, data=None),
            dcc.Store(id=ids.MAP_STATE, data=None),
            dcc.Store(id=ids.PUSHED, data=None),
            dcc.Interval(id=ids.REFRESH, interval=int(refresh_s * 1000)),
            dcc.Interval(id=ids.CLOCK_INTERVAL, interval=1000),
            dcc.Interval(
                id=ids.PLAYLIST_INTERVAL, interval=int(rotate_s * 1000), disabled=not playlist
            ),
            canvas,
        ],
        id=ids.VIEWPORT,
        className="wall-viewport",
    )
