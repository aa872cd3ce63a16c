"""The command line of Zhanjiang Brain: `python -m brain seed | serve | simulate | check-data`."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from config import Settings, load_settings
from data_adapters.node import open_node

__all__ = ["main"]


def _now() -> datetime:
    return datetime.now(UTC)


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings()
    if getattr(args, "data_dir", None):
        settings = replace(settings, data_dir=Path(args.data_dir).resolve())
    if getattr(args, "data_url", None):
        settings = replace(settings, data_url=args.data_url)
    return settings


def _seed(args: argparse.Namespace) -> int:
    from simulator.base import Scale
    from simulator.seed import seed

    settings = _settings(args)
    node = open_node(settings)
    now = datetime.fromisoformat(args.now) if args.now else _now()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    report = seed(
        node,
        settings.data_dir,
        scale=Scale(args.scale),
        seed_value=args.seed if args.seed is not None else settings.seed,
        now=now,
        force=args.force,
        progress=(lambda m: print("  " + m, flush=True)) if args.verbose else None,
    )
    node.close()
    if report is None:
        print(
            f"data node already seeded at {settings.data_url or settings.data_dir} "
            "(use --force to rebuild)"
        )
        return 0
    total = sum(report.accepted.values())
    print(
        f"seeded {args.scale} city: {total:,} rows in {report.seconds:.1f} s "
        f"({sum(report.rejected.values()):,} quarantined)"
    )
    for name in sorted(report.accepted):
        print(f"  {name:<22} {report.accepted[name]:>12,}  rejected {report.rejected[name]:,}")
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from simulator.seed import run_live

    settings = _settings(args)
    node = open_node(settings)
    interval = args.interval if args.interval is not None else settings.sim_interval_s
    logging.basicConfig(level=logging.INFO, format="%(asctime)s live feed: %(message)s")
    try:
        run_live(node, settings.data_dir, interval_s=interval, once=args.once, clock=_now)
    except KeyboardInterrupt:
        pass
    finally:
        node.close()
    return 0


def _check_data(args: argparse.Namespace) -> int:
    from data_adapters.health import report as health_report

    settings = _settings(args)
    node = open_node(settings)
    try:
        report = health_report(node.backend(), now=_now())
    finally:
        node.close()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print(f"{'domain':<10} {'rows':>12} {'newest (UTC)':<26} {'status':<7} quarantined")
    for name, d in report["domains"].items():
        print(
            f"{name:<10} {d['rows']:>12,} {d['newest'] or '-':<26} {d['status']:<7} "
            f"{d['quarantined']:,}"
        )
    return 0


def _ingest_cap(args: argparse.Namespace) -> int:
    from data_adapters.ingest_feeds import ingest_cap

    settings = _settings(args)
    node = open_node(settings)
    docs = [Path(f).read_bytes() for f in args.files]
    report = ingest_cap(node, docs, now=_now(), source="cap-file")
    node.close()
    print(f"{report.accepted} warning(s) stored, {report.rejected} quarantined")
    return 0 if report.rejected == 0 else 1


def _feed_ais(args: argparse.Namespace) -> int:
    from data_adapters.feeds import read_ais_tcp
    from data_adapters.ingest_feeds import ais_batch_handler

    settings = _settings(args)
    node = open_node(settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s ais feed: %(message)s")
    try:
        stats = read_ais_tcp(
            args.host,
            args.port,
            on_batch=ais_batch_handler(node, _now, source=f"ais-tcp:{args.host}"),
            max_lines=args.max_lines,
        )
    except KeyboardInterrupt:
        return 0
    finally:
        node.close()
    print(
        f"{stats.lines} lines, {stats.reports} reports, {stats.rejected} rejected, "
        f"{stats.connections} connection(s)"
    )
    return 0


def _serve(args: argparse.Namespace) -> int:
    from app import create_app

    settings = _settings(args)
    host = args.host or settings.host
    port = args.port or settings.port
    feed = None
    if settings.live_feed and not args.no_feed:
        env = dict(os.environ, BRAIN_DATA_DIR=str(settings.data_dir))
        feed = subprocess.Popen([sys.executable, "-m", "brain", "simulate"], env=env)
    try:
        create_app(settings).run(host=host, port=port, debug=False)
    finally:
        if feed is not None:
            feed.send_signal(signal.SIGINT)
            feed.wait(timeout=10)
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m brain", description="Zhanjiang Brain")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("seed", help="build the data node with the simulated city")
    s.add_argument("--scale", choices=["test", "demo", "bench"], default="demo")
    s.add_argument("--data-url", help="load into this server engine instead of the embedded node")
    s.add_argument("--data-dir", help="folder of the embedded data node (default BRAIN_DATA_DIR)")
    s.add_argument("--force", action="store_true", help="rebuild even if already seeded")
    s.add_argument("--seed", type=int, help="seed of the simulated city (default BRAIN_SEED)")
    s.add_argument("--now", help="end of the seeded history, ISO 8601 (default: now)")
    s.add_argument("-v", "--verbose", action="store_true")
    s.set_defaults(run=_seed)

    s = sub.add_parser("serve", help="run the app (development server)")
    s.add_argument("--host")
    s.add_argument("--port", type=int)
    s.add_argument("--data-dir")
    s.add_argument("--no-feed", action="store_true", help="do not start the live feed")
    s.set_defaults(run=_serve)

    s = sub.add_parser("simulate", help="the live feed: append new data every few seconds")
    s.add_argument("--interval", type=float, help="seconds between ticks (BRAIN_SIM_INTERVAL)")
    s.add_argument("--once", action="store_true", help="one tick, then exit")
    s.add_argument("--data-dir")
    s.add_argument("--data-url")
    s.set_defaults(run=_simulate)

    s = sub.add_parser("ingest-cap", help="store CAP 1.2 warning files (XML)")
    s.add_argument("files", nargs="+")
    s.add_argument("--data-dir")
    s.add_argument("--data-url")
    s.set_defaults(run=_ingest_cap)

    s = sub.add_parser("feed-ais", help="read an AIS receiver's NMEA stream over TCP")
    s.add_argument("--host", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--max-lines", type=int, help="stop after this many lines")
    s.add_argument("--data-dir")
    s.add_argument("--data-url")
    s.set_defaults(run=_feed_ais)

    s = sub.add_parser("check-data", help="rows, freshness and quarantine per domain")
    s.add_argument("--json", action="store_true")
    s.add_argument("--data-dir")
    s.add_argument("--data-url")
    s.set_defaults(run=_check_data)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return int(args.run(args))
