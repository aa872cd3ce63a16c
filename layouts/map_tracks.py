"""Moving things on the situational map: vessels with their tails, and the typhoon's track.

Vessels are arrows along their course in their AIS type colour (dots when stopped) with a short
tail; unregistered ships and ships breaking a zone rule get a yellow or red ring; dark targets
(radar plots with no AIS) are magenta rings. The storm is its observed track (white), forecast
(yellow), intensity dots in the CMA colours, and its name at its latest position.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from brain.standards import beaufort_force
from layouts.map_i18n import text
from layouts.map_spec import (
    DARK_TARGET,
    DIGITS,
    FONT,
    VESSEL_COLORS,
    Ctx,
    icons,
    layer,
    num,
    point,
    records,
    require,
)

__all__ = ["typhoon", "vessels"]

_PLATE = [6, 14, 28]
_UNREGISTERED = [255, 230, 0]
_INTRUDER = [255, 40, 40]
_MOVING_KN = 0.5
# CMA intensity colours by Beaufort force: TD, TS, STS, TY, STY, Super TY.
_STORM_COLORS = (
    (8, [60, 200, 90]),
    (10, [40, 140, 255]),
    (12, [255, 215, 0]),
    (14, [255, 135, 0]),
    (16, [255, 80, 200]),
    (99, [255, 30, 30]),
)


def vessels(
    ships: pd.DataFrame, tails: pd.DataFrame, dark: pd.DataFrame, intrusions: pd.DataFrame, ctx: Ctx
) -> list[dict[str, Any]]:
    """Vessels by AIS type, pointing along their course, with tails; unregistered ships ringed
    yellow, ships breaking a zone rule ringed red; dark targets as magenta rings."""
    require(ships, "vessels", ["mmsi", "lon", "lat"])
    require(tails, "tails", ["mmsi", "lon", "lat"])
    require(dark, "dark", ["track_id", "lon", "lat"])
    breaking = {r["mmsi"]: r for r in records(intrusions, ["mmsi", "zone_name"])}
    rows, flags = [], []
    cols = ["mmsi", "name", "vessel_type", "registered", "lon", "lat", "sog", "cog", "heading"]
    for r in records(ships, cols):
        p = point(r["lon"], r["lat"])
        if p is None:
            continue
        kind = r["vessel_type"] if r["vessel_type"] in VESSEL_COLORS else None
        color = VESSEL_COLORS[kind or "other"]
        lines = [str(r["name"] or r["mmsi"]), text(f"map.vessel.{kind or 'unknown'}", ctx.lang)]
        sog = num(r["sog"])
        course = num(r["cog"]) if num(r["cog"]) is not None else num(r["heading"])
        if sog is not None:
            lines[1] += " · " + text("map.knots", ctx.lang, f"{sog:.1f}")
        flag = None
        if r["registered"] is False:
            flag = _UNREGISTERED
            lines.append(text("map.vessel.unregistered", ctx.lang))
        if r["mmsi"] in breaking:
            flag = _INTRUDER
            lines.append(
                text("map.vessel.intrusion", ctx.lang, breaking[r["mmsi"]]["zone_name"] or "")
            )
        moving = sog is not None and sog >= _MOVING_KN and course is not None
        rows.append(
            {
                "id": r["mmsi"],
                "p": p,
                "i": "ship" if moving else "dot",
                "a": -round(course or 0.0) % 360,
                "c": color,
                "s": 30 if moving else 13,
                "tip": "\n".join(lines),
            }
        )
        if flag:
            flags.append({"p": p, "i": "ring", "c": flag})
    tracks = _tracks(tails)
    colors = {row["id"]: row["c"] for row in rows}
    tail_rows = [
        {"path": path, "c": [*colors.get(m, VESSEL_COLORS["other"]), 140]}
        for m, path in tracks.items()
        if len(path) >= 2
    ]
    dark_rows = []
    for r in records(dark, ["track_id", "lon", "lat", "speed_kn"]):
        p = point(r["lon"], r["lat"])
        if p is not None:
            tip = text("map.vessel.dark", ctx.lang)
            if num(r["speed_kn"]) is not None:
                tip += " · " + text("map.knots", ctx.lang, f"{float(r['speed_kn']):.1f}")
            dark_rows.append(
                {
                    "id": r["track_id"],
                    "p": p,
                    "i": "ring",
                    "c": DARK_TARGET,
                    "tip": f"{r['track_id']}\n{tip}",
                }
            )
    return [
        layer(
            "PathLayer",
            "vessels-tails",
            tail_rows,
            getPath="@@=path",
            getColor="@@=c",
            getWidth=2,
            widthUnits="pixels",
        ),
        icons("vessels-ships", rows, ctx, size="@@=s", used=("ship", "dot"), getAngle="@@=a"),
        icons("vessels-flags", flags, ctx, size=36, used=("ring",), pickable=False),
        icons("vessels-dark", dark_rows, ctx, size=28, used=("ring",)),
    ]


def _tracks(tails: pd.DataFrame) -> dict[Any, list[list[float]]]:
    """Each vessel's tail as a path of rounded points, in time order (bad points dropped)."""
    if tails.empty:
        return {}
    by = ["mmsi", "ts"] if "ts" in tails.columns else ["mmsi"]
    ordered = tails.sort_values(by, kind="stable")  # by vessel, each in time order
    lon = ordered["lon"].to_numpy(dtype="float64", na_value=np.nan)
    lat = ordered["lat"].to_numpy(dtype="float64", na_value=np.nan)
    good = np.isfinite(lon) & np.isfinite(lat)
    mmsi = ordered["mmsi"].to_numpy()[good]
    points = np.column_stack([lon[good], lat[good]]).round(DIGITS).tolist()
    _, first = np.unique(mmsi, return_index=True)  # rows come by vessel: where each starts
    bounds = [*sorted(first.tolist()), len(mmsi)]
    tracks = {mmsi[a].item(): points[a:b] for a, b in pairwise(bounds)}
    return tracks


