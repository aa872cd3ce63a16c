"""Seeding the data node with the simulated city, and the live feed that keeps it moving.

Every generated row enters through `data_adapters.ingest.ingest` (the same validated door as real
feeds); warnings enter as CAP 1.2 XML and, in the live feed, vessel positions as AIS NMEA
sentences, so the real-format parsers are exercised end to end.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pandas as pd

from brain.domains import DOMAINS
from data_adapters.ingest import ingest
from data_adapters.node import DataNode, batch_named
from data_adapters.schema import TABLES
from simulator.base import Scale, SimContext
from simulator.formats import store_ais_as_nmea, store_cap
from simulator.scenario import Scenario

__all__ = ["Manifest", "SeedReport", "live_tick", "load_manifest", "run_live", "seed"]

log = logging.getLogger(__name__)

DOMAIN_MODULES = tuple(str(d) for d in DOMAINS)  # one generator module per domain
_STEP = timedelta(minutes=5)
MAX_BACKFILL = timedelta(hours=6)  # a live feed restarted after a long pause fills at most this


@dataclass(frozen=True)
class Manifest:
    """What was seeded: the seed, the anchor, the scale, the scenario, and how far the feed got."""

    seed: int
    anchor: str
    scale: str
    landfall: str
    live_until: str
    pending_until: str | None = None  # a tick being written: redone first after a crash

    def context(self) -> SimContext:
        anchor = datetime.fromisoformat(self.anchor)
        return SimContext(
            self.seed, anchor, Scale(self.scale), Scenario(datetime.fromisoformat(self.landfall))
        )


@dataclass
class SeedReport:
    seconds: float = 0.0
    accepted: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, accepted: int, rejected: int) -> None:
        self.accepted[table] = self.accepted.get(table, 0) + accepted
        self.rejected[table] = self.rejected.get(table, 0) + rejected


def _manifest_path(data_dir: Path) -> Path:
    return data_dir / "seed.json"


def load_manifest(data_dir: Path) -> Manifest | None:
    path = _manifest_path(data_dir)
    if not path.exists():
        return None
    return Manifest(**json.loads(path.read_text("utf-8")))


def _save_manifest(data_dir: Path, manifest: Manifest) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = _manifest_path(data_dir)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(asdict(manifest), indent=2), "utf-8")
    os.replace(tmp, path)


def _modules() -> list[ModuleType]:
    return [importlib.import_module(f"simulator.{name}") for name in DOMAIN_MODULES]


def floor_time(ts: datetime, step: timedelta = _STEP) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    return ts - (ts - epoch) % step


def _store(
    node: DataNode,
    name: str,
    frame: pd.DataFrame,
    *,
    now: datetime,
    source: str,
    report: SeedReport,
    live: bool,
) -> None:
    if name == "cap_messages":
        results = store_cap(node, frame, now=now, source=source + ":cap")
    elif live and name == "ais_reports":
        results = store_ais_as_nmea(node, frame, now=now, source=source + ":nmea")
    else:
        results = [ingest(node, name, frame, source=source, now=now)]
    for r in results:
        report.add(r.table, r.accepted, r.rejected)


def _facts(ctx: SimContext, start: datetime, end: datetime) -> Iterator[tuple[str, pd.DataFrame]]:
    for module in _modules():
        yield from module.facts(ctx, start, end)


def seed(
    node: DataNode,
    data_dir: Path,
    *,
    scale: Scale,
    seed_value: int,
    now: datetime,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> SeedReport | None:
    """Build the data node with the simulated city; None when it exists and `force` is False."""
    if node.exists() and not force and load_manifest(data_dir) is not None:
        return None
    started = time.perf_counter()
    node.create(force=True)
    anchor = floor_time(now)
    ctx = SimContext(seed_value, anchor, scale, Scenario.for_anchor(anchor))
    report = SeedReport()
    for module in _modules():
        for name, frame in module.reference(ctx).items():
            _store(node, name, frame, now=now, source="seed", report=report, live=False)
    for name, frame in _facts(ctx, ctx.start, ctx.anchor):
        _store(node, name, frame, now=now, source="seed", report=report, live=False)
        if progress:
            progress(f"{name}: {len(frame):,} rows")
    for t in TABLES:
        node.compact(t, prefix="live-", min_files=2)
    _save_manifest(
        data_dir,
        Manifest(
            seed_value,
            anchor.isoformat(),
            scale.value,
            ctx.scenario.landfall.isoformat(),
            anchor.isoformat(),
        ),
    )
    report.seconds = time.perf_counter() - started
    return report


def live_tick(node: DataNode, data_dir: Path, *, now: datetime) -> SeedReport:
    """Append the facts from where the feed stopped up to `now`.

    A tick is journalled: the manifest names the tick's end before any row is written, the
    tick's files are named after it (`batch_named`), and the manifest moves on once they are
    all written. A feed killed mid-tick therefore redoes that same tick when it starts again
    (the same facts, replacing the same files): no row is missing and none is doubled."""
    manifest = load_manifest(data_dir)
    if manifest is None:
        raise FileNotFoundError(f"no seeded data node at {data_dir}: run `python -m brain seed`")
    ctx = manifest.context()
    end = datetime.fromisoformat(manifest.pending_until) if manifest.pending_until else now
    start = max(datetime.fromisoformat(manifest.live_until), end - MAX_BACKFILL)
    report = SeedReport()
    if end <= start:
        return report
    if manifest.pending_until is None:
        _save_manifest(data_dir, replace(manifest, pending_until=end.isoformat()))
    with batch_named(f"live-{int(end.timestamp() * 1_000_000)}"):
        for name, frame in _facts(ctx, start, end):
            _store(node, name, frame, now=end, source="live", report=report, live=True)
    _save_manifest(data_dir, replace(manifest, live_until=end.isoformat(), pending_until=None))
    return report


def run_live(
    node: DataNode,
    data_dir: Path,
    *,
    interval_s: float,
    once: bool,
    clock: Callable[[], datetime],
    compact_every: int = 60,
) -> None:
    """The live feed: a tick every `interval_s` seconds until stopped (or one tick)."""
    ticks = 0
    while True:
        began = time.monotonic()
        report = live_tick(node, data_dir, now=clock())
        ticks += 1
        log.info(
            "live tick: %s accepted, %s rejected",
            sum(report.accepted.values()),
            sum(report.rejected.values()),
        )
        if ticks % compact_every == 0:
            for t in TABLES:
                node.compact(t)
        if once:
            return
        time.sleep(max(0.0, interval_s - (time.monotonic() - began)))
