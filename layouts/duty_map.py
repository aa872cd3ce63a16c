"""The selected alert's place on the duty console's map, with the resources nearest by road.

A Plotly `scattermap` on `map_style="white-bg"`: no tile server is ever asked for anything; the
sea, the city's land and its district boundaries are drawn as GeoJSON layers, the districts
fetched from this app's own `/assets/geo/` (`layouts.map_geo`). Markers only (map text would
need glyphs from a font server).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from dash import dcc, html

from layouts import ids, map_geo
from layouts.i18n import fmt_num, t
from layouts.theme import ACCENT, BACKGROUND, MUTED, TEXT, WARNING_LEVEL_COLORS

__all__ = ["KIND_COLORS", "duty_map", "map_figure", "resource_table"]

KIND_COLORS: Mapping[str, str] = {
    "fire_station": "#ef4444",
    "rescue_team": "#fb923c",
    "boat": "#38bdf8",
    "depot": "#a3e635",
    "shelter": "#c084fc",
}
_SEA = "#071a33"
_LAND = "#0e2a4a"
_EDGE = "#3b6ea8"
_ZOOM_ALERT = 10.5


def _sea() -> dict[str, Any]:
    """A rectangle well beyond the city, under everything: the sea."""
    w, s, e, n = map_geo.city_bounds()
    ring = [[w - 3, s - 3], [e + 3, s - 3], [e + 3, n + 3], [w - 3, n + 3], [w - 3, s - 3]]
    return {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def _layers(geo_url: str) -> list[dict[str, Any]]:
    districts = f"{geo_url}/{map_geo.DISTRICTS_FILE}"
    return [
        {
            "sourcetype": "geojson",
            "source": _sea(),
            "type": "fill",
            "color": _SEA,
            "below": "traces",
        },
        {
            "sourcetype": "geojson",
            "source": districts,
            "type": "fill",
            "color": _LAND,
            "below": "traces",
        },
        {
            "sourcetype": "geojson",
            "source": districts,
            "type": "line",
            "color": _EDGE,
            "line": {"width": 1.2},
            "below": "traces",
        },
    ]


def map_figure(
    alert: Mapping[str, Any] | None,
    resources: Sequence[Mapping[str, Any]],
    lang: str,
    geo_url: str = "/assets/geo",
) -> go.Figure:
    """The map centred on the alert (the whole city when there is none or it has no place)."""
    fig = go.Figure()
    for kind, color in KIND_COLORS.items():
        rows = [r for r in resources if r.get("kind") == kind]
        if not rows:
            continue
        fig.add_trace(
            go.Scattermap(
                lon=[r["lon"] for r in rows],
                lat=[r["lat"] for r in rows],
                mode="markers",
                marker={"size": 16, "color": color},
                name=t(f"duty.kind.{kind}", lang),
                text=[_tip(r, lang) for r in rows],
                hoverinfo="text",
            )
        )
    placed = alert is not None and alert.get("lon") is not None and alert.get("lat") is not None
    if placed and alert is not None:
        color = WARNING_LEVEL_COLORS.get(str(alert.get("severity")), ACCENT)
        for size, opacity in ((46, 0.25), (24, 1.0)):
            fig.add_trace(
                go.Scattermap(
                    lon=[alert["lon"]],
                    lat=[alert["lat"]],
                    mode="markers",
                    marker={"size": size, "color": color, "opacity": opacity},
                    name=t("duty.map.alert", lang),
                    text=[str(alert.get("message") or "")],
                    hoverinfo="text",
                    showlegend=size == 24,
                )
            )
    w, s, e, n = map_geo.city_bounds()
    centre = (
        {"lon": alert["lon"], "lat": alert["lat"]}
        if placed and alert is not None
        else {"lon": (w + e) / 2, "lat": (s + n) / 2}
    )
    fig.update_layout(
        map={
            "style": "white-bg",
            "center": centre,
            "zoom": _ZOOM_ALERT if placed else 7.6,
            "layers": _layers(geo_url.rstrip("/")),
        },
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        paper_bgcolor=BACKGROUND,
        font={"color": TEXT, "size": 16},
        legend={
            "bgcolor": "rgba(10,26,51,0.85)",
            "bordercolor": _EDGE,
            "borderwidth": 1,
            "font": {"color": TEXT, "size": 15},
            "x": 0.01,
            "y": 0.99,
        },
        uirevision=str(alert.get("id")) if alert else "city",
    )
    return fig


def _tip(row: Mapping[str, Any], lang: str) -> str:
    minutes = row.get("minutes")
    when = t("duty.res.minutes", lang, n=fmt_num(minutes, 1)) if minutes is not None else "—"
    return f"{row.get('name')} · {when}"


def duty_map(lang: str) -> dcc.Graph:
    """The map as the page first draws it: the city, no alert."""
    return dcc.Graph(
        id=ids.DUTY.MAP,
        className="duty-map",
        figure=map_figure(None, [], lang),
        config={"displayModeBar": False, "scrollZoom": True},
        style={"height": "100%", "width": "100%"},
    )


def resource_table(rows: Sequence[Mapping[str, Any]], error: str | None, lang: str) -> html.Div:
    """The nearest resources by road: kind, name, capacity, minutes, km along roads."""
    if error or not rows:
        key = "duty.res.no_place" if error == "no-place" else "duty.res.none"
        return html.Div(t(key, lang), className="duty-empty")
    head = html.Tr(
        [
            html.Th(t(k, lang))
            for k in (
                "duty.res.kind",
                "duty.res.name",
                "duty.res.capacity",
                "duty.res.eta",
                "duty.res.km",
            )
        ]
    )
    body = []
    for r in rows:
        kind = str(r.get("kind"))
        minutes = r.get("minutes")
        body.append(
            html.Tr(
                [
                    html.Td(
                        [
                            html.Span(
                                className="duty-dot",
                                style={"background": KIND_COLORS.get(kind, MUTED)},
                            ),
                            t(f"duty.kind.{kind}", lang),
                        ]
                    ),
                    html.Td(str(r.get("name") or "—")),
                    html.Td(fmt_num(r.get("capacity"))),
                    html.Td(
                        t("duty.res.minutes", lang, n=fmt_num(minutes, 1))
                        if minutes is not None
                        else t("duty.res.unreachable", lang)
                    ),
                    html.Td(fmt_num(r.get("route_km"), 1)),
                ],
                className="duty-res-row",
            )
        )
    return html.Div(
        [
            html.Div(t("duty.res.title", lang), className="duty-sub"),
            html.Table([html.Thead(head), html.Tbody(body)], className="duty-table"),
        ]
    )
