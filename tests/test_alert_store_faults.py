"""The alert store's faults (issue 16, point 4): locked by another process, its disk full, its
server unreachable. Each time the officer's step fails within a bounded time with a clear error
(`StoreUnavailable`, shown by the duty console in words, not as a Dash error), nothing of it is
written, the steps before it and the audit stay whole, and the same step succeeds, recorded
once, when the fault is gone. The evaluator outlives each: a tick fails into one logged error
and the next tick does the work, with no alert raised twice or missed."""

from __future__ import annotations

import contextvars
import errno
import logging
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import adapter_fixtures as fx
import pytest
import sqlalchemy as sa
from alert_fixtures import T0, pg_schema_url, sqlite_url
from dash import no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict, stringify_id
from dash.html import Div
from flask import Flask, g

import callbacks.duty as duty_callbacks
from alerts import store as alert_store
from alerts.config import load_rules
from alerts.engine import Engine
from alerts.schema import BUSY_TIMEOUT_S
from alerts.store import AlertStore, NewAlert, StoreUnavailable
from config import Settings
from data_adapters.node import LakeNode
from layouts.duty_detail import outcome_message
from layouts.i18n import t
from layouts.ids import DUTY
from security import Role, User
from services import duty
from services.cache import make_cache
from services.data import DataService

MINUTE = timedelta(minutes=1)


def _new(entity: str = "unit-7") -> NewAlert:
    return NewAlert(
        rule="fire.confirmed",
        domain="fire",
        severity="II",
        group_key=entity,
        district="440802",
        entity=entity,
        lon=110.36,
        lat=21.27,
        message_zh="重点单位火警",
        message_en="Fire at a key unit",
        firing=True,
    )


def _text(component: Any) -> str:
    """The words of a Dash component tree."""
    if isinstance(component, str | int | float):
        return str(component)
    children = getattr(component, "children", None)
    if children is None:
        return ""
    if isinstance(children, list | tuple):
        return "".join(_text(c) for c in children)
    return _text(children)


