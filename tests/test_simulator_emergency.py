"""The simulated emergency domain: CAP warnings of the typhoon, tracks, events, resources."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from data_adapters.cap import CAP_NS, parse_cap, to_warning_rows
from data_adapters.schema import table
from data_adapters.validate import check_rows
from simulator import emergency, places, typhoon
from simulator.base import Scale, SimContext
from simulator.geography import district_of, is_land
from simulator.scenario import POTOU_LANDFALL, Scenario

ANCHOR = datetime(2025, 9, 30, 4, 0, tzinfo=UTC)
# landfall well before the seeded history, so that windows around it are ordinary windows
CTX = SimContext(5, ANCHOR, Scale.TEST, Scenario(datetime(2025, 9, 15, 6, 10, tzinfo=UTC)))
LAND = CTX.scenario.landfall
# the whole storm, from the first signal to the last cancel
START, END = LAND - timedelta(hours=60), LAND + timedelta(hours=40)
NOW = END + timedelta(days=3)  # validation clock: after every expiry and forecast valid time
_RANK = {"white": 0, "blue": 1, "yellow": 2, "orange": 3, "red": 4}


def _collect(start: datetime, end: datetime) -> dict[str, pd.DataFrame]:
    out: dict[str, list[pd.DataFrame]] = {}
    for name, frame in emergency.facts(CTX, start, end):
        out.setdefault(name, []).append(frame)
    return {k: pd.concat(v, ignore_index=True) for k, v in out.items()}


@pytest.fixture(scope="module")
def storm() -> dict[str, pd.DataFrame]:
    return _collect(START, END)


@pytest.fixture(scope="module")
def alerts(storm: dict[str, pd.DataFrame]) -> list[dict]:
    return [parse_cap(x) for x in storm["cap_messages"]["xml"]]


def test_rows_pass_the_contract(storm: dict[str, pd.DataFrame], alerts: list[dict]) -> None:
    frames = {**emergency.reference(CTX), **{k: v for k, v in storm.items() if k != "cap_messages"}}
    frames["emergency_warnings"] = pd.concat([to_warning_rows(a, NOW) for a in alerts])
    assert set(frames) >= {"emergency_resources", "emergency_events", "typhoon_tracks"}
    for name, frame in frames.items():
        checked = check_rows(table(name), frame, now=NOW)
        assert checked.counts == (len(frame), 0), (name, checked.rejected.head())


def test_cap_messages_are_complete_cap_1_2(
    storm: dict[str, pd.DataFrame], alerts: list[dict]
) -> None:
    msgs = storm["cap_messages"]
    assert str(msgs["sent"].dtype) == "datetime64[us, UTC]"
    assert all(f'xmlns="{CAP_NS}"' in x for x in msgs["xml"])
    ids = [a["identifier"] for a in alerts]
    assert len(set(ids)) == len(ids)
    for a, sent in zip(alerts, msgs["sent"], strict=True):
        assert a["sender"] == "zjqxt@cma.gov.cn" and a["status"] == "Actual"
        assert pd.Timestamp(a["sent"]) == sent
        info = a["infos"][0]
        assert info["language"] == "zh-CN" and info["event"].endswith("预警信号")
        assert info["expires"] > a["sent"] and info["sender_name"] == "湛江市气象台"
        for area in info["areas"]:
            assert area["geocodes"][0][1][:4] == "4408"
            ring = area["polygons"][0]
            assert ring[0] == ring[-1] and len(ring) >= 4
            lon, lat = np.array(ring).T
            assert is_land(lon[:-1], lat[:-1]).mean() > 0.5  # CAP "lat,lon" read back correctly
        if a["msg_type"] != "Alert":
            assert a["references"], a["identifier"]


def test_typhoon_signals_escalate_to_red_and_are_cancelled(alerts: list[dict]) -> None:
    ty = [a for a in alerts if a["infos"][0]["event"].startswith("台风")]
    colours = [next(c for c in _RANK if c in a["infos"][0]["parameters"]["signal"]) for a in ty]
    sent = [a["sent"] for a in ty]
    assert ty[0]["msg_type"] == "Alert" and colours[0] == "white"
    assert timedelta(hours=40) < LAND - sent[0] <= timedelta(hours=48)
    red = colours.index("red")
    assert timedelta(0) < LAND - sent[red] <= timedelta(hours=6)
    assert colours[: red + 1] == sorted(colours[: red + 1], key=_RANK.get)
    assert len(set(colours[: red + 1])) == 5  # white, blue, yellow, orange, red
    after = colours[red:]
    assert after == sorted(after, key=_RANK.get, reverse=True)
    assert ty[-1]["msg_type"] == "Cancel" and sent[-1] > LAND
    assert all(a["msg_type"] == "Update" for a in ty[1:-1])
    # each message references the one before it
    for prev, cur in itertools.pairwise(ty):
        assert cur["references"][0].split(",")[1] == prev["identifier"]
    rain = [a for a in alerts if a["infos"][0]["event"].startswith("暴雨")]
    assert rain and rain[-1]["msg_type"] == "Cancel" and rain[0]["sent"] < LAND < rain[-1]["sent"]


def test_observed_track_makes_landfall_at_potou(storm: dict[str, pd.DataFrame]) -> None:
    tracks = storm["typhoon_tracks"]
    obs = tracks[tracks.kind == "observed"].sort_values("ts")
    assert (obs["ts"] == obs["issued_ts"]).all()
    assert (obs["ts"].diff().dropna() == pd.Timedelta(hours=3)).all()
    near = obs.iloc[(obs["ts"] - pd.Timestamp(LAND)).abs().argmin()]
    km = math.hypot((near.lon - POTOU_LANDFALL[0]) * 104, (near.lat - POTOU_LANDFALL[1]) * 111)
    assert km < 60 and near.wind_ms >= 45
    assert obs.wind_ms.max() == pytest.approx(50.0, abs=1.0)


def test_forecast_error_grows_with_lead(storm: dict[str, pd.DataFrame]) -> None:
    tracks = storm["typhoon_tracks"]
    fc = tracks[tracks.kind == "forecast"].copy()
    assert len(fc["issued_ts"].unique()) >= 8
    steps = fc["issued_ts"].drop_duplicates().sort_values().diff().dropna()
    assert (steps == pd.Timedelta(hours=6)).all()
    truth = typhoon.storm_at(CTX, list(fc["ts"].dt.to_pydatetime()))
    fc["err_km"] = np.hypot(
        (fc["lon"].to_numpy(float) - truth[:, 0]) * 104,
        (fc["lat"].to_numpy(float) - truth[:, 1]) * 111,
    )
    fc["lead"] = (fc["ts"] - fc["issued_ts"]) / pd.Timedelta(hours=1)
    err = fc.groupby("lead")["err_km"].mean()
    assert err.loc[12] < err.loc[48] and err.loc[12] < 60


def test_waterlogging_spikes_around_landfall() -> None:
    def storm_events(start: datetime) -> int:
        ev = _collect(start, start + timedelta(hours=24)).get("emergency_events")
        if ev is None:
            return 0
        return int(ev[(ev.status == "reported") & ev.kind.isin(["waterlogging", "flood"])].shape[0])

    assert storm_events(LAND - timedelta(hours=6)) >= 5 * max(
        1, storm_events(LAND - timedelta(days=6))
    )


def test_events_states_levels_and_places(storm: dict[str, pd.DataFrame]) -> None:
    ev = storm["emergency_events"]
    assert (ev["level"] == "IV").mean() > 0.5
    whole = ev[ev["reported_ts"] >= pd.Timestamp(START)]
    first = whole.sort_values("ts").groupby("event_id").first()
    assert (first["status"] == "reported").all()
    assert (ev["ts"] >= ev["reported_ts"]).all()
    land = ev[ev.kind != "maritime"]
    assert is_land(land.lon.to_numpy(float), land.lat.to_numpy(float)).all()
    sea = ev[ev.kind == "maritime"]
    assert not is_land(sea.lon.to_numpy(float), sea.lat.to_numpy(float)).any()
    ty = ev[ev.kind == "typhoon"]
    assert set(ty["status"]) == {"reported", "responding", "closed"}


def test_resources_on_land_with_capacity() -> None:
    res = emergency.reference(CTX)["emergency_resources"]
    assert set(res["kind"]) == {"shelter", "depot", "rescue_team", "boat"}
    assert (res["capacity"] > 0).all() and res["name"].is_unique
    x, y = res.lon.to_numpy(float), res.lat.to_numpy(float)
    assert is_land(x, y).all()
    assert (district_of(x, y) == res["adcode"].to_numpy()).all()
    assert res["name"].str.contains("民间").any()


def test_towns_lie_in_their_district() -> None:
    t = places.towns()
    x, y = t.lon.to_numpy(float), t.lat.to_numpy(float)
    assert is_land(x, y).all()
    assert (district_of(x, y) == t["adcode"].to_numpy()).all()


def test_chunks_and_seeds() -> None:
    start, end = LAND - timedelta(hours=3), LAND + timedelta(hours=9)
    whole = _collect(start, end)
    cuts = [start + timedelta(minutes=m) for m in range(0, 12 * 60 + 1, 97)] + [end]
    parts: dict[str, list[pd.DataFrame]] = {}
    for a, b in itertools.pairwise(cuts):
        for name, frame in _collect(a, b).items():
            parts.setdefault(name, []).append(frame)
    assert set(parts) == set(whole)
    for name, frame in whole.items():
        key = ["sent", "xml"] if name == "cap_messages" else list(table(name).key)
        joined = pd.concat(parts[name]).sort_values(key).reset_index(drop=True)
        pd.testing.assert_frame_equal(frame.sort_values(key).reset_index(drop=True), joined)
    again = _collect(start, end)
    pd.testing.assert_frame_equal(whole["emergency_events"], again["emergency_events"])
    other = SimContext(6, ANCHOR, Scale.TEST, CTX.scenario)
    ev = dict(emergency.facts(other, start, end))["emergency_events"]
    assert not ev["event_id"].equals(whole["emergency_events"]["event_id"])


def test_seeded_history_carries_the_storm() -> None:
    anchor = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    ctx = SimContext(7, anchor, Scale.TEST, Scenario.for_anchor(anchor))
    assert ctx.scenario.landfall - timedelta(hours=48) < ctx.start  # the storm is before it
    seeded = dict(emergency.facts(ctx, ctx.start, ctx.anchor))
    assert (seeded["typhoon_tracks"]["issued_ts"] < pd.Timestamp(ctx.start)).any()
    events = [parse_cap(x)["infos"][0]["event"] for x in seeded["cap_messages"]["xml"]]
    assert "台风红色预警信号" in events
    assert (seeded["emergency_events"]["kind"] == "typhoon").any()
    # the rows before ctx.start come once, with the window that holds it
    before = dict(emergency.facts(ctx, ctx.start - emergency.HISTORY, ctx.start))
    assert not before
    cut = ctx.start + timedelta(hours=2)
    parts = [dict(emergency.facts(ctx, ctx.start, cut)), dict(emergency.facts(ctx, cut, anchor))]
    for name, frame in seeded.items():
        joined = pd.concat([p[name] for p in parts if name in p], ignore_index=True)
        assert len(joined) == len(frame), name
