"""Building blocks of the situational map's deck.gl JSON: palette, sizes and small helpers.

The map is described in the deck.gl JSON format that pydeck emits and `@deck.gl/json` reads
(`"@@type"` names a layer class, `"@@=expr"` is an accessor), so the wall refreshes it with plain
JSON and nothing but the dash-deck bundle runs in the browser. Rows are kept small: coordinates
rounded to 5 decimals (≈ 1 m), colours as short lists, one `tip` string for the tooltip.

Colours are chosen for a dark wall seen from 5-15 m: bright, saturated marks on a navy sea.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from brain.situation import MapData
from layouts import theme

__all__ = [
    "DARK_TARGET",
    "DIGITS",
    "EVENT_LEVEL_COLORS",
    "FONT",
    "ICONS",
    "ICON_FILE",
    "LAND",
    "NO_DATA",
    "SEA",
    "SEA_HEX",
    "SIGNAL_COLORS",
    "TPI_COLORS",
    "VESSEL_COLORS",
    "WATER_COLORS",
    "ZONE_STYLES",
    "Ctx",
    "MapData",
    "Rgb",
    "icons",
    "layer",
    "num",
    "path_of",
    "point",
    "records",
    "require",
    "rgb",
    "value",
]

Rgb = list[int]
DIGITS = 5
FONT = '"WenQuanYi Micro Hei", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif'

SEA: Rgb = [4, 12, 26]
SEA_HEX = "#040c1a"
LAND: Rgb = [20, 38, 60]
NO_DATA: Rgb = [120, 130, 145]
DARK_TARGET: Rgb = [255, 60, 255]


def rgb(color: str) -> Rgb:
    """`#rrggbb` as [r, g, b]."""
    return [int(color[i : i + 2], 16) for i in (1, 3, 5)]


# The class colours of the panels (`layouts.theme`), as the map draws them.
TPI_COLORS: Mapping[int, Rgb] = {k: rgb(v) for k, v in theme.TPI_COLORS.items()}
WATER_COLORS: Mapping[str, Rgb] = {k: rgb(v) for k, v in theme.WATER_CLASS_COLORS.items()}
SIGNAL_COLORS: Mapping[str, Rgb] = {k: rgb(v) for k, v in theme.SIGNAL_COLORS.items()}
EVENT_LEVEL_COLORS: Mapping[str, Rgb] = {k: rgb(v) for k, v in theme.WARNING_LEVEL_COLORS.items()}
# AIS ship-type colours as maritime staff know them from common AIS displays.
VESSEL_COLORS: Mapping[str, Rgb] = {
    "cargo": [140, 220, 80],
    "container": [60, 200, 140],
    "tanker": [255, 95, 95],
    "fishing": [255, 175, 120],
    "passenger": [80, 150, 255],
    "tug": [40, 230, 230],
    "service": [190, 160, 255],
    "other": [185, 190, 200],
}
# Sea zones: (fill RGBA, outline RGBA, outline width in px); a kind is told by hue and weight.
ZONE_STYLES: Mapping[str, tuple[list[int], list[int], float]] = {
    "anchorage": ([150, 110, 255, 50], [175, 145, 255, 230], 1.5),
    "channel": ([110, 200, 255, 40], [140, 220, 255, 210], 1.0),
    "restricted": ([255, 50, 50, 50], [255, 70, 70, 240], 2.5),
    "aquaculture": ([50, 215, 165, 50], [60, 225, 175, 210], 1.0),
    "port": ([200, 205, 225, 35], [205, 210, 235, 170], 1.0),
    "fishing": ([255, 180, 60, 30], [255, 185, 70, 190], 1.5),
}


# The icon atlas (assets/geo/map-icons.svg): 64 px cells, white shapes that deck.gl tints.
ICON_FILE = "map-icons.svg"
ICONS = ("triangle", "diamond", "square", "star", "dot", "ship", "ring", "flame")


@dataclass(frozen=True)
class Ctx:
    """What every layer builder needs besides its frames."""

    lang: str = "zh"
    focus: str | None = None
    geo_url: str = "/assets/geo"


def layer(kind: str, id_: str, data: Any, **props: Any) -> dict[str, Any]:
    """One deck.gl layer in JSON form."""
    return {"@@type": kind, "id": id_, "data": data, **props}


def icons(
    id_: str,
    rows: list[dict[str, Any]],
    ctx: Ctx,
    *,
    size: Any,
    used: Sequence[str],
    pickable: bool = True,
    **props: Any,
) -> dict[str, Any]:
    """An IconLayer over the local icon atlas: rows carry `p` (position), `i` (icon), `c`."""
    mapping = {
        name: {"x": ICONS.index(name) * 64, "y": 0, "width": 64, "height": 64, "mask": True}
        for name in used
    }
    return layer(
        "IconLayer",
        id_,
        rows,
        iconAtlas=f"{ctx.geo_url}/{ICON_FILE}",
        iconMapping=mapping,
        getPosition="@@=p",
        getIcon="@@=i",
        getColor="@@=c",
        getSize=size,
        sizeUnits="pixels",
        pickable=pickable,
        **props,
    )


def require(frame: pd.DataFrame, name: str, columns: Sequence[str]) -> None:
    """ValueError naming the frame and the columns it lacks (an empty frame may lack them all)."""
    if frame.empty:
        return
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"MapData.{name} lacks columns {missing}; has {list(frame.columns)}")


def records(frame: pd.DataFrame, columns: Sequence[str]) -> Iterator[dict[str, Any]]:
    """The rows of `frame` as dicts of plain Python values (NA → None); absent columns → None.

    Converted column by column (a map refresh turns thousands of rows into dicts)."""
    if frame.empty:
        return
    absent = [None] * len(frame)
    lists = [_plain_column(frame[c]) if c in frame.columns else absent for c in columns]
    for row in zip(*lists, strict=True):
        yield dict(zip(columns, row, strict=True))


def _plain_column(column: pd.Series) -> list[Any]:
    """A column as plain Python values: NaN/NA → None, numpy scalars → Python scalars."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return list(column.tolist())
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        return [None if v != v else v for v in column.tolist()]  # NaN is the one v != v
    return [value(v) for v in column.tolist()]