def _integrity(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return str(con.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        con.close()


def _steps(store: AlertStore, alert_id: str) -> list[tuple[str, str, str]]:
    return [(a.step, a.who, a.note) for a in store.history(alert_id)]


# ── locked ──────────────────────────────────────────────────────────────────────────────────

_HOLD = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN EXCLUSIVE")
print("held", flush=True)
sys.stdin.readline()
con.execute("COMMIT")
print("released", flush=True)
"""


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Another process holds the SQLite database with BEGIN EXCLUSIVE until the block ends."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdin is not None and holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == "held"
        yield
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "released"
        assert holder.wait(10) == 0
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(10)


@pytest.fixture
def lite(tmp_path: Path) -> Iterator[AlertStore]:
    store = AlertStore(sqlite_url(tmp_path))
    yield store
    store.close()


def test_a_locked_store_says_so_within_its_busy_timeout_and_the_step_succeeds_after(
    lite: AlertStore, tmp_path: Path
) -> None:
    a = lite.raise_alert(_new(), at=T0)
    quick = AlertStore(sqlite_url(tmp_path), busy_timeout_s=0.5)  # a second worker's store
    try:
        with _locked(tmp_path / "store.db"):
            started = time.monotonic()
            with pytest.raises(StoreUnavailable) as raised:
                lite.act(a.id, "acknowledge", who="duty-li", at=T0 + MINUTE, version=a.version)
            waited = time.monotonic() - started
            assert raised.value.cause == "locked"
            assert "locked by another process" in str(raised.value)
            assert "database is locked" in str(raised.value)
            assert BUSY_TIMEOUT_S - 0.5 <= waited < BUSY_TIMEOUT_S + 5  # bounded: not a hang
            # the console: the officer is told in words, in either language
            outcome = duty.act(
                quick, a.id, "acknowledge", who="duty-li", at=T0 + MINUTE, version=a.version
            )
            assert (outcome.kind, outcome.reason, outcome.ok) == ("unavailable", "locked", False)
            zh = outcome_message(outcome, "acknowledge", "zh")
            assert _text(zh) == t("duty.msg.unavailable_locked", "zh")
            assert "告警库正被其他进程锁定" in _text(zh) and getattr(zh, "role", None) == "alert"
            assert "locked by another process" in _text(outcome_message(outcome, "note", "en"))
            # the other steps of the console say the same, none writes
            assert duty.push(
                quick, a.id, who="duty-li", at=T0 + MINUTE, minutes=5, version=a.version
            ) == duty.Outcome("unavailable", reason="locked")
            assert duty.tick(quick, a.id, "s1", who="duty-li", at=T0 + MINUTE).kind == (
                "unavailable"
            )
            assert duty.write_handover(quick, who="duty-li", at=T0, summary="交接") == (
                "unavailable",
                None,
                "locked",
            )
        # released: nothing of the refused steps was written, and the same step goes through
        assert _steps(lite, a.id) == [("fire", "engine", "")]
        assert lite.get(a.id).version == a.version
        done = duty.act(
            quick, a.id, "acknowledge", who="duty-li", at=T0 + 2 * MINUTE, version=a.version
        )
        assert done.ok and done.alert is not None and done.alert.handling == "acknowledged"
        assert [s for s in lite.audit() if s.step == "acknowledge"] == [lite.history(a.id)[-1]]
        assert _steps(lite, a.id) == [("fire", "engine", ""), ("acknowledge", "duty-li", "")]
        assert lite.handovers() == [] and lite.sop_ticks(a.id) == {}
        assert _integrity(tmp_path / "store.db") == "ok"
    finally:
        quick.close()


@contextmanager
def _console(url: str, who: str | None = "duty-li") -> Iterator[Flask]:
    """A request to the duty console's callbacks: the app's settings and clock, `who` signed in."""
    app = Flask(__name__)
    app.config["BRAIN_SETTINGS"] = SimpleNamespace(store_database_url=url)
    app.extensions["brain.clock"] = lambda: T0 + 3 * MINUTE
    with app.test_request_context("/_dash-update-component"):
        if who is not None:
            g.brain_user = User(who, Role.DUTY)
        yield app


def _clicked(component_id: dict[str, str], call: Callable[[], Any]) -> Any:
    """`call` as Dash would run it after a click on `component_id`."""

    def run() -> Any:
        prop = f"{stringify_id(component_id)}.n_clicks"
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop, "value": 1}]))
        return call()

    return contextvars.copy_context().run(run)


def test_the_console_shows_the_store_s_message_not_a_dash_error(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    store = AlertStore.shared(url)  # the store the console's callbacks use
    a = store.raise_alert(_new(), at=T0)
    try:
        with _console(url), _locked(tmp_path / "store.db"):
            told, acted, note = _clicked(
                DUTY.step("acknowledge"),
                lambda: duty_callbacks.act([1], {"id": a.id}, a.version, "到场", None, 4, "zh"),
            )
            assert isinstance(told, Div) and "告警库正被其他进程锁定" in _text(told)
            assert (acted, note) == (5, no_update)  # the note is kept to resend
            rows, loud, count = duty_callbacks.refresh_list(0, None, None, "open", None, 0, "en")
            assert (rows, loud) == (no_update, no_update)
            assert "locked by another process" in _text(count)
            card = duty_callbacks.show_alert({"id": a.id}, 0, 0, "zh")[0]
            assert "告警库正被其他进程锁定" in _text(card)
        with _console(url):
            told, acted, note = _clicked(
                DUTY.step("acknowledge"),
                lambda: duty_callbacks.act([1], {"id": a.id}, a.version, "到场", None, 5, "zh"),
            )
            assert "已完成" in _text(told) and (acted, note) == (6, "")
        assert _steps(store, a.id) == [("fire", "engine", ""), ("acknowledge", "duty-li", "到场")]
    finally:
        with alert_store._shared_lock:
            alert_store._shared.pop(url, None)
        store.close()


# ── full ────────────────────────────────────────────────────────────────────────────────────


def _limit_pages(store: AlertStore, pages: Callable[[], int]) -> None:
    """Every connection of `store` may grow its database to `pages()` pages and no further
    (SQLite's max_page_count: SQLITE_FULL, as on a full disk)."""

    def cap(dbapi_con: Any, _record: Any) -> None:
        dbapi_con.execute(f"PRAGMA max_page_count={pages()}")

    sa.event.listen(store.engine, "connect", cap)
    store.engine.dispose()  # the pooled connections open again, capped


def _fill(store: AlertStore, alert_id: str, *, limit: int = 2000) -> tuple[int, duty.Outcome]:
    """Notes on the alert until the store refuses one: (the version it was refused at, outcome)."""
    version = store.get(alert_id).version
    for i in range(limit):
        outcome = duty.act(
            store, alert_id, "note", who="duty-li", at=T0 + MINUTE, version=version, note=f"{i:04}"
        )
        if not outcome.ok:
            return version, outcome
        assert outcome.alert is not None
        version = outcome.alert.version
    raise AssertionError(f"{limit} notes and the store is still not full")


def _after_full(store: AlertStore, path: Path, alert_id: str, version: int) -> int:
    """A store refused a step at `version` for want of space: the steps before are all there,
    nothing of the refused one, and the database is whole. The number of notes kept."""
    notes = [a for a in store.history(alert_id) if a.step == "note"]
    assert [a.note for a in notes] == [f"{i:04}" for i in range(len(notes))]
    assert store.get(alert_id).version == version
    assert [a.version for a in store.history(alert_id)] == list(range(1, version + 1))
    assert _integrity(path) == "ok"
    return len(notes)


def test_a_store_that_cannot_grow_says_it_is_full_and_loses_nothing(
    lite: AlertStore, tmp_path: Path
) -> None:
    a = lite.raise_alert(_new(), at=T0)
    lite.act(a.id, "acknowledge", who="duty-li", at=T0, version=1)
    with lite.engine.connect() as conn:
        used = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())
    cap = {"pages": used + 2}
    _limit_pages(lite, lambda: cap["pages"])
    version, outcome = _fill(lite, a.id)
    assert (outcome.kind, outcome.reason) == ("unavailable", "full")
    assert "告警库已满" in _text(outcome_message(outcome, "note", "zh"))
    with pytest.raises(StoreUnavailable, match="the alert store is full") as raised:
        lite.act(a.id, "note", who="duty-li", at=T0 + MINUTE, version=version, note="x")
    assert raised.value.cause == "full" and "full" in raised.value.detail
    kept = _after_full(lite, tmp_path / "store.db", a.id, version)
    assert kept >= 1  # it did hold some before it filled
    assert lite.alerts()[0].handling == "acknowledged"  # reads go on
    cap["pages"] = used + 200  # space freed
    lite.engine.dispose()
    again = duty.act(lite, a.id, "note", who="duty-li", at=T0 + MINUTE, version=version, note="x")
    assert again.ok
    assert [s.note for s in lite.audit() if s.note == "x"] == ["x"]
    assert lite.get(a.id).version == version + 1
    assert _integrity(tmp_path / "store.db") == "ok"


def _can_mount() -> bool:
    return sys.platform == "linux" and os.geteuid() == 0


@contextmanager
def _small_disk(folder: Path, size: str = "2m") -> Iterator[Path]:
    """A tmpfs of `size` mounted at `folder` (root only)."""
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)
        if os.path.ismount(folder):
            subprocess.run(["umount", "-l", str(folder)], check=False)


def _fill_disk(path: Path) -> None:
    with path.open("wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC


@pytest.mark.skipif(not _can_mount(), reason="mounting a small tmpfs needs root on Linux")
def test_a_full_disk_says_the_store_is_full_and_loses_nothing(tmp_path: Path) -> None:
    with _small_disk(tmp_path / "disk") as disk:
        store = AlertStore(sqlite_url(disk))
        try:
            a = store.raise_alert(_new(), at=T0)
            first = duty.act(store, a.id, "note", who="duty-li", at=T0, version=1, note="0000")
            assert first.ok
            _fill_disk(disk / "filler")
            version, outcome = _fill(store, a.id)
            assert (outcome.kind, outcome.reason) == ("unavailable", "full")
            assert "the alert store is full" in _text(outcome_message(outcome, "note", "en"))
            assert _after_full(store, disk / "store.db", a.id, version) >= 1
            assert store.alerts()[0].id == a.id  # the list still reads
            (disk / "filler").unlink()  # space freed
            again = duty.act(
                store, a.id, "note", who="duty-li", at=T0 + MINUTE, version=version, note="x"
            )
            assert again.ok
            assert [s.note for s in store.audit() if s.note == "x"] == ["x"]
            assert _integrity(disk / "store.db") == "ok"
        finally:
            store.close()


# ── PostgreSQL unreachable ──────────────────────────────────────────────────────────────────


class _Relay:
    """A TCP relay to the PostgreSQL server that can be cut (the server unreachable: every
    connection broken, connecting refused) and put back on the same port."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        if self._listener is not None:
            with suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            broken, self._open = self._open, []
        for s in broken:
            with suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()


def test_an_unreachable_server_is_said_at_once(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="cannot be reached") as raised:
        AlertStore(f"postgresql://postgres@127.0.0.1:{port}/test")
    assert raised.value.cause == "unreachable"
    assert time.monotonic() - started < 5


def test_a_server_that_does_not_answer_times_out(tmp_path: Path) -> None:
    with socket.socket() as silent:  # accepts the connection (the kernel does), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as raised:
            AlertStore(f"postgresql://postgres@127.0.0.1:{port}/test")
        waited = time.monotonic() - started
    assert raised.value.cause == "unreachable"
    assert 4 <= waited < 15, waited  # the connect timeout (5 s), not a hang


def test_the_server_lost_mid_session_then_back(pg_url: str) -> None:
    target = sa.make_url(pg_url)
    relay = _Relay(target.host or "127.0.0.1", target.port or 5432)
    relay.start()
    with pg_schema_url(pg_url) as url:
        via = sa.make_url(url).set(host="127.0.0.1", port=relay.port)
        store = AlertStore(via.render_as_string(hide_password=False))
        try:
            a = store.raise_alert(_new(), at=T0)
            relay.cut()
            started = time.monotonic()
            outcome = duty.act(
                store, a.id, "acknowledge", who="duty-li", at=T0 + MINUTE, version=a.version
            )
            assert (outcome.kind, outcome.reason) == ("unavailable", "unreachable")
            assert time.monotonic() - started < 10
            assert "无法连接告警库" in _text(outcome_message(outcome, "acknowledge", "zh"))
            with pytest.raises(StoreUnavailable, match="cannot be reached"):
                store.alerts()
            relay.start()  # back, on the same port
            done = duty.act(
                store, a.id, "acknowledge", who="duty-li", at=T0 + MINUTE, version=a.version
            )
            assert done.ok, done
            assert [(s.step, s.who) for s in store.history(a.id)] == [
                ("fire", "engine"),
                ("acknowledge", "duty-li"),
            ]
            # the step retried once more (say its answer was lost): told, not written twice
            twice = duty.act(
                store, a.id, "acknowledge", who="duty-li", at=T0 + MINUTE, version=a.version
            )
            assert twice.kind == "conflict" and twice.by == "duty-li"
            assert len(store.history(a.id)) == 2
        finally:
            store.close()
            relay.cut()


def test_a_row_locked_by_another_session_is_said_within_the_lock_timeout(pg_url: str) -> None:
    with pg_schema_url(pg_url) as url:
        store = AlertStore(url, busy_timeout_s=1)
        other = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        try:
            a = store.raise_alert(_new(), at=T0)
            with other.begin() as conn:  # a stuck session holds the alert's row
                conn.exec_driver_sql("SELECT 1 FROM alert_alert FOR UPDATE")
                started = time.monotonic()
                outcome = duty.act(
                    store, a.id, "acknowledge", who="duty-li", at=T0 + MINUTE, version=a.version
                )
                assert (outcome.kind, outcome.reason) == ("unavailable", "locked")
                assert 0.9 <= time.monotonic() - started < 6
            assert [s.step for s in store.history(a.id)] == ["fire"]
            done = duty.act(
                store, a.id, "acknowledge", who="duty-li", at=T0 + MINUTE, version=a.version
            )
            assert done.ok and [s.step for s in store.history(a.id)] == ["fire", "acknowledge"]
        finally:
            other.dispose()
            store.close()


# ── the evaluator ───────────────────────────────────────────────────────────────────────────

RULES = load_rules()


def _data(node: LakeNode, tmp_path: Path) -> DataService:
    return DataService(node, make_cache(Settings(data_dir=tmp_path, cache_url="null")))


class _Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _live(store: AlertStore) -> list[tuple[str, str]]:
    return sorted((a.rule, a.group_key) for a in store.alerts())


def _expected(lake_node: LakeNode, tmp_path: Path) -> list[tuple[str, str]]:
    """What one tick on the fixture data raises on a healthy store."""
    folder = tmp_path / "healthy"
    folder.mkdir()
    store = AlertStore(sqlite_url(folder))
    try:
        Engine(store, _data(lake_node, tmp_path), RULES, clock=_Clock(fx.NOW), interval_s=5).run(
            once=True
        )
        return _live(store)
    finally:
        store.close()


def _tick_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "alerts.engine" and r.levelno >= logging.ERROR
    ]


def test_the_evaluator_outlives_a_locked_store(
    lake_node: LakeNode, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    expected = _expected(lake_node, tmp_path)
    assert expected  # the fixture data does raise alerts
    store = AlertStore(sqlite_url(tmp_path), busy_timeout_s=0.5)
    clock = _Clock(fx.NOW)
    engine = Engine(store, _data(lake_node, tmp_path), RULES, clock=clock, interval_s=5)
    try:
        caplog.set_level(logging.INFO, logger="alerts.engine")
        with _locked(tmp_path / "store.db"):
            engine.run(once=True)
        (error,) = _tick_errors(caplog)
        assert error.startswith("alert tick failed: the alert store is locked by another process")
        assert store.alerts() == []
        caplog.clear()
        clock.at = fx.NOW + timedelta(seconds=5)
        engine.run(once=True)
        assert _tick_errors(caplog) == []
        assert _live(store) == expected
        assert engine.last is not None and sum(engine.last.steps.values()) == len(expected)
    finally:
        store.close()


def test_the_evaluator_outlives_a_full_store(
    lake_node: LakeNode, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    expected = _expected(lake_node, tmp_path)
    store = AlertStore(sqlite_url(tmp_path))
    with store.engine.connect() as conn:
        used = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())
    cap = {"pages": used + 2}
    _limit_pages(store, lambda: cap["pages"])
    for i in range(2000):  # filled up by silences that match nothing
        try:
            store.add_silence(
                kind="silence",
                matchers={"rule": "test.nothing"},
                starts_at=T0,
                ends_at=T0 + MINUTE,
                who="admin",
                at=T0,
                comment=f"{i:04}",
            )
        except StoreUnavailable as exc:
            assert exc.cause == "full"
            break
    else:
        raise AssertionError("2000 silences and the store is still not full")
    clock = _Clock(fx.NOW)
    engine = Engine(store, _data(lake_node, tmp_path), RULES, clock=clock, interval_s=5)
    try:
        caplog.set_level(logging.INFO, logger="alerts.engine")
        engine.run(once=True)
        (error,) = _tick_errors(caplog)
        assert error.startswith("alert tick failed: the alert store is full")
        assert len(_live(store)) < len(expected)  # the tick stopped part way, or at its start
        assert _integrity(tmp_path / "store.db") == "ok"
        caplog.clear()
        cap["pages"] = used + 2000  # space freed
        store.engine.dispose()
        clock.at = fx.NOW + timedelta(seconds=5)
        engine.run(once=True)
        assert _tick_errors(caplog) == []
        assert _live(store) == expected  # each once: none missing, none twice
        assert len(store.live()) == len(expected)
    finally:
        store.close()


def test_store_unavailable_names_its_cause() -> None:
    for cause in StoreUnavailable.CAUSES:
        exc = StoreUnavailable(cause, "why")
        assert exc.cause == cause and str(exc).endswith("why; nothing was written, try again")
        for lang in ("zh", "en"):
            told = _text(outcome_message(duty.Outcome("unavailable", reason=cause), "note", lang))
            assert told == t(f"duty.msg.unavailable_{cause}", lang) and told
    with pytest.raises(KeyError):
        StoreUnavailable("tired", "why")
