"""The command line of Zhanjiang Brain: `python -m brain seed | serve | simulate | check-data |
alerts …`."""

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
from typing import Any

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


def _accounts(args: argparse.Namespace) -> Any:
    from security.accounts import open_accounts

    settings = _settings(args)
    return open_accounts(settings.store_database_url, max_failures=settings.login_max_failures)


def _users(args: argparse.Namespace) -> int:
    accounts = _accounts(args)
    try:
        if args.action == "list":
            print(f"{'name':<24} {'role':<8} {'source':<6} {'state':<9} created (UTC)")
            for u in accounts.store.users():
                state = "disabled" if u.disabled else ("new" if u.must_change else "active")
                print(
                    f"{u.name:<24} {u.role:<8} {u.source:<6} {state:<9} "
                    f"{u.created_at:%Y-%m-%d %H:%M}"
                )
            return 0
        if not args.name:
            raise ValueError(f"users {args.action} needs --name")
        if args.action == "create":
            if args.password_stdin:
                password, must_change = sys.stdin.readline().rstrip("\n"), False
            else:
                from security.accounts import new_password

                password, must_change = new_password(), True
            accounts.create_user(
                args.name,
                args.role,
                password,
                now=_now(),
                actor="cli",
                must_change=must_change,
                display_name=args.display_name or "",
            )
            if must_change:
                print(f"one-time password of {args.name}: {password} (to change at first sign-in)")
            print(f"created {args.name} ({args.role})")
        elif args.action == "set-role":
            accounts.set_role(args.name, args.role, now=_now(), actor="cli")
            print(f"{args.name} is now {args.role}")
        else:
            accounts.set_disabled(args.name, args.action == "disable", now=_now(), actor="cli")
            print(f"{args.name} {args.action}d")
    except (ValueError, LookupError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    finally:
        accounts.store.close()
    return 0


def _display_token(args: argparse.Namespace) -> int:
    accounts = _accounts(args)
    try:
        if args.action == "list":
            print(f"{'name':<24} {'state':<8} created (UTC)")
            for t in accounts.store.tokens():
                state = "active" if t.active else "revoked"
                print(f"{t.name:<24} {state:<8} {t.created_at:%Y-%m-%d %H:%M}")
            return 0
        if not args.name:
            raise ValueError(f"display-token {args.action} needs --name")
        if args.action == "create":
            print(accounts.create_token(args.name, now=_now(), actor="cli"))
        else:
            accounts.revoke_token(args.name, now=_now(), actor="cli")
            print(f"revoked {args.name}")
    except (ValueError, LookupError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    finally:
        accounts.store.close()
    return 0


def _first_admin(settings: Settings) -> None:
    """On a store without any account: an admin with a one-time password, printed once."""
    from security.accounts import open_accounts

    accounts = open_accounts(settings.store_database_url)
    try:
        password = accounts.bootstrap_admin(now=_now())
    finally:
        accounts.store.close()
    if password is not None:
        print(
            f"first start: created the account 'admin' with the one-time password {password} "
            "(change it at the first sign-in)",
            flush=True,
        )


def _serve(args: argparse.Namespace) -> int:
    from app import create_app

    settings = _settings(args)
    _first_admin(settings)
    host = args.host or settings.host
    port = args.port or settings.port
    feed = None
    if settings.live_feed and not args.no_feed:
        env = dict(os.environ, BRAIN_DATA_DIR=str(settings.data_dir))
        feed = subprocess.Popen([sys.executable, "-m", "brain", "simulate"], env=env)
    app = create_app(settings)
    from alerts.config import RuleSetError
    from alerts.engine import start_for_app

    try:
        engine = start_for_app(app.server)  # one evaluates per deployment (the store's lease)
    except RuleSetError as err:
        print("\n".join(err.errors), file=sys.stderr)
        if feed is not None:
            feed.send_signal(signal.SIGINT)
        return 1
    try:
        app.run(host=host, port=port, debug=False)
    finally:
        if engine is not None:
            engine.stop()
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

    s = sub.add_parser("users", help="accounts: create, list, disable, enable, set-role")
    s.add_argument("action", choices=["create", "list", "disable", "enable", "set-role"])
    s.add_argument("--name")
    s.add_argument("--role", choices=["leader", "duty", "analyst", "admin"], default="leader")
    s.add_argument("--display-name")
    s.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from stdin (else a one-time password is printed)",
    )
    s.add_argument("--data-dir")
    s.set_defaults(run=_users)

    s = sub.add_parser("display-token", help="wall display tokens: create, list, revoke")
    s.add_argument("action", choices=["create", "list", "revoke"])
    s.add_argument("--name")
    s.add_argument("--data-dir")
    s.set_defaults(run=_display_token)

    s = sub.add_parser("check-data", help="rows, freshness and quarantine per domain")
    s.add_argument("--json", action="store_true")
    s.add_argument("--data-dir")
    s.add_argument("--data-url")
    s.set_defaults(run=_check_data)

    from alerts.cli import add_parser as add_alerts

    add_alerts(sub, _settings)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return int(args.run(args))
