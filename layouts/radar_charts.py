"""Figures of the radar page: the sea at the playback's moment and a vessel's speed over the range.

The map is a plotly `map` on `white-bg` with the local district GeoJSON and a dark sea layer (no
tile server): districts (a click filters), sea zones by kind (the wall's zone colours), each
vessel's tail, vessels coloured by what needs a look (intrusion, loitering, outside the register),
radar targets without AIS (dark vessels), and the selected vessel's track over the range.
A vessel's `customdata` is ["vessel", mmsi, adcode].
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any, Final

import numpy as np
import pandas as pd

from layouts.i18n import t
from layouts.map_geo import SEA_LAYER, city_bounds, district, fit
from layouts.map_spec import ZONE_STYLES
from layouts.page import chart_layout, district_name
from layouts.theme import ACCENT, BACKGROUND, GRID, TEXT

__all__ = ["MARKS", "map_figure", "speed_figure", "tail_lines"]

MARKS: Final = {
    "intrusion": "#ef4444",
    "loitering": "#facc15",
    "unregistered": "#fb923c",
    "vessel": ACCENT,
}
_DARK: Final = "#e879f9"
_TRACK: Final = "#ffffff"
_SIZE: Final = (860, 560)


def _rgba(c: list[int]) -> str:
    return f"rgba({c[0]},{c[1]},{c[2]},{c[3] / 255:.2f})"


def tail_lines(tails: pd.DataFrame) -> tuple[list[float | None], list[float | None]]:
    """Every vessel's tail as one line trace: the points of each MMSI in their order, vessels by
    MMSI, each followed by a break (None)."""
    known = tails[tails["mmsi"].notna()]
    order = np.argsort(known["mmsi"].to_numpy(), kind="stable")
    mmsi = known["mmsi"].to_numpy()[order]
    ends = np.append(np.flatnonzero(mmsi[1:] != mmsi[:-1]) + 1, len(mmsi))
    lines = []
    for column in ("lon", "lat"):
        values = known[column].to_numpy(dtype="float64")[order].astype(object)
        lines.append(np.insert(values, ends, None).tolist() if len(mmsi) else [])
    return lines[0], lines[1]


def _category(
    mmsi: Any, intruding: Collection[Any], loitering: Collection[Any], unreg: Collection[Any]
) -> str:
    if mmsi in intruding:
        return "intrusion"
    if mmsi in loitering:
        return "loitering"
    return "unregistered" if mmsi in unreg else "vessel"


def map_figure(
    vessels: pd.DataFrame,
    tails: pd.DataFrame | None,
    dark: pd.DataFrame,
    zones: pd.DataFrame | None,
    flags: dict[str, Collection[Any]],
    track: pd.DataFrame | None,
    adcode: str | None,
    lang: str,
    geojson: str,
) -> dict[str, Any]:
    """The sea at the moment. `flags`: the MMSIs intruding, loitering and outside the register."""
    from layouts.map_geo import districts

    codes = [d.adcode for d in districts()]
    data: list[dict[str, Any]] = [
        {
            "type": "choroplethmap",
            "geojson": geojson,
            "featureidkey": "properties.adcode",
            "locations": codes,
            "z": [1 if c == adcode else 0 for c in codes],
            "zmin": 0,
            "zmax": 1,
            "colorscale": [[0, "#13284a"], [1, "#1d4f80"]],
            "marker": {"opacity": 0.9, "line": {"width": 1, "color": GRID}},
            "showscale": False,
            "text": [district_name(c, lang) for c in codes],
            "hovertemplate": "%{text}<extra></extra>",
            "name": t("radar.map.districts", lang),
            "showlegend": False,
        }
    ]
    for z in (zones if zones is not None else pd.DataFrame()).itertuples():
        fill, line, width = ZONE_STYLES.get(str(z.kind), ZONE_STYLES["port"])
        ring = json.loads(str(z.path))
        data.append(
            {
                "type": "scattermap",
                "mode": "lines",
                "fill": "toself",
                "fillcolor": _rgba(fill),
                "lon": [p[0] for p in ring],
                "lat": [p[1] for p in ring],
                "line": {"color": _rgba(line), "width": width},
                "text": f"{z.name} · {t('radar.zone.' + str(z.kind), lang)}",
                "hoverinfo": "text",
                "showlegend": False,
            }
        )
    if tails is not None and not tails.empty:
        lons, lats = tail_lines(tails)
        data.append(
            {
                "type": "scattermap",
                "mode": "lines",
                "lon": lons,
                "lat": lats,
                "line": {"color": "rgba(42,212,255,0.45)", "width": 1.5},
                "hoverinfo": "skip",
                "name": t("radar.map.tails", lang),
            }
        )
    if track is not None and len(track) > 1:
        data.append(
            {
                "type": "scattermap",
                "mode": "lines",
                "lon": list(track["lon"]),
                "lat": list(track["lat"]),
                "line": {"color": _TRACK, "width": 3},
                "hoverinfo": "skip",
                "name": t("radar.map.track", lang),
            }
        )
    if not vessels.empty:
        cats = [
            _category(m, flags["intrusion"], flags["loitering"], flags["unregistered"])
            for m in vessels["mmsi"]
        ]
        for cat, color in MARKS.items():
            part = vessels[[c == cat for c in cats]]
            if part.empty:
                continue
            data.append(
                {
                    "type": "scattermap",
                    "mode": "markers",
                    "lon": list(part["lon"]),
                    "lat": list(part["lat"]),
                    "customdata": [
                        ["vessel", int(m), a]
                        for m, a in zip(part["mmsi"], part["adcode"], strict=True)
                    ],
                    "text": [
                        f"{n if isinstance(n, str) else m} · {t('radar.type.' + str(k), lang)}"
                        for m, n, k in zip(
                            part["mmsi"], part["name"], part["vessel_type"], strict=True
                        )
                    ],
                    "hoverinfo": "text",
                    "marker": {"size": 9 if cat == "vessel" else 12, "color": color},
                    "name": t(f"radar.mark.{cat}", lang),
                }
            )
    if not dark.empty:
        data.append(
            {
                "type": "scattermap",
                "mode": "markers",
                "lon": list(dark["lon"]),
                "lat": list(dark["lat"]),
                "text": [f"{t('radar.mark.dark', lang)} {tid}" for tid in dark["track_id"]],
                "hoverinfo": "text",
                "marker": {"size": 12, "color": _DARK, "symbol": "circle"},
                "name": t("radar.mark.dark", lang),
            }
        )
    bounds = district(adcode).bounds if adcode else city_bounds()
    lon, lat, zoom = fit(bounds, _SIZE)
    layout = chart_layout(
        map={
            "style": "white-bg",
            "layers": [SEA_LAYER],
            "center": {"lon": lon, "lat": lat},
            "zoom": zoom,
        },
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        legend={"orientation": "h", "y": 0.01, "x": 0.01, "bgcolor": "rgba(4,10,23,0.7)"},
        paper_bgcolor=BACKGROUND,
        uirevision=adcode or "city",
        clickmode="event",
    )
    return {"data": data, "layout": layout}


def speed_figure(track: pd.DataFrame, lang: str) -> dict[str, Any]:
    """Speed over ground along the track."""
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "x": [ts.isoformat() for ts in track["ts"]],
                "y": [None if pd.isna(v) else float(v) for v in track["sog"]],
                "line": {"color": TEXT, "width": 1.5},
                "hovertemplate": "%{x|%m-%d %H:%M} %{y:.1f} kn<extra></extra>",
            }
        ],
        "layout": chart_layout(
            yaxis={"title": {"text": t("radar.chart.speed_axis", lang)}, "rangemode": "tozero"},
            margin={"l": 56, "r": 16, "t": 16, "b": 40},
        ),
    }
