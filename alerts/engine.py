"""The alert evaluator: one per deployment, however many processes run it.

Every `interval_s` (sooner when new data lands) each engine tries to take the store's lease
(`AlertStore.acquire_lease`); the one holding it evaluates the tick: it reads the snapshots the
rules need (`alerts.sources`), evaluates every rule (`brain.rule_kinds`), plans the lifecycle
steps (`brain.rules.plan`) under the silences and maintenance windows in force, writes them to
the store and queues notifications (an alert that fires, escalates while firing, or resolves).
The others wait; when the holder dies its lease runs out after `lease_s` (three intervals) and
another takes over. `python -m brain alerts run` runs one in the foreground; `start_for_app`
runs one in a daemon thread of a web process (`serve`, each gunicorn worker).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from alerts.config import DEFAULT_RULES, load_rules
from alerts.notify import Webhook
from alerts.sources import snapshot
from alerts.store import Alert, AlertStore, NewAlert, Silence, StoreUnavailable
from brain.rule_kinds import evaluate
from brain.rules import Candidate, RuleSet, Step, plan
from data_adapters.schema import table

__all__ = ["Engine", "TickReport", "labels_of", "start_for_app"]

log = logging.getLogger(__name__)
LEASE_INTERVALS = 3  # the lease outlives this many intervals without renewal
WAKE_S = 0.25  # how often a waiting engine looks for new data (a few dozen stats)
STEP_S = 1  # the engine asks its queries at times floored to this step at most
MIN_LEASE_S = 15.0
# sources whose last good rows stand in when the node cannot be asked: the feeds' newest times
# as last seen, so the stale rules count their age on and say a feed went quiet when the data
# node itself is down (every other source's rules wait for an answer)
KEPT_WHEN_DOWN = frozenset({"health.feeds"})


def labels_of(a: Alert) -> dict[str, str | None]:
    """The labels silences and maintenance windows match on."""
    return {
        "rule": a.rule,
        "domain": a.domain,
        "severity": a.severity,
        "district": a.district,
        "entity": a.entity,
        "group": a.group_key,
    }


@dataclass(frozen=True)
class TickReport:
    at: datetime
    rules: int  # rules in the set
    evaluated: int  # rules whose sources answered
    candidates: int
    steps: dict[str, int]  # action → how many
    seconds: float
    sources_s: float  # of which reading the snapshots
    read: int = 0  # sources read afresh (a wake tick reuses the others' rows: `Engine.tick`)


class Engine:
    """An evaluator of `rules` over the data service `data`, writing to `store`."""

    def __init__(
        self,
        store: AlertStore,
        data: Any,
        rules: RuleSet,
        *,
        clock: Callable[[], datetime],
        interval_s: float,
        notifier: Webhook | None = None,
        holder: str | None = None,
        lease_s: float | None = None,
        changed: Callable[[], object] | None = None,
    ) -> None:
        if interval_s <= 0:
            raise ValueError("the alert interval must be positive")
        self.store = store
        self.data = data
        self.rules = rules
        self.clock = clock
        self.interval_s = interval_s
        self.notifier = notifier
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.lease_s = lease_s or max(MIN_LEASE_S, LEASE_INTERVALS * interval_s)
        self.last: TickReport | None = None
        # a stamp of the data node's content (None: unknown): a new stamp starts a tick early
        self.changed = changed
        self._seen: object = None  # the stamp the last tick began with
        self._rows: dict[str, Any] = {}  # each source's rows as the last tick read them
        self._full_at: float | None = None  # when the last tick that read every source began
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ── one tick ────────────────────────────────────────────────────────────────────────
    def tick(self) -> TickReport | None:
        """Evaluate once if this engine holds the lease (None when another one does).

        A tick within `interval_s` of the last full one (woken by new data) reads afresh only
        the sources of the domains whose tables changed since the last tick began; every rule
        is evaluated, the other sources' rows reused from the tick before (at most an interval
        old, as a tick on the schedule would have read them; `health.feeds` too, whose query
        reads every table, so a feed that comes back resolves its stale alert at the next full
        tick). When `health.feeds` has no answer (the node is down) its last rows stand in
        (`KEPT_WHEN_DOWN`)."""
        started = time.perf_counter()
        before = self._seen
        self._seen = self.changed() if self.changed is not None else None  # before any read
        now = self.clock()
        if not self.store.acquire_lease(self.holder, at=now, ttl_s=self.lease_s):
            return None
        catch_up = getattr(self.data, "catch_up", None)
        if catch_up is not None:  # what landed before this tick began counts in it
            catch_up()
        names = self._to_read(before, self._seen)
        if names == self.rules.sources:
            self._full_at = time.monotonic()
        fresh = snapshot(self.data, now, names)
        for name in KEPT_WHEN_DOWN & fresh.keys():
            if fresh[name] is None and self._rows.get(name) is not None:
                log.warning("alert source %s: no answer, its last rows kept", name)
                del fresh[name]
        self._rows = {**self._rows, **fresh}
        snap = {name: self._rows.get(name) for name in self.rules.sources}
        sources_s = time.perf_counter() - started
        report = self.evaluate(now, snap, started=started, sources_s=sources_s)
        self.last = replace(report, read=len(names))
        return self.last

    def _to_read(self, before: object, after: object) -> frozenset[str]:
        """The sources a tick must read afresh: all of them, unless the last full tick is less
        than an interval ago and the stamps say which tables changed (`_lake_stamp`)."""
        every = self.rules.sources
        recent = self._full_at is not None and time.monotonic() - self._full_at < self.interval_s
        if not (recent and isinstance(before, Mapping) and isinstance(after, Mapping)):
            return every
        domains: set[str] = set()
        for name in before.keys() | after.keys():
            if before.get(name) == after.get(name):
                continue
            try:
                domain = str(table(name).domain)
            except KeyError:  # a folder that is no table of the contract: read everything
                return every
            if domain == "health":  # districts, quarantine: every source may depend on them
                return every
            domains.add(domain)
        return frozenset(
            n for n in every if n.split(".")[0] in domains or self._rows.get(n) is None
        )

    def evaluate(
        self,
        now: datetime,
        snap: Any,
        *,
        started: float | None = None,
        sources_s: float = 0.0,
    ) -> TickReport:
        """Evaluate the rules over a snapshot already read and write the steps (the tick
        without its lease and its reads: `tick` does both first)."""
        started = time.perf_counter() if started is None else started
        candidates, evaluated = evaluate(self.rules, snap, now)
        in_force = self.store.silences(now)
        maintenance = [s for s in in_force if s.kind == "maintenance"]
        silences = [s for s in in_force if s.kind == "silence"]
        candidates = [c for c in candidates if not _matched(maintenance, c.labels)]
        live = self.store.live()
        steps = plan(
            self.rules.rules,
            candidates,
            live.values(),
            now,
            evaluated=evaluated,
            held=lambda a: _matched(maintenance, labels_of(a)),  # type: ignore[arg-type]
        )
        by_id = {a.id: a for a in live.values()}
        counts: dict[str, int] = {}
        for step in steps:
            self._apply(step, now, by_id, silences)
            counts[step.action] = counts.get(step.action, 0) + 1
        wanted = {c.key for c in candidates}
        for a in live.values():  # a silence ran out while its alert still fires: notify it now
            still = a.state == "firing" and (a.rule, a.group_key) in wanted
            if a.silenced and still and not _matched(silences, labels_of(a)):
                loud = self.store.engine_step(a, "update", at=now, values={"silenced": False})
                self._notify(loud, "firing")
                counts["unsilence"] = counts.get("unsilence", 0) + 1
        report = TickReport(
            now,
            len(self.rules.rules),
            len(evaluated),
            len(candidates),
            counts,
            time.perf_counter() - started,
            sources_s,
        )
        self.last = report
        return report

    def _apply(
        self, step: Step, now: datetime, live: dict[str, Alert], silences: Sequence[Silence]
    ) -> None:
        c = step.candidate
        if step.action == "raise":
            assert c is not None
            silenced = _matched(silences, c.labels)
            try:
                alert = self.store.raise_alert(_new(c, step.firing, silenced), at=now)
            except sa.exc.IntegrityError:  # another evaluator raised it meanwhile (lease lost)
                log.warning("alert %s/%s already live: skipped", c.rule, c.group_key)
                return
            if step.firing and not silenced:
                self._notify(alert, "firing")
            return
        assert step.alert_id is not None
        current = live[step.alert_id]
        if step.action == "fire":
            assert c is not None
            silenced = _matched(silences, c.labels)
            alert = self.store.engine_step(current, "fire", at=now, values={"silenced": silenced})
            if not silenced:
                self._notify(alert, "firing")
        elif step.action in ("escalate", "update"):
            assert c is not None
            values = {
                "severity": c.severity,
                "message_zh": c.message_zh,
                "message_en": c.message_en,
            }
            alert = self.store.engine_step(current, step.action, at=now, values=values)
            loud = not alert.silenced and not _matched(silences, labels_of(alert))
            if step.action == "escalate" and loud:  # the gateway hears of it again
                self._notify(alert, "escalated")
        else:  # resolve, expire
            alert = self.store.engine_step(current, step.action, at=now)
            if step.action == "resolve" and not current.silenced:
                self._notify(alert, "resolved")

    def _notify(self, alert: Alert, event: str) -> None:
        if self.notifier is not None:
            self.notifier.send(alert, event)

    # ── the schedule ────────────────────────────────────────────────────────────────────
    def run(self, *, once: bool = False) -> None:
        """Tick every `interval_s` until `stop()` (or once); a failing tick is logged and the
        next one tried: the evaluator must outlive a bad moment of a source or the store."""
        while not self._stop.is_set():
            t0 = time.monotonic()
            try:
                report = self.tick()
                if report is not None and report.steps:
                    log.info("alert tick: %s in %.2f s", report.steps, report.seconds)
            except StoreUnavailable as exc:  # locked, full, unreachable: said in one line
                log.error("alert tick failed: %s", exc)
            except Exception:  # the one broad catch: the loop keeps the schedule
                log.exception("alert tick failed")
            if once:
                return
            self._wait(t0)

    def _wait(self, t0: float) -> None:
        """Until the next tick: `interval_s` after the last one began, or sooner, at the first
        sign of data newer than the last tick began with (checked every `WAKE_S`; data that
        landed while that tick ran starts the next one at once), so an alarm is evaluated as it
        arrives."""
        while not self._stop.is_set():
            if self.changed is not None and self.changed() != self._seen:
                return
            left = self.interval_s - (time.monotonic() - t0)
            if left <= 0:
                return
            self._stop.wait(min(left, WAKE_S))

    def start(self) -> threading.Thread:
        """Run in a daemon thread."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self.run, name="alert-engine", daemon=True)
            self._thread.start()
        return self._thread

    def halt(self) -> None:
        """Ask the schedule to end after the tick under way (safe from a signal handler)."""
        self._stop.set()

    def stop(self, *, release: bool = True) -> None:
        """Stop the schedule; `release`: give the lease up so another engine takes over now."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
        if release:
            self.store.release_lease(self.holder)
        if self.notifier is not None:
            self.notifier.close()


def _matched(silences: Sequence[Silence], labels: Any) -> bool:
    return any(s.matches(labels) for s in silences)


def _new(c: Candidate, firing: bool, silenced: bool) -> NewAlert:
    return NewAlert(
        rule=c.rule,
        domain=c.domain,
        severity=c.severity,
        group_key=c.group_key,
        district=c.district,
        entity=c.entity,
        lon=c.lon,
        lat=c.lat,
        message_zh=c.message_zh,
        message_en=c.message_en,
        firing=firing,
        silenced=silenced,
    )


def for_settings(
    settings: Any, data: Any, clock: Callable[[], datetime], store: AlertStore | None = None
) -> Engine:
    """The engine the settings describe: their rule file, interval, store and webhook."""
    rules = load_rules(Path(settings.alert_rules) if settings.alert_rules else DEFAULT_RULES)
    store = store or AlertStore.for_settings(settings)
    hook = None
    if settings.alert_webhook_url:
        hook = Webhook(settings.alert_webhook_url, store, clock=clock)
    return Engine(
        store,
        data.stepping(STEP_S) if hasattr(data, "stepping") else data,
        rules,
        clock=clock,
        interval_s=settings.alert_interval_s,
        notifier=hook,
        changed=_lake_stamp(settings) if settings.embedded else None,
    )


def _lake_stamp(settings: Any) -> Callable[[], object]:
    """The last change of each of the embedded node's tables (folder name → modification time):
    a new batch file changes its table folder's modification time (a server engine gives no
    such sign; its engine keeps the interval alone)."""
    lake = Path(settings.lake_dir)

    def stamp() -> object:
        try:
            return {p.name: p.stat().st_mtime_ns for p in lake.iterdir() if p.is_dir()}
        except OSError:
            return None

    return stamp


def start_for_app(server: Any) -> Engine | None:
    """Start the evaluator thread of a web process (a Flask server made by `create_app`) when
    its settings say so (`BRAIN_ALERT_ENGINE`); kept in `server.extensions["brain.alert_engine"]`.
    Every process may run one: only the lease holder evaluates."""
    settings = server.config["BRAIN_SETTINGS"]
    if not settings.alert_engine:
        return None
    engine = server.extensions.get("brain.alert_engine")
    if engine is None:
        engine = for_settings(
            settings,
            server.extensions["brain.data"],
            server.extensions["brain.clock"],
            store=AlertStore.shared(settings.store_database_url),  # the console's and the wall's
        )
        server.extensions["brain.alert_engine"] = engine
        server.extensions.setdefault("brain.alerts", engine.store)  # /metrics counts its alerts
    engine.start()
    return engine  # type: ignore[no-any-return]
