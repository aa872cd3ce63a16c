"""The simulated feeds in their real formats: warnings as CAP 1.2 XML, positions as AIS NMEA.

The simulator produces typed rows; these functions send warnings and (in the live feed) vessel
positions through the real parsers and ingest paths, so that what reaches the tables is what a
real CAP feed or AIS receiver would have produced.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
from pyais.encode import encode_dict

from data_adapters.ais import decode_nmea
from data_adapters.ingest import IngestReport
from data_adapters.ingest_feeds import ingest_ais_reports, ingest_cap
from data_adapters.node import DataNode

__all__ = ["ais_lines", "store_ais_as_nmea", "store_cap"]


def store_cap(
    node: DataNode, frame: pd.DataFrame, *, now: datetime, source: str
) -> list[IngestReport]:
    """CAP messages (column `xml`) through the CAP parser into `emergency_warnings`."""
    return [ingest_cap(node, list(frame["xml"]), now=now, source=source)]


def _fields(row: Any) -> dict[str, Any]:
    msg_type = int(row.msg_type)
    data: dict[str, Any] = {
        "type": msg_type,
        "mmsi": int(row.mmsi),
        "lon": float(row.lon),
        "lat": float(row.lat),
        "heading": int(row.heading) if pd.notna(row.heading) else 511,
    }
    if pd.notna(row.sog):
        data["speed"] = float(row.sog)
    if pd.notna(row.cog):
        data["course"] = float(row.cog)
    if msg_type in (1, 2, 3):
        data["status"] = int(row.nav_status) if pd.notna(row.nav_status) else 15
    return data


def ais_lines(frame: pd.DataFrame) -> list[str]:
    """One AIVDM sentence per position report (types 1-3 and 18 fit in one sentence)."""
    lines: list[str] = []
    for row in frame.itertuples(index=False):
        lines.extend(
            encode_dict(_fields(row), radio_channel="A", talker_id="AI", sentence_type="VDM")
        )
    return lines


def store_ais_as_nmea(
    node: DataNode, frame: pd.DataFrame, *, now: datetime, source: str
) -> list[IngestReport]:
    """Position rows encoded to NMEA as a receiver streams them, then decoded and stored."""
    frame = frame.reset_index(drop=True)
    if frame.empty:
        return []
    reports, rejected = decode_nmea(ais_lines(frame))
    received = pd.Series(pd.to_datetime(frame["ts"], utc=True))
    return ingest_ais_reports(node, reports, rejected, now=now, source=source, received=received)
