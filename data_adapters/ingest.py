"""The one door through which rows enter the data node.

`ingest` converts positions to WGS-84 when the source declares GCJ-02, checks every row against the
contract, appends the valid rows and keeps every rejected row in quarantine with its reason and raw
payload. It never raises on bad data: the report says how many rows went where.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import numpy as np
import pandas as pd

from data_adapters.node import DataNode
from data_adapters.schema import Table, table
from data_adapters.validate import check_rows, raw_text

__all__ = ["Datum", "IngestReport", "ingest", "quarantine"]


class Datum(StrEnum):
    """Coordinate datum a source declares."""

    WGS84 = "WGS84"
    GCJ02 = "GCJ02"


@dataclass(frozen=True)
class IngestReport:
    table: str
    accepted: int
    rejected: int


_POSITIONS = (("lon", "lat"), ("centroid_lon", "centroid_lat"))


def _to_wgs84(frame: pd.DataFrame) -> pd.DataFrame:
    from brain.geo import gcj02_to_wgs84_arrays

    out = frame.copy()
    for lon, lat in _POSITIONS:
        if lon in out.columns and lat in out.columns:
            x = pd.to_numeric(out[lon], errors="coerce").to_numpy(
                dtype="float64", na_value=np.nan, copy=True
            )
            y = pd.to_numeric(out[lat], errors="coerce").to_numpy(
                dtype="float64", na_value=np.nan, copy=True
            )
            ok = np.isfinite(x) & np.isfinite(y)
            wx, wy = gcj02_to_wgs84_arrays(x[ok], y[ok])
            x[ok], y[ok] = wx, wy
            # values that were not numbers stay as they came, so validation reports them
            out[lon] = out[lon].where(~ok, pd.Series(x, index=out.index))
            out[lat] = out[lat].where(~ok, pd.Series(y, index=out.index))
    return out


def quarantine(
    node: DataNode, t: Table, rejected: pd.DataFrame, *, source: str, now: datetime
) -> None:
    """Keep rejected rows (columns `reason`, `raw`) with their table, domain and arrival time."""
    if rejected.empty:
        return
    q = table("quarantine")
    rows = pd.DataFrame(
        {
            "received_ts": pd.Series([pd.Timestamp(now)] * len(rejected)).astype(
                "datetime64[us, UTC]"
            ),
            "domain": pd.Series([str(t.domain)] * len(rejected), dtype="string"),
            "table_name": pd.Series([t.name] * len(rejected), dtype="string"),
            "source": pd.Series([source[:60]] * len(rejected), dtype="string"),
            "reason": rejected["reason"].astype("string").str.slice(0, 2000).reset_index(drop=True),
            "raw": rejected["raw"]
            .map(lambda r: raw_text(str(r)))
            .astype("string")
            .reset_index(drop=True),
        }
    )
    node.append(q, rows)


def ingest(
    node: DataNode,
    table_name: str,
    frame: pd.DataFrame,
    *,
    source: str,
    now: datetime,
    datum: Datum = Datum.WGS84,
) -> IngestReport:
    """Validate `frame` for `table_name`, append what passes and quarantine the rest."""
    t = table(table_name)
    if datum is Datum.GCJ02:
        frame = _to_wgs84(frame)
    checked = check_rows(t, frame, now=now)
    node.append(t, checked.valid)
    quarantine(node, t, checked.rejected, source=source, now=now)
    return IngestReport(t.name, len(checked.valid), len(checked.rejected))
