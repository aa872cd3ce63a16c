"""The evaluator: the shipped rules over real sources (DuckDB and PostgreSQL), the lifecycle it
writes, silences and maintenance windows, a dead feed, one evaluator among several through the
lease (and handover when the holder dies), and the webhook against a real HTTP server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import adapter_fixtures as fx
import pytest
from alert_fixtures import open_store

from alerts.config import load_rules, parse_rules
from alerts.engine import Engine
from alerts.notify import Webhook
from alerts.sources import SOURCES, snapshot
from alerts.store import ENGINE, AlertStore, NewAlert
from config import Settings
from data_adapters.node import LakeNode, SqlNode
from services.cache import make_cache
from services.data import DataService

RULES = load_rules()
NOW = fx.NOW


class _Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _data(node: LakeNode | SqlNode, tmp_path: Path) -> DataService:
    return DataService(node, make_cache(Settings(data_dir=tmp_path, cache_url="null")))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[AlertStore]:
    with open_store("sqlite", tmp_path, None) as s:
        yield s


@pytest.fixture(params=["sqlite", "postgres"])
def both_stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AlertStore]:
    pg = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    with open_store(request.param, tmp_path, pg) as s:
        yield s


def test_every_source_answers_with_its_columns_on_both_nodes(
    node: LakeNode | SqlNode, tmp_path: Path
) -> None:
    snap = snapshot(_data(node, tmp_path), NOW, SOURCES)
    assert set(snap) == set(SOURCES)
    for name, rows in snap.items():
        assert rows is not None, name
        for row in rows:
            assert set(row) <= set(SOURCES[name]), name
    assert snap["fire.live"] and snap["radar.vessels"] and snap["traffic.roads"]
    with pytest.raises(ValueError, match="unknown alert sources"):
        snapshot(_data(node, tmp_path), NOW, ["fire.nothing"])


def test_the_shipped_rules_raise_the_alerts_the_fixture_data_holds(
    node: LakeNode | SqlNode, tmp_path: Path
) -> None:
    with open_store("sqlite", tmp_path, None) as store:
        engine = Engine(store, _data(node, tmp_path), RULES, clock=_Clock(NOW), interval_s=5)
        report = engine.tick()
        assert report is not None
        assert report.evaluated == len(RULES.rules)  # every source answered
        alerts = {(a.rule, a.group_key): a for a in store.alerts()}
        fire = alerts[("fire.confirmed", "U2")]
        assert (fire.state, fire.severity, fire.handling) == ("firing", "II", "new")
        assert fire.message_zh == "万达广场确认火警" and fire.district is not None
        assert fire.lon is not None and fire.lat is not None
        assert alerts[("fire.key_unit_roads_congested", "U2")].severity == "I"
        assert alerts[("river.below_target", "WS3")].severity == "III"  # 劣V
        assert alerts[("radar.restricted_entry", "412000001|Z1")].state == "pending"  # for: 1m
        assert alerts[("traffic.road_congested", "海滨大道")].state == "pending"  # for: 5m
        assert {a.domain for a in alerts.values()} >= {
            "traffic",
            "fire",
            "emergency",
            "river",
            "radar",
        }
        # the same data a tick later: deduplicated, nothing new
        engine.clock = _Clock(NOW + timedelta(seconds=5))
        again = engine.tick()
        assert again is not None and again.steps == {}
        assert len(store.alerts()) == len(alerts)


def _snap(roads: list[dict[str, Any]]) -> dict[str, Any]:
    return {"traffic.roads": roads}


ROAD_RULES = parse_rules(
    """
version: 1
rules:
  - id: traffic.road_congested
    domain: traffic
    kind: threshold
    source: traffic.roads
    params: {field: tpi, op: ">=", value: 6}
    severity: III
    escalate: [{when: {field: tpi, op: ">=", value: 8}, severity: II}]
    for: 5m
    group_by: [road_name]
    message: {zh: "{road_name}拥堵 {tpi:.1f}", en: "{road_name} congested {tpi:.1f}"}
