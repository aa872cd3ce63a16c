"""The alert store on SQLite and PostgreSQL: the handling lifecycle, optimistic concurrency (two
officers on one alert), the append-only audit, pushes to the wall, handovers, silences, the
evaluator's lease, and nothing lost when a writer is killed with SIGKILL mid-write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from alert_fixtures import T0, open_store, sqlite_url

from alerts.store import (
    ENGINE,
    AlertStore,
    Conflict,
    NewAlert,
    Notification,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AlertStore]:
    pg = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    with open_store(request.param, tmp_path, pg) as s:
        yield s


def _new(entity: str = "unit-7", severity: str = "II", firing: bool = True) -> NewAlert:
    return NewAlert(
        rule="fire.confirmed",
        domain="fire",
        severity=severity,
        group_key=entity,
        district="440802",
        entity=entity,
        lon=110.36,
        lat=21.27,
        message_zh="重点单位火警",
        message_en="Fire at a key unit",
        firing=firing,
    )


def test_the_handling_lifecycle_records_who_when_and_notes(store: AlertStore) -> None:
    a = store.raise_alert(_new(), at=T0)
    assert (a.state, a.handling, a.version) == ("firing", "new", 1)
    steps = [
        ("acknowledge", "duty-li", None, "acknowledged"),
        ("assign", "duty-li", "霞山消防站", "assigned"),
        ("dispose", "duty-li", None, "disposing"),
        ("note", "duty-wang", None, "disposing"),
        ("close", "duty-wang", None, "closed"),
    ]
    for i, (step, who, assignee, after) in enumerate(steps):
        at = T0 + timedelta(minutes=i + 1)
        a = store.act(
            a.id, step, who=who, at=at, version=a.version, note=f"{step} 备注", assignee=assignee
        )
        assert a.handling == after
        assert a.last_change == at
    assert a.assignee == "霞山消防站"
    assert a.version == 6
    history = store.history(a.id)
    assert [h.step for h in history] == ["fire", *[s[0] for s in steps]]
    assert [h.version for h in history] == [1, 2, 3, 4, 5, 6]
    assert history[0].who == ENGINE
    assert history[2].assignee == "霞山消防站" and history[2].note == "assign 备注"
    assert history[-1].who == "duty-wang"
    assert history[-1].at == T0 + timedelta(minutes=5)
    assert store.alerts(open_only=True) == []
    assert [x.id for x in store.alerts(handling="closed")] == [a.id]


def test_a_step_not_allowed_from_the_handling_now_is_refused(store: AlertStore) -> None:
    a = store.raise_alert(_new(), at=T0)
    with pytest.raises(ValueError, match="cannot dispose"):
        store.act(a.id, "dispose", who="li", at=T0, version=a.version)
    with pytest.raises(ValueError, match="cannot close"):
        store.act(a.id, "close", who="li", at=T0, version=a.version)
    with pytest.raises(ValueError, match="assignee"):
        store.act(a.id, "assign", who="li", at=T0, version=a.version)
    with pytest.raises(ValueError, match="unknown step"):
        store.act(a.id, "delete", who="li", at=T0, version=a.version)
    with pytest.raises(KeyError):
        store.act("nope", "acknowledge", who="li", at=T0, version=1)
    with pytest.raises(ValueError, match="naive"):
        store.act(a.id, "acknowledge", who="li", at=T0.replace(tzinfo=None), version=1)
    assert store.get(a.id).version == 1  # nothing half-done
    assert [h.step for h in store.history(a.id)] == ["fire"]


def test_two_officers_on_one_alert_cannot_both_win(store: AlertStore, tmp_path: Path) -> None:
    a = store.raise_alert(_new(), at=T0)
    other = AlertStore(store.url)  # a second client (another worker) on the same database
    try:
        barrier = threading.Barrier(2)
        results: dict[str, object] = {}

        def officer(name: str, s: AlertStore, step: str, assignee: str | None) -> None:
            barrier.wait()
            try:
                results[name] = s.act(
                    a.id, step, who=name, at=T0, version=a.version, assignee=assignee
                )
            except Conflict as e:
                results[name] = e

        threads = [
            threading.Thread(target=officer, args=("li", store, "acknowledge", None)),
            threading.Thread(target=officer, args=("wang", other, "assign", "坡头消防站")),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        conflicts = [v for v in results.values() if isinstance(v, Conflict)]
        winners = [k for k, v in results.items() if not isinstance(v, Conflict)]
        assert len(conflicts) == 1 and len(winners) == 1
        now = store.get(a.id)
        assert conflicts[0].current == now  # the loser is told what the alert is now
        assert now.version == 2
        assert [h.who for h in store.history(a.id)] == [ENGINE, winners[0]]
    finally:
        other.close()


def test_the_engine_changing_an_alert_makes_a_stale_officer_conflict(store: AlertStore) -> None:
    a = store.raise_alert(_new(firing=False), at=T0)
    fired = store.engine_step(a, "fire", at=T0 + timedelta(minutes=2))
    assert (fired.state, fired.version, fired.fired_at) == ("firing", 2, T0 + timedelta(minutes=2))
    with pytest.raises(Conflict) as caught:
        store.act(a.id, "acknowledge", who="li", at=T0, version=a.version)
    assert caught.value.current.state == "firing"
    resolved = store.engine_step(fired, "resolve", at=T0 + timedelta(minutes=9))
    assert (resolved.state, resolved.handling) == ("resolved", "new")  # people still close it
    assert store.live() == {}
    again = store.raise_alert(_new(firing=False), at=T0 + timedelta(minutes=10))
    assert again.id != a.id
    assert set(store.live()) == {("fire.confirmed", "unit-7")}


def test_one_live_alert_per_rule_and_group(store: AlertStore) -> None:
    store.raise_alert(_new(), at=T0)
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        store.raise_alert(_new(), at=T0)
    assert len(store.alerts()) == 1


def test_filters_and_newest_first(store: AlertStore) -> None:
    a = store.raise_alert(_new("u1", "I"), at=T0)
    b = store.raise_alert(_new("u2", "IV"), at=T0 + timedelta(minutes=1))
    c = store.raise_alert(_new("u3", "IV", firing=False), at=T0 + timedelta(minutes=2))
    assert [x.id for x in store.alerts()] == [c.id, b.id, a.id]
    assert [x.id for x in store.alerts(severity="IV")] == [c.id, b.id]
    assert [x.id for x in store.alerts(state="firing")] == [b.id, a.id]
    assert [x.id for x in store.alerts(domain="river")] == []
    assert [x.id for x in store.alerts(district="440802", handling="new")] == [c.id, b.id, a.id]
    store.act(a.id, "acknowledge", who="li", at=T0 + timedelta(minutes=5), version=1)
    assert [x.id for x in store.alerts()] == [a.id, c.id, b.id]
    with pytest.raises(ValueError, match="severity"):
        store.raise_alert(_new("u4", "V"), at=T0)


def test_push_to_the_wall_until_it_runs_out_or_is_released(store: AlertStore) -> None:
    a = store.raise_alert(_new("u1"), at=T0)
    b = store.raise_alert(_new("u2"), at=T0)
    assert store.pushed(T0) is None
    a = store.push(a.id, who="li", at=T0, until=T0 + timedelta(minutes=5), version=a.version)
    assert store.pushed(T0 + timedelta(minutes=1)) == a
    assert store.pushed(T0 + timedelta(minutes=5)) is None  # ran out
    with pytest.raises(Conflict):
        store.push(a.id, who="wang", at=T0, until=T0 + timedelta(minutes=9), version=1)
    b = store.push(
        b.id, who="wang", at=T0 + timedelta(minutes=2), until=T0 + timedelta(minutes=9), version=1
    )
    pushed = store.pushed(T0 + timedelta(minutes=3))
    assert pushed is not None and pushed.id == b.id  # the latest push wins
    store.release(b.id, who="wang", at=T0 + timedelta(minutes=4))
    pushed = store.pushed(T0 + timedelta(minutes=4))
    assert pushed is not None and pushed.id == a.id
    assert [h.step for h in store.history(b.id)] == ["fire", "push", "release"]
    with pytest.raises(ValueError):
        store.push(a.id, who="li", at=T0, until=T0, version=store.get(a.id).version)


def test_handover_written_and_signed_by_the_incoming_officer(store: AlertStore) -> None:
    with pytest.raises(ValueError, match="summary"):
        store.write_handover(who="li", at=T0, summary="  ")
    h = store.write_handover(who="li", at=T0, summary="2 起未结：坡头火警处置中")
    assert store.handovers() == [h]
    with pytest.raises(ValueError, match="incoming"):
        store.sign_handover(h.id, who="li", at=T0, version=h.version)
    signed = store.sign_handover(h.id, who="wang", at=T0 + timedelta(minutes=3), version=1)
    assert (signed.signed_by, signed.signed_at, signed.version) == (
        "wang",
        T0 + timedelta(minutes=3),
        2,
    )
    with pytest.raises(ValueError, match="already signed by wang"):
        store.sign_handover(h.id, who="zhao", at=T0, version=2)
    later = store.write_handover(who="wang", at=T0 + timedelta(hours=8), summary="无未结事项")
    assert [x.id for x in store.handovers()] == [later.id, h.id]


def test_silences_are_stored_with_matchers_and_validated(store: AlertStore) -> None:
    s = store.add_silence(
        kind="maintenance",
        matchers={"domain": "river"},
        starts_at=T0,
        ends_at=T0 + timedelta(hours=2),
        who="admin",
        at=T0,
        comment="水质站检修",
    )
    assert s.matches({"domain": "river", "rule": "x"}) and not s.matches({"domain": "fire"})
    assert store.silences(T0 + timedelta(hours=1)) == [s]
    assert store.silences(T0 + timedelta(hours=2)) == []
    bads: list[dict[str, object]] = [
        {"kind": "mute"},
        {"matchers": {}},
        {"matchers": {"colour": "red"}},
        {"ends_at": T0},
    ]
    for bad in bads:
        args: dict[str, object] = {
            "kind": "silence",
            "matchers": {"domain": "fire"},
            "starts_at": T0,
            "ends_at": T0 + timedelta(hours=1),
            "who": "admin",
            "at": T0,
            **bad,
        }
        with pytest.raises(ValueError):
            store.add_silence(**args)  # type: ignore[arg-type]


def test_the_lease_has_one_holder_until_it_expires(store: AlertStore) -> None:
    assert store.acquire_lease("a", at=T0, ttl_s=30)
    assert not store.acquire_lease("b", at=T0 + timedelta(seconds=10), ttl_s=30)
    assert store.acquire_lease("a", at=T0 + timedelta(seconds=20), ttl_s=30)  # renewed
    assert not store.acquire_lease("b", at=T0 + timedelta(seconds=45), ttl_s=30)
    assert store.lease_holder(T0 + timedelta(seconds=45)) == "a"
    assert store.acquire_lease("b", at=T0 + timedelta(seconds=51), ttl_s=30)  # a died
    assert store.lease_holder(T0 + timedelta(seconds=52)) == "b"
    store.release_lease("b")
    assert store.acquire_lease("a", at=T0 + timedelta(seconds=53), ttl_s=30)


def test_notification_attempts_are_recorded(store: AlertStore) -> None:
    a = store.raise_alert(_new(), at=T0)
    n = Notification(a.id, "firing", "http://gw", 1, T0, False, 503, "HTTP 503")
    store.record_notification(n)
    assert store.notifications(a.id) == [
        Notification(a.id, "firing", "http://gw", 1, T0, False, 503, "HTTP 503", 1)
    ]


def test_the_schema_is_migrated_once_with_its_own_version_table(store: AlertStore) -> None:
    import sqlalchemy as sa

    again = AlertStore(store.url)  # opening again does not migrate twice
    try:
        with again.engine.connect() as conn:
            versions = conn.execute(sa.text("SELECT version_num FROM alembic_version_alerts"))
            assert [r[0] for r in versions] == ["0002"]  # the head, applied once
    finally:
        again.close()


_WRITER = """
import sys
from datetime import UTC, datetime, timedelta
from alerts.store import AlertStore, NewAlert
store = AlertStore(sys.argv[1])
t0 = datetime(2026, 7, 15, 2, 0, tzinfo=UTC)
a = store.raise_alert(NewAlert("r", "fire", "II", "g", None, "e", None, None, "z", "e",
                               firing=True), at=t0)