def value(v: Any) -> Any:
    """A plain Python value: NA/NaN → None, numpy scalars → Python scalars."""
    if v is None or type(v) is str:
        return v
    if v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    item = getattr(v, "item", None)
    if callable(item) and not isinstance(v, (str, bytes)):
        v = item()
        if isinstance(v, float) and math.isnan(v):
            return None
    return v


def num(v: Any) -> float | None:
    """A finite float, or None."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def point(lon: Any, lat: Any) -> list[float] | None:
    """[lon, lat] rounded to 5 decimals, or None when either is missing or not finite."""
    x, y = num(lon), num(lat)
    if x is None or y is None:
        return None
    return [round(x, DIGITS), round(y, DIGITS)]


def path_of(v: Any) -> list[list[float]]:
    """A path or ring (JSON text or [lon, lat] pairs) as rounded points; bad points dropped."""
    if v is None:
        return []
    if isinstance(v, str):  # geometry text repeats every refresh: parse it once
        return [list(p) for p in _parsed(v)]
    if isinstance(v, bytes):
        return path_of(v.decode("utf-8", "replace"))
    return _points(v)


@lru_cache(maxsize=16_384)
def _parsed(text: str) -> tuple[tuple[float, float], ...]:
    try:
        v = json.loads(text)
    except ValueError:
        return ()
    return tuple((p[0], p[1]) for p in _points(v))


def _points(v: Any) -> list[list[float]]:
    out: list[list[float]] = []
    for p in v if isinstance(v, (list, tuple)) else []:
        if isinstance(p, (list, tuple)) and len(p) >= 2:
            q = point(p[0], p[1])
            if q is not None:
                out.append(q)
    return out
