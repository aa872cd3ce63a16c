"""`python -m brain alerts list [--json] | check-rules FILE | run [--once] | silence | silences`."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from types import FrameType
from typing import Any

__all__ = ["add_parser"]

LIST_FIELDS = ("id", "rule", "domain", "severity", "state", "district", "first_seen", "last_change")


def _now() -> datetime:
    return datetime.now(UTC)


def _list(args: argparse.Namespace, settings: Any) -> int:
    from alerts.store import AlertStore

    store = AlertStore.for_settings(settings)
    try:
        alerts = store.alerts(open_only=not args.all)
    finally:
        store.close()
    if args.json:
        rows = []
        for a in alerts:
            row = {f: getattr(a, f) for f in (*LIST_FIELDS, "handling", "entity")}
            row.update(message_zh=a.message_zh, message_en=a.message_en)
            row["first_seen"] = a.first_seen.isoformat()
            row["last_change"] = a.last_change.isoformat()
            rows.append(row)
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    print(f"{'id':<16} {'sev':<4} {'state':<9} {'handling':<12} {'last change (UTC)':<17} message")
    for a in alerts:
        print(
            f"{a.id:<16} {a.severity:<4} {a.state:<9} {a.handling:<12} "
            f"{a.last_change:%Y-%m-%d %H:%M} {a.message_zh}"
        )
    print(f"{len(alerts)} alert(s)")
    return 0


def _check(args: argparse.Namespace, _settings: Any) -> int:
    from alerts.config import RuleSetError, load_rules

    try:
        rules = load_rules(args.file)
    except RuleSetError as err:
        for line in err.errors:
            print(line)
        print(f"{len(err.errors)} error(s)", file=sys.stderr)
        return 1
    n = len(rules.rules)
    print(f"{args.file}: version {rules.version}, {n} rule{'s' if n != 1 else ''}, valid")
    return 0


def _silence(args: argparse.Namespace, settings: Any) -> int:
    from datetime import timedelta

    from alerts.store import AlertStore

    matchers = {}
    for m in args.match:
        label, sep, value = m.partition("=")
        if not sep or not label or not value:
            print(f"--match {m!r}: write label=value, e.g. domain=river", file=sys.stderr)
            return 2
        matchers[label] = value
    now = _now()
    store = AlertStore.for_settings(settings)
    try:
        s = store.add_silence(
            kind="maintenance" if args.maintenance else "silence",
            matchers=matchers,
            starts_at=now,
            ends_at=now + timedelta(minutes=args.minutes),
            who=args.who,
            at=now,
            comment=args.comment,
        )
    except ValueError as err:
        print(err, file=sys.stderr)
        return 2
    finally:
        store.close()
    print(f"{s.kind} {s.id} until {s.ends_at:%Y-%m-%d %H:%M} UTC: {s.matchers}")
    return 0


def _silences(args: argparse.Namespace, settings: Any) -> int:
    from alerts.store import AlertStore

    store = AlertStore.for_settings(settings)
    try:
        found = store.silences(None if args.all else _now())
    finally:
        store.close()
    for s in found:
        print(
            f"{s.id} {s.kind:<11} {s.starts_at:%Y-%m-%d %H:%M} → {s.ends_at:%Y-%m-%d %H:%M} "
            f"{s.who}: {s.matchers} {s.comment}"
        )
    print(f"{len(found)} silence(s) and maintenance window(s)")
    return 0


def _data_service(settings: Any) -> Any:
    from data_adapters.node import open_node
    from services.cache import make_cache
    from services.data import DataService

    return DataService(open_node(settings), make_cache(settings))


def _run(args: argparse.Namespace, settings: Any) -> int:
    from dataclasses import replace

    from alerts.config import RuleSetError
    from alerts.engine import for_settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s alerts: %(message)s")
    if args.interval is not None:
        settings = replace(settings, alert_interval=args.interval)
    try:
        engine = for_settings(settings, _data_service(settings), _now)
    except RuleSetError as err:
        print("\n".join(err.errors), file=sys.stderr)
        return 1

    def _stop(_sig: int, _frame: FrameType | None) -> None:
        engine.halt()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    print(
        f"alert engine {engine.holder}: {len(engine.rules.rules)} rules every "
        f"{engine.interval_s:g} s",
        flush=True,
    )
    engine.run(once=args.once)
    if args.once and engine.last is None:
        print("another evaluator holds the lease: nothing evaluated", flush=True)
    elif engine.last is not None:
        r = engine.last
        print(
            f"last tick {r.at:%H:%M:%S}: {r.evaluated}/{r.rules} rules, {r.candidates} "
            f"candidates, steps {r.steps or '{}'}, {r.seconds:.2f} s",
            flush=True,
        )
    engine.stop()
    return 0


def add_parser(sub: Any, settings_of: Callable[[argparse.Namespace], Any]) -> None:
    """The `alerts` command under the main parser's subcommands."""
    p = sub.add_parser("alerts", help="the alert engine: list, check-rules, run")
    cmds = p.add_subparsers(dest="alerts_command", required=True)

    def wire(s: argparse.ArgumentParser, fn: Callable[[argparse.Namespace, Any], int]) -> None:
        s.add_argument("--data-dir")
        s.set_defaults(run=lambda args: fn(args, settings_of(args)))

    s = cmds.add_parser("list", help="current alerts (not closed), newest first")
    s.add_argument("--json", action="store_true", help="a JSON list")
    s.add_argument("--all", action="store_true", help="closed alerts too")
    wire(s, _list)
    s = cmds.add_parser("check-rules", help="validate a rule file (exit 1 with its errors)")
    s.add_argument("file")
    wire(s, _check)
    s = cmds.add_parser("silence", help="silence matching alerts, or hold a maintenance window")
    s.add_argument("--match", action="append", required=True, help="label=value (repeatable)")
    s.add_argument("--minutes", type=float, required=True)
    s.add_argument("--who", required=True)
    s.add_argument("--maintenance", action="store_true", help="do not evaluate, not just mute")
    s.add_argument("--comment", default="")
    wire(s, _silence)
    s = cmds.add_parser("silences", help="silences and maintenance windows in force")
    s.add_argument("--all", action="store_true", help="past and future ones too")
    wire(s, _silences)
    s = cmds.add_parser("run", help="evaluate the rules on a schedule (one per deployment)")
    s.add_argument("--interval", type=float, help="seconds between ticks (BRAIN_ALERT_INTERVAL_S)")
    s.add_argument("--once", action="store_true", help="one tick, then exit")
    s.add_argument("--data-url")
    wire(s, _run)
