"""The simulated fire domain: stations, units, IoT events and 119 response times."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from data_adapters.schema import table
from data_adapters.validate import check_rows
from simulator import fire
from simulator.base import Scale, SimContext
from simulator.geography import is_land
from simulator.scenario import Scenario

ANCHOR = datetime(2025, 3, 10, 6, 0, tzinfo=UTC)
CTX = SimContext(3, ANCHOR, Scale.TEST, Scenario.for_anchor(ANCHOR))


def _collect(ctx: SimContext, start: datetime, end: datetime) -> dict[str, pd.DataFrame]:
    out: dict[str, list[pd.DataFrame]] = {}
    for name, frame in fire.facts(ctx, start, end):
        out.setdefault(name, []).append(frame)
    return {k: pd.concat(v, ignore_index=True) for k, v in out.items()}


@pytest.fixture(scope="module")
def history() -> dict[str, pd.DataFrame]:
    return _collect(CTX, CTX.start, CTX.anchor)


def test_rows_pass_the_contract(history: dict[str, pd.DataFrame]) -> None:
    frames = {**fire.reference(CTX), **history}
    assert set(frames) == {"fire_stations", "fire_units", "fire_device_events", "fire_incidents"}
    for name, frame in frames.items():
        checked = check_rows(table(name), frame, now=ANCHOR)
        assert checked.counts == (len(frame), 0), (name, checked.rejected.head())


def test_stations_and_units() -> None:
    ref = fire.reference(CTX)
    st, units = ref["fire_stations"], ref["fire_units"]
    assert 25 <= len(st) <= 40 and set(st["kind"]) == {
        "special",
        "class1",
        "class2",
        "small",
        "professional",
    }
    assert len(units) == 80 and units["name"].is_unique
    assert units["name"].str.contains("宝钢湛江钢铁").any()
    for frame in (st, units):
        assert is_land(frame.lon.to_numpy(float), frame.lat.to_numpy(float)).all()
    demo = SimContext(3, ANCHOR, Scale.DEMO, CTX.scenario)
    assert len(fire.reference(demo)["fire_units"]) == 300


def test_most_alarms_are_false(history: dict[str, pd.DataFrame]) -> None:
    ev = history["fire_device_events"]
    alarms = ev[ev.kind == "alarm"]
    assert len(alarms) > 100
    assert (alarms["confirmed"] == False).mean() > 0.9  # noqa: E712 (nullable boolean)
    assert alarms["confirmed"].isna().any()
    assert ev[ev.kind != "alarm"]["confirmed"].isna().all()
    assert set(ev["kind"]) == {"alarm", "fault", "offline", "restored"}


def test_response_times(history: dict[str, pd.DataFrame]) -> None:
    inc = history["fire_incidents"]
    on = inc[inc.status == "on_scene"]
    assert len(on) > 100  # 30 days of incident history come with the window holding ctx.start
    assert inc["ts"].min() < pd.Timestamp(CTX.start - timedelta(days=25))
    dispatch = (on["dispatch_ts"] - on["call_ts"]).dt.total_seconds()
    assert dispatch.between(30, 90).all()
    response = (on["arrival_ts"] - on["dispatch_ts"]).dt.total_seconds()
    assert (response > 300).any() and (response <= 300).mean() > 0.4
    # the countryside is slower: the urban core districts meet the standard more often
    core = response[on["adcode"].isin(["440802", "440803"])]
    rural = response[on["adcode"].isin(["440823", "440825", "440881", "440882"])]
    assert (core <= 300).mean() > (rural <= 300).mean()
    states = inc.sort_values("ts").groupby("incident_id")["status"].agg(",".join)
    whole = states[states.str.count(",") == 2]
    assert len(whole) > 0 and (whole == "dispatched,on_scene,closed").all()


def test_chunks_and_seeds() -> None:
    start, end = CTX.start - timedelta(hours=2), CTX.start + timedelta(hours=4)
    whole = _collect(CTX, start, end)
    cuts = [
        start,
        CTX.start - timedelta(minutes=7),
        CTX.start,
        CTX.start + timedelta(hours=1),
        CTX.start + timedelta(hours=1, seconds=5),
        end,
    ]
    for name, frame in whole.items():
        key = list(table(name).key)
        parts = pd.concat([_collect(CTX, a, b).get(name) for a, b in itertools.pairwise(cuts)])
        pd.testing.assert_frame_equal(
            frame.sort_values(key).reset_index(drop=True),
            parts.sort_values(key).reset_index(drop=True),
        )
    other = _collect(SimContext(4, ANCHOR, Scale.TEST, CTX.scenario), start, end)
    assert not other["fire_device_events"]["device_id"].equals(
        whole["fire_device_events"]["device_id"]
    )