"""
)
JAM = [{"road_name": "人民大道", "tpi": 7.0, "adcode": "440802", "lon": 110.36, "lat": 21.27}]


def test_pending_fires_after_its_for_duration_escalates_and_resolves(store: AlertStore) -> None:
    engine = Engine(store, None, ROAD_RULES, clock=_Clock(NOW), interval_s=5)
    engine.evaluate(NOW, _snap(JAM))
    (a,) = store.alerts()
    assert (a.state, a.severity, a.message_zh) == ("pending", "III", "人民大道拥堵 7.0")
    engine.evaluate(NOW + timedelta(minutes=4, seconds=59), _snap(JAM))
    assert store.get(a.id).state == "pending"
    engine.evaluate(NOW + timedelta(minutes=5), _snap(JAM))
    fired = store.get(a.id)
    assert (fired.state, fired.fired_at) == ("firing", NOW + timedelta(minutes=5))
    worse = [{**JAM[0], "tpi": 8.5}]
    engine.evaluate(NOW + timedelta(minutes=6), _snap(worse))
    assert (store.get(a.id).severity, store.get(a.id).message_en) == (
        "II",
        "人民大道 congested 8.5",
    )
    engine.evaluate(NOW + timedelta(minutes=7), _snap([]))
    done = store.get(a.id)
    assert (done.state, done.resolved_at, done.handling) == (
        "resolved",
        NOW + timedelta(minutes=7),
        "new",
    )
    assert [(h.step, h.who) for h in store.history(a.id)] == [
        ("raise", ENGINE),
        ("fire", ENGINE),
        ("escalate", ENGINE),
        ("resolve", ENGINE),
    ]
    # the condition comes back: a new alert, the old one kept for the record
    engine.evaluate(NOW + timedelta(minutes=8), _snap(JAM))
    assert len(store.alerts()) == 2 and len(store.live()) == 1


def test_a_pending_alert_whose_condition_goes_is_closed_unfired(store: AlertStore) -> None:
    engine = Engine(store, None, ROAD_RULES, clock=_Clock(NOW), interval_s=5)
    engine.evaluate(NOW, _snap(JAM))
    engine.evaluate(NOW + timedelta(minutes=1), _snap([]))
    (a,) = store.alerts()
    assert (a.state, a.handling, a.fired_at) == ("resolved", "closed", None)
    assert store.alerts(open_only=True) == []


def test_a_feed_that_does_not_answer_resolves_nothing(store: AlertStore) -> None:
    engine = Engine(store, None, ROAD_RULES, clock=_Clock(NOW), interval_s=5)
    engine.evaluate(NOW, _snap(JAM))
    report = engine.evaluate(NOW + timedelta(minutes=1), {"traffic.roads": None})
    assert report.evaluated == 0 and report.steps == {}
    assert store.alerts()[0].state == "pending"


def test_silences_mute_notification_and_maintenance_holds_evaluation(
    store: AlertStore, tmp_path: Path
) -> None:
    sent: list[tuple[str, str]] = []

    class _Recorder(Webhook):
        def __init__(self) -> None:  # the sending is tested below; here: what is sent
            pass

        def send(self, alert: Any, event: str) -> None:
            sent.append((alert.entity, event))

        def close(self) -> None:
            pass

    rules = replace(ROAD_RULES, rules=(replace(ROAD_RULES.rules[0], for_s=0.0),))
    engine = Engine(store, None, rules, clock=_Clock(NOW), interval_s=5, notifier=_Recorder())
    store.add_silence(
        kind="silence",
        matchers={"entity": "人民大道"},
        starts_at=NOW,
        ends_at=NOW + timedelta(hours=1),
        who="admin",
        at=NOW,
    )
    store.add_silence(
        kind="maintenance",
        matchers={"district": "440803"},
        starts_at=NOW,
        ends_at=NOW + timedelta(hours=1),
        who="admin",
        at=NOW,
        comment="霞山区信号机检修",
    )
    roads = [*JAM, {"road_name": "海滨大道", "tpi": 7.0, "adcode": "440811"}]
    roads.append({"road_name": "解放路", "tpi": 9.0, "adcode": "440803"})  # under maintenance
    engine.evaluate(NOW, _snap(roads))
    by_entity = {a.entity: a for a in store.alerts()}
    assert set(by_entity) == {"人民大道", "海滨大道"}
    assert by_entity["人民大道"].silenced and by_entity["人民大道"].state == "firing"
    assert sent == [("海滨大道", "firing")]  # the silenced one is listed, not notified
    engine.evaluate(NOW + timedelta(minutes=1), _snap([]))
    assert sent == [("海滨大道", "firing"), ("海滨大道", "resolved")]
    # after the window the road under maintenance raises its alert
    engine.evaluate(NOW + timedelta(hours=1), _snap(roads))
    assert "解放路" in {a.entity for a in store.alerts()}


def test_an_alert_still_firing_when_its_silence_ends_is_notified_then(store: AlertStore) -> None:
    sent: list[tuple[str, str]] = []

    class _Recorder(Webhook):
        def __init__(self) -> None:
            pass

        def send(self, alert: Any, event: str) -> None:
            sent.append((alert.entity, event))

        def close(self) -> None:
            pass

    rules = replace(ROAD_RULES, rules=(replace(ROAD_RULES.rules[0], for_s=0.0),))
    engine = Engine(store, None, rules, clock=_Clock(NOW), interval_s=5, notifier=_Recorder())
    until = NOW + timedelta(minutes=30)
    store.add_silence(
        kind="silence", matchers={"rule": rules.rules[0].id}, starts_at=NOW, ends_at=until,
        who="admin", at=NOW,
    )  # fmt: skip
    engine.evaluate(NOW, _snap(JAM))
    engine.evaluate(until - timedelta(seconds=5), _snap(JAM))
    assert sent == [] and store.alerts()[0].silenced
    report = engine.evaluate(until, _snap(JAM))
    assert report.steps == {"unsilence": 1}
    assert sent == [("人民大道", "firing")] and not store.alerts()[0].silenced
    engine.evaluate(until + timedelta(seconds=5), _snap(JAM))
    assert len(sent) == 1  # once
    engine.evaluate(until + timedelta(seconds=10), _snap([]))
    assert sent[-1] == ("人民大道", "resolved")


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_two_engines_on_one_store_exactly_one_evaluates_each_tick(
    kind: str, request: pytest.FixtureRequest, lake_node: LakeNode, tmp_path: Path
) -> None:
    pg = request.getfixturevalue("pg_url") if kind == "postgres" else None
    with open_store(kind, tmp_path, pg) as first:
        second = AlertStore(first.url)  # another process's connection
        clock = _Clock(NOW)
        data = _data(lake_node, tmp_path)
        engines = [
            Engine(s, data, RULES, clock=clock, interval_s=5, holder=h)
            for s, h in ((first, "worker-1"), (second, "worker-2"))
        ]
        try:
            evaluators = []
            for i in range(4):  # both tick at once, every 5 s
                clock.at = NOW + timedelta(seconds=5 * i)
                reports: dict[str, Any] = {}
                barrier = threading.Barrier(2)

                def run(e: Engine, barrier: threading.Barrier, reports: dict[str, Any]) -> None:
                    barrier.wait()
                    reports[e.holder] = e.tick()

                threads = [
                    threading.Thread(target=run, args=(e, barrier, reports)) for e in engines
                ]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(60)
                done = [h for h, r in reports.items() if r is not None]
                assert len(done) == 1, reports
                evaluators.append(done[0])
            assert len(set(evaluators)) == 1  # the holder keeps its lease
            holder = next(e for e in engines if e.holder == evaluators[0])
            other = next(e for e in engines if e is not holder)
            n = len(first.alerts())
            # the holder dies (stops ticking, lease not released): the other takes over once
            # the lease has run out, and carries on with the same alerts (no duplicates)
            clock.at = NOW + timedelta(seconds=15 + holder.lease_s - 1)
            assert other.tick() is None
            clock.at = NOW + timedelta(seconds=15 + holder.lease_s + 1)
            assert other.tick() is not None
            clock.at = NOW + timedelta(minutes=2)
            assert other.tick() is not None and holder.tick() is None
            assert first.lease_holder(clock.at) == other.holder
            assert len(first.alerts()) == n
            fired = [a for a in first.alerts() if a.rule == "radar.restricted_entry"]
            assert fired and fired[0].state == "firing"  # for: 1m passed under the new holder
        finally:
            second.close()


class _Gateway(BaseHTTPRequestHandler):
    """A gateway that fails the first `fail` requests with 503 (or hangs while `hold` is
    clear), and keeps the bodies it accepted."""

    fail = 0
    hold: threading.Event | None = None
    seen: ClassVar[list[dict[str, Any]]] = []
    tries = 0

    def do_POST(self) -> None:
        cls = type(self)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        cls.tries += 1
        if cls.hold is not None:
            cls.hold.wait(30)
        if cls.tries <= cls.fail:
            self.send_response(503)
            self.end_headers()
            return
        cls.seen.append(json.loads(body.decode("utf-8")))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def gateway() -> Iterator[tuple[str, type[_Gateway]]]:
    handler: type[_Gateway] = type(
        "Gateway", (_Gateway,), {"fail": 0, "hold": None, "seen": [], "tries": 0}
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", handler
    finally:
        if handler.hold is not None:
            handler.hold.set()
        server.shutdown()
        server.server_close()


def test_webhook_retries_with_back_off_and_records_every_attempt(
    store: AlertStore, gateway: tuple[str, type[_Gateway]]
) -> None:
    url, handler = gateway
    handler.fail = 2
    hook = Webhook(url, store, clock=_Clock(NOW), attempts=4, backoff_s=0.05)
    rules = replace(ROAD_RULES, rules=(replace(ROAD_RULES.rules[0], for_s=0.0),))
    engine = Engine(store, None, rules, clock=_Clock(NOW), interval_s=5, notifier=hook)
    try:
        engine.evaluate(NOW, _snap(JAM))
        assert hook.flush(30)
        (a,) = store.alerts()
        attempts = store.notifications(a.id)
        assert [(n.attempt, n.ok, n.status) for n in attempts] == [
            (1, False, 503),
            (2, False, 503),
            (3, True, 200),
        ]
        assert attempts[0].error == "HTTP 503" and attempts[0].url == url
        (body,) = handler.seen
        assert (body["event"], body["id"], body["severity"]) == ("firing", a.id, "III")
        assert body["message_zh"] == "人民大道拥堵 7.0" and body["district"] == "440802"
    finally:
        hook.close()


def test_webhook_gives_up_after_its_attempts_on_a_dead_gateway(store: AlertStore) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    hook = Webhook(
        f"http://127.0.0.1:{port}/", store, clock=_Clock(NOW), attempts=3, backoff_s=0.01
    )
    try:
        new = NewAlert("r.x", "fire", "II", "g", None, None, None, None, "z", "e", firing=True)
        a = store.raise_alert(new, at=NOW)
        hook.send(a, "firing")
        assert hook.flush(30)
        tries = store.notifications(a.id)
        assert [(n.attempt, n.ok, n.status) for n in tries] == [
            (1, False, None),
            (2, False, None),
            (3, False, None),
        ]
        assert "Connection" in tries[0].error or "refused" in tries[0].error.lower()
    finally:
        hook.close()


def test_a_hanging_gateway_does_not_hold_evaluation(
    store: AlertStore, gateway: tuple[str, type[_Gateway]]
) -> None:
    url, handler = gateway
    handler.hold = threading.Event()  # the gateway answers nothing until released
    hook = Webhook(url, store, clock=_Clock(NOW), attempts=1, timeout_s=30)
    rules = replace(ROAD_RULES, rules=(replace(ROAD_RULES.rules[0], for_s=0.0),))
    engine = Engine(store, None, rules, clock=_Clock(NOW), interval_s=5, notifier=hook)
    try:
        for i in range(3):  # three ticks while the gateway hangs
            roads = [{**JAM[0], "road_name": f"路{i}"}]
            engine.evaluate(NOW + timedelta(seconds=5 * i), _snap(roads))
        assert len(store.alerts()) == 3  # every tick evaluated and written
        assert not handler.seen and store.notifications() == []  # still hanging
        handler.hold.set()
        assert hook.flush(30)
        events = sorted(b["event"] for b in handler.seen)  # each road fired, two resolved
        assert events == ["firing"] * 3 + ["resolved"] * 2
    finally:
        handler.hold.set()
        hook.close()


def test_an_alert_escalating_while_firing_is_notified_again_and_audited(
    store: AlertStore, gateway: tuple[str, type[_Gateway]]
) -> None:
    from layouts.duty_detail import history_list
    from layouts.duty_grid import rows

    url, handler = gateway
    hook = Webhook(url, store, clock=_Clock(NOW), attempts=3, backoff_s=0.05)
    rules = replace(ROAD_RULES, rules=(replace(ROAD_RULES.rules[0], for_s=0.0),))
    engine = Engine(store, None, rules, clock=_Clock(NOW), interval_s=5, notifier=hook)
    worse = [{**JAM[0], "tpi": 8.5}]
    try:
        engine.evaluate(NOW, _snap(JAM))  # 黄 (III), firing at once
        assert hook.flush(30)
        handler.fail = handler.tries + 1  # the gateway refuses the next message once
        engine.evaluate(NOW + timedelta(minutes=1), _snap(worse))  # 黄 → 橙 (II)
        assert hook.flush(30)
        (a,) = store.alerts()
        assert (a.severity, a.state, a.escalated_at) == ("II", "firing", NOW + timedelta(minutes=1))
        assert [(b["event"], b["severity"]) for b in handler.seen] == [
            ("firing", "III"),
            ("escalated", "II"),
        ]
        assert handler.seen[1]["message_zh"] == "人民大道拥堵 8.5"
        assert handler.seen[1]["escalated_at"] == (NOW + timedelta(minutes=1)).isoformat()
        assert [(n.event, n.attempt, n.ok, n.status) for n in store.notifications(a.id)] == [
            ("firing", 1, True, 200),
            ("escalated", 1, False, 503),  # retried after its back-off, every attempt kept
            ("escalated", 2, True, 200),
        ]
        steps = [(h.step, h.who, h.note) for h in store.history(a.id)]
        assert steps == [("fire", ENGINE, ""), ("escalate", ENGINE, "III → II")]
        # back down to 黄: an update, not notified; up again: escalated and notified again
        engine.evaluate(NOW + timedelta(minutes=2), _snap(JAM))
        engine.evaluate(NOW + timedelta(minutes=3), _snap(worse))
        assert hook.flush(30)
        assert [b["event"] for b in handler.seen] == ["firing", "escalated", "escalated"]
        assert [h.step for h in store.history(a.id)][2:] == ["update", "escalate"]
        # the console: the level marked as risen, the step in the alert's history
        a = store.get(a.id)
        (row,) = rows([a], [], {}, NOW + timedelta(minutes=3), "zh")
        assert row["severity_text"] == "II 橙 ↑" and row["escalated"]
        shown = str(history_list(store.history(a.id), NOW + timedelta(minutes=3), "zh"))
        assert "引擎升级" in shown and "III → II" in shown
        assert "Engine: escalated" in str(history_list(store.history(a.id), NOW, "en"))
    finally:
        hook.close()


def test_a_pending_alert_that_rises_fires_once_with_its_new_severity(
    store: AlertStore, gateway: tuple[str, type[_Gateway]]
) -> None:
    url, handler = gateway
    hook = Webhook(url, store, clock=_Clock(NOW), attempts=1)
    engine = Engine(store, None, ROAD_RULES, clock=_Clock(NOW), interval_s=5, notifier=hook)
    try:
        engine.evaluate(NOW, _snap(JAM))  # pending (for: 5m)
        engine.evaluate(NOW + timedelta(minutes=5), _snap([{**JAM[0], "tpi": 8.5}]))
        assert hook.flush(30)
        (a,) = store.alerts()
        assert (a.state, a.severity, a.escalated_at) == ("firing", "II", None)
        assert [(b["event"], b["severity"]) for b in handler.seen] == [("firing", "II")]
        assert [h.step for h in store.history(a.id)] == ["raise", "update", "fire"]
    finally:
        hook.close()


def test_a_silenced_alert_escalates_without_a_notification(store: AlertStore) -> None:
    sent: list[str] = []

    class _Recorder(Webhook):
        def __init__(self) -> None:
            pass

        def send(self, alert: Any, event: str) -> None:
            sent.append(event)

        def close(self) -> None:
            pass

    rules = replace(ROAD_RULES, rules=(replace(ROAD_RULES.rules[0], for_s=0.0),))
    engine = Engine(store, None, rules, clock=_Clock(NOW), interval_s=5, notifier=_Recorder())
    store.add_silence(
        kind="silence", matchers={"entity": "人民大道"}, starts_at=NOW,
        ends_at=NOW + timedelta(hours=1), who="admin", at=NOW,
    )  # fmt: skip
    engine.evaluate(NOW, _snap(JAM))
    engine.evaluate(NOW + timedelta(minutes=1), _snap([{**JAM[0], "tpi": 8.5}]))
    (a,) = store.alerts()
    assert a.severity == "II" and a.escalated_at is not None and sent == []


def test_an_acknowledged_alert_escalating_to_orange_is_to_be_acknowledged_again(
    both_stores: AlertStore,
) -> None:
    from services.duty import alarming

    store = both_stores

    rules = replace(ROAD_RULES, rules=(replace(ROAD_RULES.rules[0], for_s=0.0),))
    engine = Engine(store, None, rules, clock=_Clock(NOW), interval_s=5)
    worse = [{**JAM[0], "tpi": 8.5}]
    engine.evaluate(NOW, _snap(JAM))  # 黄 (III): firing, quiet
    (a,) = store.alerts()
    assert alarming([a]) == []
    a = store.act(a.id, "acknowledge", who="duty1", at=NOW, version=a.version)
    engine.evaluate(NOW + timedelta(minutes=1), _snap(worse))  # → 橙 (II)
    a = store.get(a.id)
    assert (a.severity, a.handling) == ("II", "new")
    assert alarming([a]) == [a.id]  # it sounds again ...
    a = store.act(a.id, "acknowledge", who="duty1", at=NOW, version=a.version)
    assert alarming([a]) == []  # ... until acknowledged at its new level
    # one assigned to a unit stays with it when it escalates
    engine.evaluate(NOW + timedelta(minutes=2), _snap(JAM))  # back to 黄: an update
    a = store.act(a.id, "assign", who="duty1", at=NOW, version=store.get(a.id).version,
                  assignee="霞山消防站")  # fmt: skip
    engine.evaluate(NOW + timedelta(minutes=3), _snap(worse))
    a = store.get(a.id)
    assert (a.severity, a.handling, a.assignee) == ("II", "assigned", "霞山消防站")
    steps = [(h.step, h.who) for h in store.history(a.id)]
    assert steps == [
        ("fire", ENGINE),
        ("acknowledge", "duty1"),
        ("escalate", ENGINE),
        ("acknowledge", "duty1"),
        ("update", ENGINE),
        ("assign", "duty1"),
        ("escalate", ENGINE),
    ]


def test_a_webhook_url_must_be_http(store: AlertStore) -> None:
    with pytest.raises(ValueError, match="http"):
        Webhook("file:///etc/passwd", store, clock=_Clock(NOW))


def test_a_web_process_starts_its_evaluator_thread(lake_node: LakeNode, tmp_path: Path) -> None:
    from flask import Flask

    from alerts.engine import start_for_app

    server = Flask(__name__)
    settings = Settings(data_dir=tmp_path, cache_url="null", alert_interval=0.2)
    server.config["BRAIN_SETTINGS"] = replace(settings, alert_engine=False)
    server.extensions.update({"brain.data": _data(lake_node, tmp_path), "brain.clock": _Clock(NOW)})
    assert start_for_app(server) is None  # BRAIN_ALERT_ENGINE=0
    server.config["BRAIN_SETTINGS"] = settings
    engine = start_for_app(server)
    assert engine is not None
    try:
        assert start_for_app(server) is engine  # one per process
        store = server.extensions["brain.alerts"]
        for _ in range(200):  # the thread ticks on its own: wait for its first tick's alerts
            if store.alerts():
                break
            threading.Event().wait(0.1)
        assert store.alerts() and store.lease_holder(NOW) == engine.holder
        assert (tmp_path / "store.db").is_file()  # BRAIN_DATA_DIR/store.db by default
    finally:
        engine.stop()
    assert store.lease_holder(NOW) is None  # released at a clean stop


def test_new_data_starts_the_next_tick_early_and_nothing_else_does() -> None:
    import threading
    import time as _time

    from alerts.engine import WAKE_S, Engine

    stamp = [0]
    engine = object.__new__(Engine)  # only the schedule is under test
    engine.interval_s, engine.changed, engine._stop = 30.0, lambda: stamp[0], threading.Event()
    engine._seen = 0  # what the last tick began with
    threading.Timer(0.3, lambda: stamp.__setitem__(0, 1)).start()  # a new batch file lands
    t0 = _time.monotonic()
    engine._wait(t0)
    assert _time.monotonic() - t0 < 0.3 + WAKE_S + 0.5  # not the 30 s interval
    engine.interval_s, engine._seen = 1.0, 1  # no new data: the interval alone
    t0 = _time.monotonic()
    engine._wait(t0)
    assert _time.monotonic() - t0 >= 1.0
