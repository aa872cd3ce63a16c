"""What the duty console adds to the alert store: SOP ticks kept in the audit (the alert and its
version untouched), and the steps a console may offer from each handling state."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alert_fixtures import T0, open_store

from alerts.store import SOP_STEP, AlertStore, NewAlert, allowed_steps


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AlertStore]:
    pg = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    with open_store(request.param, tmp_path, pg) as s:
        yield s


def _alert(store: AlertStore) -> str:
    new = NewAlert(
        rule="fire.confirmed",
        domain="fire",
        severity="I",
        group_key="unit-1",
        district="440803",
        entity="unit-1",
        lon=110.4,
        lat=21.2,
        message_zh="重点单位确认火情",
        message_en="Confirmed fire at a key unit",
        firing=True,
    )
    return store.raise_alert(new, at=T0).id


def test_sop_ticks_are_audited_and_leave_the_alert_alone(store: AlertStore) -> None:
    alert_id = _alert(store)
    before = store.get(alert_id)
    tick = store.tick_sop(alert_id, "verify", who="duty-li", at=T0 + timedelta(minutes=1))
    assert (tick.step, tick.note, tick.who, tick.version) == (SOP_STEP, "verify", "duty-li", 1)
    assert store.get(alert_id) == before  # no new version: no officer's step turns a conflict
    store.act(alert_id, "acknowledge", who="duty-wang", at=T0, version=before.version)
    store.tick_sop(alert_id, "dispatch", who="duty-wang", at=T0 + timedelta(minutes=2))
    ticks = store.sop_ticks(alert_id)
    assert sorted(ticks) == ["dispatch", "verify"]
    assert ticks["verify"].at == T0 + timedelta(minutes=1)
    assert ticks["dispatch"].version == 2
    assert [a.step for a in store.history(alert_id)] == ["fire", SOP_STEP, "acknowledge", SOP_STEP]


def test_a_tick_twice_or_by_nobody_or_on_no_alert_is_refused(store: AlertStore) -> None:
    alert_id = _alert(store)
    store.tick_sop(alert_id, "verify", who="duty-li", at=T0)
    with pytest.raises(ValueError, match="already ticked by duty-li"):
        store.tick_sop(alert_id, "verify", who="duty-wang", at=T0)
    with pytest.raises(ValueError, match="who"):
        store.tick_sop(alert_id, "report", who="", at=T0)
    with pytest.raises(ValueError, match="step_id"):
        store.tick_sop(alert_id, "x" * 41, who="duty-li", at=T0)
    with pytest.raises(KeyError):
        store.tick_sop("nope", "verify", who="duty-li", at=T0)
    assert list(store.sop_ticks(alert_id)) == ["verify"]


def test_allowed_steps_follow_the_store_s_own_flow(store: AlertStore) -> None:
    assert allowed_steps("new") == ("acknowledge", "assign", "note")
    assert allowed_steps("closed") == ("note",)
    alert_id = _alert(store)
    for handling, step, assignee in [
        ("new", "acknowledge", None),
        ("acknowledged", "assign", "霞山消防救援站"),
        ("assigned", "dispose", None),
        ("disposing", "close", None),
    ]:
        a = store.get(alert_id)
        assert a.handling == handling and step in allowed_steps(handling)
        refused = {"acknowledge", "assign", "dispose", "close"} - set(allowed_steps(handling))
        for other in refused:
            with pytest.raises(ValueError):
                store.act(alert_id, other, who="li", at=T0, version=a.version, assignee="x")
        store.act(alert_id, step, who="li", at=T0, version=a.version, assignee=assignee)