print(a.id, flush=True)
i = 0
while True:
    i += 1
    a = store.act(a.id, "note", who="w", at=t0 + timedelta(seconds=i), version=a.version,
                  note="x" * 2000)
    print(i, flush=True)
"""


def test_nothing_committed_is_lost_when_a_writer_is_killed(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, url],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    alert_id = proc.stdout.readline().strip()
    acknowledged = 0
    while acknowledged < 150:  # notes the writer saw committed
        line = proc.stdout.readline()
        assert line, "the writer stopped"
        acknowledged = int(line)
    os.kill(proc.pid, signal.SIGKILL)  # mid-write: it is in its loop
    proc.wait(10)
    store = AlertStore(url)
    try:
        import sqlalchemy as sa

        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        a = store.get(alert_id)
        history = store.history(alert_id)
        notes = [h for h in history if h.step == "note"]
        assert len(notes) >= acknowledged  # every commit it reported is there
        # consistent: one action per version, in order, the alert at the last one
        assert [h.version for h in history] == list(range(1, a.version + 1))
        assert [h.at for h in notes] == [T0 + timedelta(seconds=i + 1) for i in range(len(notes))]
        assert a.last_change == notes[-1].at
        assert len(store.audit()) == len(history)
        assert sa is not None
    finally:
        store.close()


def test_naive_times_are_refused_everywhere(store: AlertStore) -> None:
    naive = datetime(2026, 7, 15, 2, 0)
    with pytest.raises(Exception, match="naive"):
        store.raise_alert(_new(), at=naive)
