"""Real-format feeds into the data node: AIS NMEA (radar domain) and CAP 1.2 (emergency domain).

Both are untrusted input: whatever the parsers refuse is kept in quarantine with its reason and
the raw line or document; whatever they decode still passes the contract check of `ingest`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

import pandas as pd

from data_adapters.ais import decode_nmea, to_tables
from data_adapters.cap import CapError, parse_cap, to_warning_rows
from data_adapters.ingest import IngestReport, ingest, quarantine
from data_adapters.node import DataNode
from data_adapters.schema import table

__all__ = ["ais_batch_handler", "ingest_ais_reports", "ingest_cap", "ingest_nmea"]


def _rejects(reasons: Iterable[str], raws: Iterable[str], prefix: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"reason": [f"{prefix}: {r}" for r in reasons], "raw": [str(r) for r in raws]}
    )


def ingest_cap(
    node: DataNode, documents: Iterable[str | bytes], *, now: datetime, source: str = "cap"
) -> IngestReport:
    """Parse CAP alerts and store them as `emergency_warnings` rows."""
    rows: list[pd.DataFrame] = []
    reasons: list[str] = []
    raws: list[str] = []
    for doc in documents:
        try:
            rows.append(to_warning_rows(parse_cap(doc), now))
        except CapError as err:
            reasons.append(str(err))
            raws.append(doc.decode("utf-8", "replace") if isinstance(doc, bytes) else doc)
    bad = _rejects(reasons, raws, "CAP")
    quarantine(node, table("emergency_warnings"), bad, source=source, now=now)
    frame = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    report = ingest(node, "emergency_warnings", frame, source=source, now=now)
    return IngestReport(report.table, report.accepted, report.rejected + len(bad))


def ingest_ais_reports(
    node: DataNode,
    reports: pd.DataFrame,
    rejected: pd.DataFrame,
    *,
    now: datetime,
    source: str = "ais",
    received: pd.Series | None = None,
) -> list[IngestReport]:
    """Store decoded AIS reports (`ais.decode_nmea` output) and quarantine the rejected lines.

    `received` optionally gives the receive time of each input line (by line number); by default
    every report is received at `now`, in arrival order.
    """
    bad = _rejects(rejected["reason"].astype(str), rejected["line"].astype(str), "AIS")
    quarantine(node, table("ais_reports"), bad, source=source, now=now)
    tables = to_tables(reports, now, received=received)
    out = [ingest(node, name, frame, source=source, now=now) for name, frame in tables.items()]
    out[0] = IngestReport(out[0].table, out[0].accepted, out[0].rejected + len(bad))
    return out


def ingest_nmea(
    node: DataNode, lines: Iterable[str], *, now: datetime, source: str = "ais"
) -> list[IngestReport]:
    """Decode NMEA sentences and store them (a batch received at `now`)."""
    reports, rejected = decode_nmea(lines)
    return ingest_ais_reports(node, reports, rejected, now=now, source=source)


def ais_batch_handler(
    node: DataNode, clock: Callable[[], datetime], source: str = "ais-tcp"
) -> Callable[[pd.DataFrame, pd.DataFrame], None]:
    """An `on_batch` for `feeds.read_ais_tcp` that stores each batch as it arrives."""

    def handle(reports: pd.DataFrame, rejected: pd.DataFrame) -> None:
        ingest_ais_reports(node, reports, rejected, now=clock(), source=source)

    return handle