def _storm_color(force: int) -> list[int]:
    for upper, color in _STORM_COLORS:
        if force < upper:
            return color
    return _STORM_COLORS[-1][1]


def typhoon(frame: pd.DataFrame, ctx: Ctx) -> list[dict[str, Any]]:
    """The active storm (emergency.typhoon_track): observed track, forecast, and its name.

    The same three layers come back with or without a storm, so live patches keep their places.
    """
    require(frame, "typhoon", ["storm_id", "kind", "lon", "lat"])
    observed: list[list[float]] = []
    forecast: list[list[float]] = []
    points = []
    name = ""
    if "ts" in frame.columns:
        frame = frame.sort_values(["kind", "ts"], ascending=[False, True])
    for r in records(
        frame, ["storm_id", "name_zh", "name_en", "kind", "ts", "lon", "lat", "wind_ms", "force"]
    ):
        p = point(r["lon"], r["lat"])
        if p is None:
            continue
        name = str((r["name_zh"] if ctx.lang == "zh" else r["name_en"]) or r["storm_id"])
        (observed if r["kind"] == "observed" else forecast).append(p)
        wind = num(r["wind_ms"])
        force = (
            int(r["force"])
            if num(r["force"]) is not None
            else (beaufort_force(wind) if wind is not None else 0)
        )
        when = ""
        if isinstance(r["ts"], pd.Timestamp):
            when = r["ts"].tz_convert("Asia/Shanghai").strftime("%m-%d %H:%M")
        tip = f"{name} · {text('map.typhoon.' + str(r['kind']), ctx.lang)} {when}".strip()
        if wind is not None:
            tip += "\n" + text("map.typhoon.wind", ctx.lang, f"{wind:.0f}")
        points.append(
            {
                "id": r["storm_id"],
                "p": p,
                "c": _storm_color(force),
                "r": 7 if r["kind"] == "observed" else 5,
                "tip": tip,
            }
        )
    if observed and forecast:
        forecast.insert(0, observed[-1])
    tracks: list[dict[str, Any]] = [
        {"path": observed, "c": [255, 255, 255, 220]},
        {"path": forecast, "c": [255, 215, 0, 200]},
    ]
    head = observed[-1] if observed else (forecast[0] if forecast else None)
    labels = [{"p": head, "t": name, "c": [255, 255, 255]}] if head else []
    return [
        layer(
            "PathLayer",
            "typhoon-track",
            [t for t in tracks if len(t["path"]) >= 2],
            getPath="@@=path",
            getColor="@@=c",
            getWidth=3,
            widthUnits="pixels",
        ),
        layer(
            "ScatterplotLayer",
            "typhoon-points",
            points,
            getPosition="@@=p",
            getFillColor="@@=c",
            getRadius="@@=r",
            radiusUnits="pixels",
            stroked=True,
            getLineColor=[0, 0, 0],
            getLineWidth=1,
            lineWidthUnits="pixels",
            pickable=True,
        ),
        layer(
            "TextLayer",
            "typhoon-label",
            labels,
            getPosition="@@=p",
            getText="@@=t",
            getColor="@@=c",
            getSize=26,
            getPixelOffset=[0, -28],
            backgroundColor=_PLATE,
            fontFamily=FONT,
            fontWeight="bold",
        ),
    ]
