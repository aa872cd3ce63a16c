"""Exports of what an analyst page shows: a table as CSV or Excel, map features as GeoJSON.

CSV is UTF-8 with a byte-order mark (Excel then reads Chinese correctly); Excel is written by
openpyxl; GeoJSON goes through geopandas, so whatever a page hands over comes out as a valid
FeatureCollection in WGS-84, its times as ISO 8601 text.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import pandas as pd

__all__ = ["FORMATS", "geojson_bytes", "table_bytes"]

FORMATS = ("csv", "xlsx", "geojson")


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Time zones dropped from datetimes (Excel has none): local wall times are written."""
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    return out


def table_bytes(frame: pd.DataFrame, fmt: str, *, sheet: str = "data") -> bytes:
    """`frame` as a CSV or Excel file."""
    if fmt == "csv":
        return _plain(frame).to_csv(index=False).encode("utf-8-sig")
    if fmt == "xlsx":
        buf = io.BytesIO()
        with pd.ExcelWriter(buf, engine="openpyxl") as writer:
            _plain(frame).to_excel(writer, sheet_name=sheet[:31] or "data", index=False)
        return buf.getvalue()
    raise ValueError(f"cannot export a table as {fmt!r}; choose csv or xlsx")


def _iso(frame: pd.DataFrame) -> pd.DataFrame:
    """Times as ISO 8601 text (GeoJSON properties are JSON: no timestamps)."""
    out = frame.copy()
    for col in out.columns:
        if col == getattr(out, "_geometry_column_name", None):
            continue
        if (
            isinstance(out[col].dtype, pd.DatetimeTZDtype)
            or out[col].map(lambda v: isinstance(v, pd.Timestamp)).any()
        ):
            out[col] = out[col].map(lambda v: v.isoformat() if isinstance(v, pd.Timestamp) else v)
    return out


def geojson_bytes(features: Mapping[str, Any] | Any) -> bytes:
    """A GeoJSON FeatureCollection (a mapping) or a GeoDataFrame as GeoJSON text."""
    import geopandas as gpd

    if isinstance(features, gpd.GeoDataFrame):
        frame = features
    elif isinstance(features, Mapping) and features.get("type") == "FeatureCollection":
        frame = gpd.GeoDataFrame.from_features(features["features"], crs="EPSG:4326")
    else:
        raise ValueError("a map export takes a GeoJSON FeatureCollection or a GeoDataFrame")
    if frame.crs is None:
        frame = frame.set_crs("EPSG:4326")
    text: str = _iso(frame.to_crs("EPSG:4326")).to_json(drop_id=True, ensure_ascii=False)
    return text.encode("utf-8")
