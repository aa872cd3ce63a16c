"""The simulated feeds in their real formats: warnings as CAP 1.2 XML, positions as AIS NMEA.

The simulator produces typed rows; these functions send warnings and (in the live feed) vessel
positions through the real parsers, so that what reaches the tables is what a real CAP feed or
AIS receiver would have produced, and anything the parsers refuse ends in quarantine.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pandas as pd
from pyais.encode import encode_dict

from data_adapters.ais import decode_nmea, to_tables
from data_adapters.cap import CapError, parse_cap, to_warning_rows

__all__ = ["Parsed", "ais_lines", "ais_roundtrip", "cap_rows"]

Parsed = tuple[str, pd.DataFrame, pd.DataFrame]  # table, rows, rejected (reason, raw)


def cap_rows(frame: pd.DataFrame, *, received_at: datetime) -> Iterator[Parsed]:
    """`emergency_warnings` rows from a frame of CAP messages (column `xml`)."""
    rows: list[pd.DataFrame] = []
    bad: list[dict[str, str]] = []
    for xml in frame["xml"]:
        try:
            rows.append(to_warning_rows(parse_cap(xml), received_at))
        except CapError as err:
            bad.append({"reason": f"CAP: {err}", "raw": str(xml)})
    good = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    yield "emergency_warnings", good, pd.DataFrame(bad, columns=["reason", "raw"])


def _fields(row: Any) -> dict[str, Any]:
    msg_type = int(row.msg_type)
    data: dict[str, Any] = {
        "type": msg_type,
        "mmsi": int(row.mmsi),
        "lon": float(row.lon),
        "lat": float(row.lat),
    }
    if pd.notna(row.sog):
        data["speed"] = float(row.sog)
    if pd.notna(row.cog):
        data["course"] = float(row.cog)
    data["heading"] = int(row.heading) if pd.notna(row.heading) else 511
    if msg_type in (1, 2, 3):
        data["status"] = int(row.nav_status) if pd.notna(row.nav_status) else 15
    return data


def ais_lines(frame: pd.DataFrame) -> list[str]:
    """One AIVDM sentence per position report (types 1-3 and 18)."""
    lines: list[str] = []
    for row in frame.itertuples(index=False):
        lines.extend(encode_dict(_fields(row), radio_channel="A", talker_id="AIVDM"))
    return lines


def ais_roundtrip(frame: pd.DataFrame) -> Iterator[Parsed]:
    """Position rows encoded to NMEA as a receiver would stream them, then decoded back."""
    frame = frame.reset_index(drop=True)
    lines = ais_lines(frame)
    reports, rejected = decode_nmea(lines)
    received = pd.Timestamp(frame["ts"].min()).to_pydatetime() if len(frame) else None
    if received is None:
        return
    tables = to_tables(reports, received)
    pos = tables["ais_reports"]
    # each report was one sentence: its line number gives back the time it was received
    order = reports[reports["msg_type"].isin([1, 2, 3, 18, 19])]["received_index"]
    order = order.sort_values(kind="stable").to_numpy(dtype="int64")
    pos = pos.assign(ts=frame["ts"].to_numpy()[order])
    bad = pd.DataFrame(
        {"reason": "AIS: " + rejected["reason"].astype(str), "raw": rejected["line"].astype(str)}
    )
    yield "ais_reports", pos, bad
